"""``python -m devtools.kafka {fetch,start,stop,status}``."""

from __future__ import annotations

from devtools.kafka.cli import main

raise SystemExit(main())
