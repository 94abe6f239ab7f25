"""The steps a phone recorded without a connection, sent when it is back.

A phone queues each step with its own idempotency key, the case id (made on
the phone for an identification), the case version it was captured at and
the moment of capture (``occurred_at``). ``POST /field/data/sync``
(``routes.field``) takes them in the order they were captured and answers
each:

- ``recorded``: the step is on the case (``replayed`` when an earlier attempt
  recorded it and only the answer was lost: nothing new is recorded);
- ``conflict``: someone else recorded steps on the case after the version the
  step was captured at. Nothing is recorded; the changes are listed for the
  worker to decide. Sent again at the version the conflict names, it is
  recorded after them. Steps of the same worker and the system's own (the
  alerts the notifier records) are no conflict;
- ``refused``: a field or a rule of the case refuses it; the reasons are
  worded in the worker's language.

- ``waiting``: an earlier step of the same case in this batch was not
  recorded; this one may depend on it, so it is not tried, and is sent again
  in order once the worker has decided. Steps of other cases go on: one
  case's conflict never holds back the police alert of another.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import ImmutableMultiDict

from domain.commands import COMMANDS, Identify
from domain.errors import DomainError, InvalidValue
from services.api.context import ApiContext, Forbidden
from services.api.error_texts import word_error
from services.api.form_model import OCCURRED_AT, read_form
from services.api.form_submit import shape_of
from services.api.i18n import Formats
from services.api.idempotency import Answer, correlation_id_for, request_fingerprint
from services.api.policy import Principal, may_record
from services.api.routes.commands import recorded_with
from services.api.routes.identify import REGION, identify_specs
from services.api.step_offers import BY_PATH, case_now, opening_regions
from services.api.wording import Wording
from services.app.errors import CaseNotFound, VersionConflict
from services.app.plain import RecordedEvent

IDENTIFY = "identify"
# The steps a phone may record offline, by their form's path.
FIELD_STEPS = ("notify", "consent", "refer", "follow-up")
# Whose steps are no conflict: the notifier's and the SOP clock's.
SYSTEM_ROLE = "system"
MAX_BATCH = 50


@dataclass
class QueuedStep:
    """One step as the phone sends it."""

    step: str
    key: str
    case_id: uuid.UUID
    occurred_at: str = ""
    expected_version: int | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, raw: Any) -> QueuedStep:
        """A queued step from JSON; ``InvalidValue`` naming what is wrong."""
        if not isinstance(raw, dict):
            raise InvalidValue("a queued step must be an object")
        step = raw.get("step")
        if step != IDENTIFY and step not in FIELD_STEPS:
            raise InvalidValue(f"step {step!r} cannot be recorded offline")
        key = raw.get("key")
        if not isinstance(key, str) or not 1 <= len(key) <= 200:
            raise InvalidValue("a queued step needs its key")
        try:
            case_id = uuid.UUID(str(raw.get("case_id")))
        except ValueError:
            raise InvalidValue("a queued step needs its case id") from None
        expected = raw.get("expected_version")
        if step != IDENTIFY and (not isinstance(expected, int) or expected < 1):
            raise InvalidValue("a queued step needs the case version it was made at")
        fields = raw.get("fields") or {}
        occurred_at = raw.get("occurred_at") or ""
        if not isinstance(fields, dict) or not isinstance(occurred_at, str):
            raise InvalidValue("a queued step's fields must be an object")
        return cls(step, key, case_id, occurred_at, expected, fields)

    def form(self) -> ImmutableMultiDict[str, Any]:
        """The fields as a sent form has them; the time it happened is the
        one taken at capture."""
        items: list[tuple[str, Any]] = []
        for name, value in self.fields.items():
            if name in (OCCURRED_AT, "occurred_shown"):
                continue
            values = value if isinstance(value, list) else [value]
            items.extend((str(name), "" if v is None else str(v)) for v in values)
        items += [(OCCURRED_AT, self.occurred_at), ("occurred_shown", "")]
        return ImmutableMultiDict(items)

    def fingerprint(self) -> str:
        """The same step sent again has the same hash, at whatever version."""
        body = {"case_id": str(self.case_id), "fields": dict(self.fields)}
        body["occurred_at"] = self.occurred_at
        return request_fingerprint("POST", f"/field/sync/{self.step}", body)


class Syncer:
    """Records a phone's queued steps for one worker."""

    def __init__(self, ctx: ApiContext, viewer: Principal, correlation_id: str):
        self.ctx = ctx
        self.viewer = viewer
        self.correlation_id = correlation_id
        self.w = Wording.of(viewer.language, ctx.rulebook)
        self.formats = Formats(viewer.language)

    def run(self, steps: Sequence[QueuedStep]) -> list[dict[str, Any]]:
        """Each step's answer, in order; a case's steps after one of its steps
        that was not recorded wait."""
        answers: list[dict[str, Any]] = []
        held: set[uuid.UUID] = set()
        for step in steps:
            if step.case_id in held:
                answers.append({"status": "waiting"})
                continue
            answer = self.one(step)
            answers.append(answer)
            if answer["status"] != "recorded":
                held.add(step.case_id)
        return answers

    def one(self, step: QueuedStep) -> dict[str, Any]:
        """Record ``step`` once per its key, or say why not."""
        outcome: dict[str, Any] = {}
        correlation = correlation_id_for(self.viewer.user_id, step.key)

        def action() -> Answer:
            result = (
                self._identify(step, correlation)
                if step.step == IDENTIFY
                else self._step(step, correlation)
            )
            if result.get("status") != "recorded":
                outcome.update(result)
                return Answer(409, {})
            return Answer(
                200, {"case_id": result["case_id"], "version": result["version"]}
            )

        try:
            answer = self.ctx.idempotency.run(
                self.viewer.user_id, step.key, step.fingerprint(), action
            )
        except Forbidden:
            return self._refused(
                {"": self.w.t.gettext("You may not record this step.")}
            )
        except CaseNotFound:
            return self._refused({"": self.w.t.gettext("This case is not known.")})
        except DomainError as error:
            return self._refused({error.field or "": word_error(self.w, error)})
        if outcome:
            return {"key": step.key, **outcome}
        return {
            "key": step.key,
            "status": "recorded",
            "case_id": str(answer.body["case_id"]),
            "version": int(answer.body["version"]),
            "replayed": answer.replayed,
        }

    def _identify(self, step: QueuedStep, correlation: str) -> dict[str, Any]:
        ctx, viewer = self.ctx, self.viewer
        regions = opening_regions(viewer)
        ctx.check(
            viewer,
            "command:identify",
            bool(regions),
            correlation_id=self.correlation_id,
        )
        submitted = read_form(
            identify_specs(), step.form(), {REGION: regions}, now=ctx.clock.now()
        )
        if submitted.errors:
            return self._refused(self._worded(submitted.errors))
        try:
            result = ctx.service.open_case(
                Identify(**submitted.values),
                actor_id=viewer.user_id,
                actor_role=viewer.role,
                occurred_at=submitted.occurred_at or ctx.clock.now(),
                case_id=step.case_id,
                correlation_id=correlation,
            )
        except VersionConflict:
            earlier = recorded_with(ctx, step.case_id, correlation)
            if earlier is None:
                raise
            result = earlier
        return {"status": "recorded", **result}

    def _step(self, step: QueuedStep, correlation: str) -> dict[str, Any]:
        ctx, viewer = self.ctx, self.viewer
        name = BY_PATH[step.step]
        case_id = str(step.case_id)
        case = ctx.service.case(case_id)
        ctx.check(
            viewer,
            f"command:{name}",
            may_record(viewer, name, str(case["region"])),
            correlation_id=self.correlation_id,
            case_id=step.case_id,
        )
        assert step.expected_version is not None
        now = case_now(ctx, viewer, step.case_id, case)
        version = int(now.offers["version"])
        if version != step.expected_version:
            since = [
                e
                for e in ctx.service.events(case_id)
                if e.version > step.expected_version
            ]
            earlier = [e for e in since if e.correlation_id == correlation]
            if earlier:
                return {
                    "status": "recorded",
                    "case_id": case_id,
                    "version": earlier[0].version,
                }
            others = [e for e in since if not self._own_or_system(e)]
            if others:
                return self._conflict(version, others)
        offer = now.offers["offered"].get(name)
        if offer is None:
            return self._refused(
                {"": self.w.t.gettext("This step is no longer possible on this case.")}
            )
        shape = shape_of(name)(now)
        submitted = read_form(
            shape.specs, step.form(), shape.allowed, now=ctx.clock.now()
        )
        if submitted.errors:
            return self._refused(self._worded(submitted.errors))
        try:
            result = ctx.service.run(
                COMMANDS[name](**{**submitted.values, **offer["made"]}),
                case_id,
                expected_version=version,
                actor_id=viewer.user_id,
                actor_role=viewer.role,
                occurred_at=submitted.occurred_at or ctx.clock.now(),
                correlation_id=correlation,
            )
        except VersionConflict:
            recorded = recorded_with(ctx, step.case_id, correlation)
            if recorded is None:
                return self._step(step, correlation)  # a step landed meanwhile
            result = recorded
        return {"status": "recorded", **result}

    def _own_or_system(self, event: RecordedEvent) -> bool:
        return event.actor_id == self.viewer.user_id or event.actor_role == SYSTEM_ROLE

    def _conflict(
        self, version: int, others: Sequence[RecordedEvent]
    ) -> dict[str, Any]:
        w = self.w
        changes = [
            f"{w.line(e.type, e.payload)} · {self.formats.when(e.occurred_at)}"
            f" · {e.actor_id} ({w.role(e.actor_role)})"
            for e in others
        ]
        return {"status": "conflict", "version": version, "changes": changes}

    def _worded(self, errors: Mapping[str, DomainError]) -> dict[str, str]:
        return {name: word_error(self.w, error) for name, error in errors.items()}

    @staticmethod
    def _refused(errors: Mapping[str, str]) -> dict[str, Any]:
        return {"status": "refused", "errors": dict(errors)}
