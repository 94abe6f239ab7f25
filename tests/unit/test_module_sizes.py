"""No production module grows past what a reader takes in at once, and the
top of ``services/`` stays a short list: each stage of the data flow has its
folder (``docs/ARCHITECTURE.md``)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("domain", "schemas", "projections", "handlers", "services")
MAX_LINES = 400
MAX_TOP_OF_SERVICES = 10


def test_no_production_module_is_over_400_lines() -> None:
    long = {
        str(path.relative_to(ROOT)): lines
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_the_top_of_services_holds_at_most_ten_modules() -> None:
    modules = [p.name for p in (ROOT / "services").glob("*.py")]
    assert len(modules) <= MAX_TOP_OF_SERVICES, sorted(modules)
