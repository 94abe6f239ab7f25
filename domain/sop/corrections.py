"""Apply ``EntryCorrected`` facts to the facts they correct.

Corrections are new events, never edits (see DESIGN.md), so every reader that
judges a case must first see the history as corrected. A correction names the
version of the earlier fact, the field (an attribute name, or
``"occurred_at"``) and the new value as JSON text. Corrections apply in version
order, so a later correction of the same field wins.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

from domain.facts import CaseFact
from domain.sop.errors import InvalidCorrection, InvalidFacts

CORRECTION = "EntryCorrected"
OCCURRED_AT = "occurred_at"
# Fields that say what and when the store took, not what happened: not
# correctable by people.
_NOT_CORRECTABLE = frozenset({"type", "version", "case_id", "recorded_at"})


def in_version_order(facts: Sequence[CaseFact]) -> list[CaseFact]:
    """One case's facts sorted by version, checked to be one history.

    The same fact given twice (a feed delivering again) is kept once; two
    different facts claiming the same version, or facts of two cases, are an
    error.
    """
    cases = {fact.case_id for fact in facts}
    if len(cases) > 1:
        raise InvalidFacts(
            f"facts of several cases given together: {sorted(map(str, cases))}"
        )
    by_version: dict[int, CaseFact] = {}
    for fact in facts:
        known = by_version.setdefault(fact.version, fact)
        if known != fact:
            raise InvalidFacts(
                f"case {fact.case_id}: two different facts at version {fact.version}"
            )
    return [by_version[v] for v in sorted(by_version)]


def apply_corrections(facts: Sequence[CaseFact]) -> list[CaseFact]:
    """The facts in version order, with every correction applied.

    The ``EntryCorrected`` facts themselves stay in the list. Raises
    ``InvalidCorrection`` for a correction that names no earlier fact, targets
    another correction or a field that cannot be corrected, or whose value is
    not valid JSON (or, for ``occurred_at``, not an ISO-8601 date-time with a
    UTC offset).
    """
    ordered = in_version_order(facts)
    index = {fact.version: i for i, fact in enumerate(ordered)}
    for correction in [f for f in ordered if f.type == CORRECTION]:
        target_version, field, value = _read(correction)
        position = index.get(target_version)
        if position is None or target_version >= correction.version:
            raise _invalid(
                correction, f"names version {target_version}, no earlier fact"
            )
        target = ordered[position]
        if target.type == CORRECTION:
            raise _invalid(correction, "corrects another correction")
        ordered[position] = _corrected(target, field, value, correction)
    return ordered


def _read(correction: CaseFact) -> tuple[int, str, str]:
    attributes = correction.attributes
    target = attributes.get("corrected_version")
    field = attributes.get("field")
    value = attributes.get("value")
    if isinstance(target, bool) or not isinstance(target, int):
        raise _invalid(correction, f"corrected_version must be a version: {target!r}")
    if not isinstance(field, str) or not field or field in _NOT_CORRECTABLE:
        raise _invalid(correction, f"field {field!r} cannot be corrected")
    if not isinstance(value, str):
        raise _invalid(correction, f"value must be JSON text: {value!r}")
    return target, field, value


def _corrected(target: CaseFact, field: str, value: str, by: CaseFact) -> CaseFact:
    if field == OCCURRED_AT:
        return replace(target, occurred_at=_moment(value, by))
    try:
        new_value = json.loads(value)
    except json.JSONDecodeError as exc:
        raise _invalid(by, f"value is not valid JSON: {value!r}") from exc
    return replace(target, attributes={**target.attributes, field: new_value})


def _moment(value: str, by: CaseFact) -> datetime:
    # Accept the ISO string bare or as JSON text (quoted): both are written.
    text = value
    try:
        decoded = json.loads(value)
    except json.JSONDecodeError:
        decoded = None
    if isinstance(decoded, str):
        text = decoded
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise _invalid(
            by, f"occurred_at is not an ISO-8601 date-time: {value!r}"
        ) from exc
    if moment.utcoffset() is None:
        raise _invalid(by, f"occurred_at needs a UTC offset: {value!r}")
    return moment.astimezone(UTC)


def _invalid(correction: CaseFact, problem: str) -> InvalidCorrection:
    return InvalidCorrection(
        f"case {correction.case_id}: correction at version {correction.version} "
        f"{problem}"
    )
