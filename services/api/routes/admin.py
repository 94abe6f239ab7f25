"""The accounts' pages, for administrators: list, create, change, deactivate,
reset a password or second factor, lift a lock-out; and the audit trail of
all of it, which auditors may read too.

Every form carries its session's token (``services.api.csrf``) and works
without a script. A one-time password is shown once, on the page that
answers the form that made it, and is never stored or shown again.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.accounts.accounts import AccountExists, AccountNotFound
from services.accounts.audit import trail
from services.api.admin_view import account_fields, account_values, audit_rows
from services.api.auth import Context, CorrelationId, Viewer
from services.api.context import ApiContext
from services.api.csrf import check_form
from services.api.policy import Principal, may_administer, may_read_account_audit
from services.api.routes.pages import error_page, render
from services.api.wording import Wording
from services.app.errors import InvalidInput

router = APIRouter(include_in_schema=False)

Csrf = Annotated[str, Form(max_length=200)]
# The actions of an account's page: the button's path -> what it does.
ACTIONS = (
    "deactivate",
    "reactivate",
    "reset-password",
    "reset-second-factor",
    "unlock",
)


def _administrator(ctx: ApiContext, viewer: Principal, correlation_id: str) -> None:
    ctx.check(
        viewer, "page:accounts", may_administer(viewer), correlation_id=correlation_id
    )


@router.get("/admin/accounts", response_class=HTMLResponse)
def accounts_page(
    request: Request, ctx: Context, viewer: Viewer, correlation_id: CorrelationId
) -> HTMLResponse:
    """Every account: role, regions, whether deactivated or locked, last log-in."""
    _administrator(ctx, viewer, correlation_id)
    return render(
        request,
        viewer.language,
        "admin_accounts.html",
        viewer=viewer,
        accounts=ctx.accounts.all(),
    )


@router.get("/admin/accounts/new", response_class=HTMLResponse)
def new_account_page(
    request: Request, ctx: Context, viewer: Viewer, correlation_id: CorrelationId
) -> HTMLResponse:
    """The form for a new account."""
    _administrator(ctx, viewer, correlation_id)
    w = Wording.of(viewer.language, ctx.rulebook)
    return render(
        request,
        viewer.language,
        "admin_account.html",
        viewer=viewer,
        account=None,
        fields=account_fields(w, {}, new=True),
        problem="",
    )


def _form_values(form: Any) -> dict[str, Any]:
    return {
        "username": str(form.get("username", "")).strip()[:100],
        "role": str(form.get("role", ""))[:40],
        "regions": [str(r)[:40] for r in form.getlist("regions")][:20],
        "agency": str(form.get("agency", "")).strip()[:200] or None,
        "unit": str(form.get("unit", "")).strip()[:64] or None,
        "language": str(form.get("language", "sq"))[:5],
    }


@router.post("/admin/accounts", response_model=None)
async def create_account(
    request: Request, ctx: Context, viewer: Viewer, correlation_id: CorrelationId
) -> Response:
    """Create the account; the answer shows its one-time password, once."""
    form = await request.form()
    check_form(request, str(form.get("csrf", "")))
    _administrator(ctx, viewer, correlation_id)
    values = _form_values(form)
    try:
        password = ctx.accounts.create(
            viewer.user_id,
            values["username"],
            values["role"],
            values["regions"],
            values["language"],
            values["unit"],
            values["agency"],
        )
    except (InvalidInput, AccountExists) as error:
        return _refused_form(request, ctx, viewer, values, error, account=None)
    return _one_time_password(request, viewer, values["username"], password, new=True)


def _refused_form(
    request: Request,
    ctx: ApiContext,
    viewer: Principal,
    values: dict[str, Any],
    error: InvalidInput | AccountExists,
    account: Any,
) -> HTMLResponse:
    w = Wording.of(viewer.language, ctx.rulebook)
    problem = "exists" if isinstance(error, AccountExists) else "invalid"
    return render(
        request,
        viewer.language,
        "admin_account.html",
        422,
        viewer=viewer,
        account=account,
        fields=account_fields(w, values, new=account is None),
        problem=problem,
        message=error.message if viewer.language == "en" else "",
    )


def _one_time_password(
    request: Request, viewer: Principal, user_id: str, password: str, *, new: bool
) -> HTMLResponse:
    return render(
        request,
        viewer.language,
        "admin_password.html",
        viewer=viewer,
        user_id=user_id,
        password=password,
        new=new,
    )


@router.get("/admin/accounts/{user_id}", response_class=HTMLResponse)
def account_page(
    user_id: str,
    request: Request,
    ctx: Context,
    viewer: Viewer,
    correlation_id: CorrelationId,
    done: str = "",
) -> HTMLResponse:
    """One account: its form, and the buttons that act on it."""
    _administrator(ctx, viewer, correlation_id)
    account = ctx.accounts.get(user_id[:100])
    if account is None or not account.has_password:
        return error_page(request, 404, kind="not_found")
    w = Wording.of(viewer.language, ctx.rulebook)
    return render(
        request,
        viewer.language,
        "admin_account.html",
        viewer=viewer,
        account=account,
        fields=account_fields(w, account_values(account), new=False),
        problem="",
        done=done[:40],
    )


@router.post("/admin/accounts/{user_id}", response_model=None)
async def edit_account(
    user_id: str,
    request: Request,
    ctx: Context,
    viewer: Viewer,
    correlation_id: CorrelationId,
) -> Response:
    """Change the role, regions, agency, unit or language (a change but the
    language's ends the account's sessions)."""
    form = await request.form()
    check_form(request, str(form.get("csrf", "")))
    _administrator(ctx, viewer, correlation_id)
    account = ctx.accounts.get(user_id[:100])
    if account is None or not account.has_password:
        return error_page(request, 404, kind="not_found")
    values = {**_form_values(form), "username": account.user_id}
    try:
        ctx.accounts.edit(
            viewer.user_id,
            account.user_id,
            values["role"],
            values["regions"],
            values["language"],
            values["unit"],
            values["agency"],
        )
    except InvalidInput as error:
        return _refused_form(request, ctx, viewer, values, error, account=account)
    return RedirectResponse(
        f"/admin/accounts/{account.user_id}?done=edit", status_code=303
    )


@router.post("/admin/accounts/{user_id}/{action}", response_model=None)
def account_action(
    user_id: str,
    action: str,
    request: Request,
    ctx: Context,
    viewer: Viewer,
    correlation_id: CorrelationId,
    csrf: Csrf = "",
) -> Response:
    """Deactivate, reactivate, reset the password or second factor, unlock."""
    check_form(request, csrf)
    _administrator(ctx, viewer, correlation_id)
    if action not in ACTIONS:
        return error_page(request, 404, kind="not_found")
    target = user_id[:100]
    try:
        if action == "reset-password":
            password = ctx.accounts.reset_password(viewer.user_id, target)
            return _one_time_password(request, viewer, target, password, new=False)
        if action in ("deactivate", "reactivate"):
            ctx.accounts.set_status(viewer.user_id, target, action == "reactivate")
        elif action == "reset-second-factor":
            ctx.accounts.reset_second_factor(viewer.user_id, target)
        else:
            ctx.accounts.unlock(viewer.user_id, target)
    except AccountNotFound:
        return error_page(request, 404, kind="not_found")
    return RedirectResponse(f"/admin/accounts/{target}?done={action}", status_code=303)


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_page(
    request: Request, ctx: Context, viewer: Viewer, correlation_id: CorrelationId
) -> HTMLResponse:
    """What administrators did to accounts, newest first."""
    ctx.check(
        viewer,
        "page:account_audit",
        may_read_account_audit(viewer),
        correlation_id=correlation_id,
    )
    w = Wording.of(viewer.language, ctx.rulebook)
    return render(
        request,
        viewer.language,
        "admin_audit.html",
        viewer=viewer,
        rows=audit_rows(w, trail(ctx.pool)),
    )
