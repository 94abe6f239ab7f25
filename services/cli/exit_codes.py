"""The exit codes of ``vatra`` that mean more than success or failure."""

from __future__ import annotations

# ``vatra verify`` found an altered event; ``vatra history`` met one.
TAMPERING_FOUND = 1
