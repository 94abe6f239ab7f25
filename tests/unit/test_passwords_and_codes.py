"""Password rules, the argon2id hashes, second-factor codes and their sealing."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from services.accounts.passwords import (
    MAX_INPUT,
    Passwords,
    check_new_password,
    one_time_password,
)
from services.accounts.second_factor import (
    SecretBox,
    grouped,
    matching_step,
    qr_svg,
    step_of,
)
from services.app.errors import InvalidInput
from services.config.environment import SettingsError
from services.config.production import check_keys
from services.config.settings import load_settings
from tests.unit.test_secret_settings import ALL_KEYS

NOW = datetime(2026, 3, 2, 8, 0, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    "password",
    ["short", "x" * 129, "mu-vlora-1", "aaaaaaaaaaaaaaa", "abababababababab"],
)
def test_a_new_password_too_short_too_long_the_username_or_monotonous_is_refused(
    password: str,
) -> None:
    with pytest.raises(InvalidInput):
        check_new_password(password, "mu-vlora-1")


def test_a_one_time_password_meets_the_rules_and_is_new_each_time() -> None:
    made = {one_time_password() for _ in range(20)}
    assert len(made) == 20
    for password in made:
        check_new_password(password, "mu-vlora-1")


def test_the_hash_is_argon2id_and_over_long_input_is_refused_before_hashing() -> None:
    passwords = Passwords("fast")
    stored = passwords.hash("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert passwords.verify(stored, "correct horse battery")
    assert not passwords.verify(stored, "correct horse batter")
    assert not passwords.verify(None, "correct horse battery")  # no such account
    assert not passwords.verify(stored, "x" * (MAX_INPUT + 1))
    assert Passwords("strong").verify(stored, "correct horse battery")


def test_the_strong_profile_is_owasps_first_argon2id_configuration() -> None:
    assert (
        Passwords()
        .hash("correct horse battery")
        .startswith("$argon2id$v=19$m=47104,t=1,p=1$")
    )


def test_a_code_is_good_for_its_step_and_one_either_side_and_only_after_the_last() -> (
    None
):
    secret = pyotp.random_base32()
    totp = pyotp.TOTP(secret)
    now = step_of(NOW)
    for offset in (-1, 0, 1):
        code = totp.at(NOW + timedelta(seconds=30 * offset))
        assert matching_step(secret, code, NOW, None) == now + offset
    assert (
        matching_step(secret, totp.at(NOW + timedelta(seconds=60)), NOW, None) is None
    )
    assert matching_step(secret, totp.at(NOW), NOW, now) is None  # used
    assert matching_step(secret, "12345", NOW, None) is None
    spaced = totp.at(NOW)[:3] + " " + totp.at(NOW)[3:]
    assert matching_step(secret, spaced, NOW, None) == now


def test_a_sealed_secret_opens_only_for_its_account() -> None:
    box = SecretBox(bytes(range(32)))
    sealed = box.seal("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "mu-vlora-1")
    assert "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" not in sealed
    assert box.open(sealed, "mu-vlora-1") == "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    with pytest.raises(Exception):  # noqa: B017, PT011 (the cipher's own error)
        box.open(sealed, "mu-vlora-2")
    assert SecretBox(None).open(SecretBox(None).seal("ABC", "u"), "u") == "ABC"


def test_the_set_up_page_shows_the_secret_grouped_and_as_an_svg_qr_code() -> None:
    assert (
        grouped("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
        == "JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP"
    )
    svg = qr_svg("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "mu-vlora-1")
    assert svg.startswith("<svg")
    assert "<script" not in svg


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("VATRA_SESSION_IDLE_MINUTES", "0"),
        ("VATRA_SESSION_IDLE_MINUTES", "481"),
        ("VATRA_SESSION_MAX_HOURS", "25"),
        ("VATRA_LOGIN_LOCK_FAILURES", "2"),
        ("VATRA_PASSWORD_HASHING", "none"),
    ],
)
def test_session_and_lock_out_settings_outside_their_bounds_are_refused(
    variable: str, value: str
) -> None:
    with pytest.raises(SettingsError, match=variable):
        load_settings({variable: value})


def test_the_session_and_lock_out_defaults() -> None:
    accounts = load_settings({}).accounts
    assert (accounts.session_idle_minutes, accounts.session_max_hours) == (30, 12)
    assert (accounts.lock_failures, accounts.lock_minutes) == (5, 30)
    assert accounts.password_hashing == "strong"
    assert base64  # the tests' key is base64 (tests.keys)


def test_production_mode_refuses_the_weak_password_hashing_of_the_tests() -> None:
    env = {**ALL_KEYS, "VATRA_PRODUCTION": "on", "VATRA_PASSWORD_HASHING": "fast"}
    with pytest.raises(SettingsError, match="VATRA_PASSWORD_HASHING=fast"):
        check_keys(load_settings(env))
    check_keys(load_settings({**env, "VATRA_PASSWORD_HASHING": "strong"}))


def test_the_audit_trail_names_the_command_line_and_the_changes_in_albanian() -> None:
    from services.accounts.audit import AuditEntry  # noqa: PLC0415
    from services.api.admin_view import audit_rows  # noqa: PLC0415
    from services.api.wording import Wording  # noqa: PLC0415

    entries = [
        AuditEntry(NOW, "command line", "create", "admin-1", {}),
        AuditEntry(NOW, "admin-1", "edit", "mu-vlora-1", {"role": ["a", "b"]}),
    ]
    rows = audit_rows(Wording.of("sq", None), entries)
    assert [(r["actor"], r["action"], r["changed"]) for r in rows] == [
        ("linja e komandave", "krijoi llogarinë", ""),
        ("admin-1", "ndryshoi llogarinë", "roli"),
    ]
    assert rows[0]["at"] == "2026-03-02 09:00"  # Tirane time
