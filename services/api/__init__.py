"""The HTTP API and the pages: ``create_app(api_context(backbone))``."""

from __future__ import annotations

from services.api.app import create_app
from services.api.context import ApiContext, api_context

__all__ = ["ApiContext", "api_context", "create_app"]
