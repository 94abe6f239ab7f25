"""The texts of the pages that need a translation, and the catalog template.

``python -m services.api.catalog`` rewrites ``locales/messages.pot`` from the
templates, the page code, the labels of ``domain.catalogue`` and the names of
the steps (``domain.commands``); then merge
it into each language with ``pybabel update -i services/api/locales/messages.pot
-d services/api/locales``, and translate what is new.
"""

from __future__ import annotations

from collections.abc import Iterator
from io import BytesIO

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import write_po

from domain.catalogue import AGENCIES, AUTHORITIES, ROLES, SERVICES
from domain.commands import every_command
from services.api.i18n import HERE, LOCALES

KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}
METHODS = [
    ("templates/**.html", "jinja2.ext:babel_extract"),
    ("**.py", "python"),
]


# The statistics' tables (services/stats/) are worded in the page's language too.
STATS = HERE.parent / "stats"


def extracted() -> Iterator[tuple[str, str]]:
    """(text, where) for every marked text of the templates and the page code."""
    for filename, lineno, message, _comments, _context in extract_from_dir(
        HERE,
        METHODS,
        keywords=KEYWORDS,
        options_map={"templates/**.html": {"extensions": "jinja2.ext.i18n"}},
    ):
        texts = message if isinstance(message, tuple) else (message,)
        for text in texts:
            if text:
                yield text, f"{filename}:{lineno}"
    for filename, lineno, message, _comments, _context in extract_from_dir(
        STATS, [("**.py", "python")], keywords=KEYWORDS
    ):
        texts = message if isinstance(message, tuple) else (message,)
        for text in texts:
            if text:
                yield text, f"../stats/{filename}:{lineno}"


def catalogue_labels() -> Iterator[tuple[str, str]]:
    """The labels of codes the pages show through gettext, and the name of
    every step a person records (its command's summary)."""
    for name, labels in (
        ("SERVICES", SERVICES),
        ("AUTHORITIES", AUTHORITIES),
        ("AGENCIES", AGENCIES),
        ("ROLES", ROLES),
    ):
        for label in labels.values():
            yield label, f"domain/catalogue.py:{name}"
    for command in every_command().values():
        declaration = command.declaration
        if declaration.path is not None:
            yield declaration.summary, f"domain/commands.py:{declaration.name}"


def template() -> Catalog:
    catalog = Catalog(project="vatra-backbone", charset="utf-8")
    for text, where in (*extracted(), *catalogue_labels()):
        path, _, line = where.rpartition(":")
        catalog.add(text, locations=[(path, int(line) if line.isdigit() else 0)])
    return catalog


def main() -> None:
    buffer = BytesIO()
    write_po(buffer, template(), sort_output=True, omit_header=False, width=88)
    (LOCALES / "messages.pot").write_bytes(buffer.getvalue())


if __name__ == "__main__":
    main()
