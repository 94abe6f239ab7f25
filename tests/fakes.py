"""Fakes of the backbone's own ports, for tests without PostgreSQL."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from services.app.errors import (
    PersonalDataNotFound,
    PersonalDataUnavailable,
    ReadNotPermitted,
    SubjectErased,
)
from services.store.personal_data import READERS


@dataclass
class KeptAttributes:
    """``services.app.ports.PersonalAttributes`` in memory: what was kept, by
    subject_ref; every call in ``calls`` (what the access log would hold)."""

    keyed: bool = True
    kept: dict[str, dict[str, Any]] = field(default_factory=dict)
    erased: set[str] = field(default_factory=set)
    calls: list[tuple[str, str, str, str]] = field(default_factory=list)

    def may_read(self, actor_role: str) -> bool:
        return actor_role in READERS

    def keep(
        self,
        subject_ref: str,
        attributes: Mapping[str, Any],
        *,
        actor_id: str,
        actor_role: str,
        case_id: str,
        correlation_id: str,
    ) -> None:
        self.calls.append(("keep", subject_ref, actor_id, correlation_id))
        self._check(subject_ref, actor_role)
        self.kept[subject_ref] = {**self.kept.get(subject_ref, {}), **attributes}

    def read(
        self,
        subject_ref: str,
        *,
        actor_id: str,
        actor_role: str,
        case_id: str,
        correlation_id: str,
    ) -> dict[str, Any]:
        self.calls.append(("read", subject_ref, actor_id, correlation_id))
        self._check(subject_ref, actor_role)
        if subject_ref not in self.kept:
            raise PersonalDataNotFound(f"no personal data is held for {subject_ref}")
        return dict(self.kept[subject_ref])

    def _check(self, subject_ref: str, actor_role: str) -> None:
        if actor_role not in READERS:
            raise ReadNotPermitted(f"the role {actor_role!r} may not")
        if not self.keyed:
            raise PersonalDataUnavailable("VATRA_PERSONAL_DATA_KEY is not set")
        if subject_ref in self.erased:
            raise SubjectErased(f"the personal data of {subject_ref} was erased")
