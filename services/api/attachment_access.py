"""Adding and reading the notes and documents of a case, for the pages and
the API alike.

Those who work the case write and read them: caseworkers of the case's
region, and the coordinator, who coordinates its work (the declaration of
``AddAttachment``). The police, the Child Protection Units, the Responsible
Authority and the auditors see on the timeline that a note or a document
was added, never its content. Every read of content and every addition is in
the access log.

A note is text (at most ``NOTE_LENGTH`` characters, lines allowed); a
document is a PDF, JPEG or PNG, known by its first bytes, at most the
``document_max_bytes`` setting.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.commands import AddAttachment
from domain.errors import InvalidValue
from domain.fields import Rule
from services.api.context import ApiContext
from services.api.idempotency import Answer, request_fingerprint
from services.api.policy import Principal, may_record
from services.app.errors import InvalidInput, PersonalDataUnavailable, VersionConflict
from services.store.case_attachments import Attachment, CaseAttachments, document_type

NOTE_LENGTH = 4000
NOTE = Rule("note", min_length=1, max_length=NOTE_LENGTH, multiline=True)


class DocumentRefused(InvalidInput):
    """A document that is too large, or not a PDF, JPEG or PNG."""

    kind = "document_refused"


def attachments_of(ctx: ApiContext) -> CaseAttachments:
    if ctx.attachments is None:
        raise PersonalDataUnavailable(
            "notes and documents are not set up on this server"
        )
    return ctx.attachments


def may_work_on(viewer: Principal, case: dict[str, Any]) -> bool:
    """Whether ``viewer`` works the case: adds and reads its notes."""
    return may_record(viewer, "add_attachment", str(case["region"]))


def check_note(text: str) -> str:
    """The note, bounded, or a domain error about ``note``."""
    text = text.replace("\r\n", "\n").strip()
    try:
        NOTE.check(text)
    except InvalidValue as error:
        raise error.about("note") from None
    return text


def check_document(content: bytes, max_bytes: int) -> str:
    """The document's type, by its first bytes; refused if none allowed or
    larger than ``max_bytes``."""
    if not content:
        raise DocumentRefused("the document is empty")
    if len(content) > max_bytes:
        raise DocumentRefused(f"the document is larger than {max_bytes} bytes")
    media_type = document_type(content)
    if media_type is None:
        raise DocumentRefused("a document is a PDF, a JPEG or a PNG file")
    return media_type


def add(
    ctx: ApiContext,
    viewer: Principal,
    case_id: UUID,
    kind: str,
    media_type: str,
    content: bytes,
    *,
    key: str,
    correlation_id: str,
) -> dict[str, Any]:
    """Seal the content with the person's key and record ``AttachmentAdded``
    on the case; the same ``key`` again records once. Returns the case id,
    its new version and the attachment id."""
    store = attachments_of(ctx)
    case = ctx.service.case(str(case_id))
    view = f"{kind}_add"
    ctx.check(
        viewer,
        view,
        may_work_on(viewer, case),
        correlation_id=correlation_id,
        case_id=case_id,
    )

    def action() -> Answer:
        attachment_id = store.keep(
            str(case["subject_ref"]),
            str(case_id),
            kind,
            media_type,
            content,
            actor_id=viewer.user_id,
        )
        try:
            result = _recorded(
                ctx, viewer, case_id, attachment_id, kind, correlation_id
            )
        except Exception:
            store.drop(attachment_id)
            raise
        return Answer(201, {**result, "attachment_id": attachment_id})

    fingerprint = request_fingerprint(
        "POST", f"/cases/{case_id}/{kind}", {"size": len(content)}
    )
    answer = ctx.idempotency.run(viewer.user_id, key, fingerprint, action)
    ctx.record(viewer, view, correlation_id, case_id=case_id)
    return dict(answer.body)


def _recorded(
    ctx: ApiContext,
    viewer: Principal,
    case_id: UUID,
    attachment_id: str,
    kind: str,
    correlation_id: str,
) -> dict[str, Any]:
    def run(version: int) -> dict[str, Any]:
        return ctx.service.run(
            AddAttachment(attachment_id=attachment_id, kind=kind),
            str(case_id),
            expected_version=version,
            actor_id=viewer.user_id,
            actor_role=viewer.role,
            occurred_at=ctx.clock.now(),
            correlation_id=correlation_id,
        )

    try:
        return run(int(ctx.service.case(str(case_id))["version"]))
    except VersionConflict:
        # Another step landed in between: a note does not depend on it.
        return run(int(ctx.service.case(str(case_id))["version"]))


def read_attachments(
    ctx: ApiContext,
    viewer: Principal,
    case: dict[str, Any],
    view: str,
    correlation_id: str,
) -> dict[str, Attachment]:
    """The notes and documents of ``case`` for someone who works it (the read
    is access-logged); nothing for anyone else, and nothing is read then."""
    if ctx.attachments is None or not may_work_on(viewer, case):
        return {}
    try:
        with_content = ctx.attachments.of_case(
            str(case["case_id"]), str(case["subject_ref"])
        )
    except PersonalDataUnavailable:
        return {}
    if with_content:
        ctx.access_log.record(
            actor_id=viewer.user_id,
            actor_role=viewer.role,
            view=view,
            case_id=str(case["case_id"]),
            subject_ref=str(case["subject_ref"]),
            correlation_id=correlation_id,
        )
    return with_content
