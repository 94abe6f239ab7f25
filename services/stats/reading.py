"""The statistics read models as ``vatra stats`` reads them
(``services.config.read_models``): one connection, the backbone built only to
bring the read models up to date."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from services.config.read_models import ReadModels, read_models
from services.config.settings import Settings

# The projections whose positions the statistics depend on: the statistics
# and the SOP obligations (``projections.statistics``, ``projections.obligations``).
CONSUMERS = ("statistics", "sop_obligations")


@contextlib.contextmanager
def statistics_read_models(settings: Settings | None = None) -> Iterator[ReadModels]:
    """The statistics' read models of the configured database."""
    with read_models(CONSUMERS, settings) as models:
        yield models
