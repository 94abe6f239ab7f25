"""The notification directory: the shipped file loads, mistakes are named."""

from __future__ import annotations

from pathlib import Path

import pytest

from handlers.directory import DirectoryError, load_directory, normalise
from services.config.settings import PROJECT_ROOT

SHIPPED = PROJECT_ROOT / "deploy" / "directory.toml"

MINIMAL = """
[[police]]
id = "police-vlora"
region = "vlora"
email = "p@police.example.org"
{more_police}
[[responsible_authority]]
id = "ra"
email = "ra@example.org"

[[coordinators]]
id = "coord"
email = "c@example.org"
{extra}
"""
OTHER_POLICE = "\n".join(
    f'[[police]]\nid = "police-{r}"\nregion = "{r}"\nemail = "{r}@police.example.org"'
    for r in ("diber", "berat", "durres", "lezhe")
)


def _write(tmp_path: Path, extra: str = "", more_police: str = OTHER_POLICE) -> Path:
    path = tmp_path / "directory.toml"
    path.write_text(
        MINIMAL.format(extra=extra, more_police=more_police), encoding="utf-8"
    )
    return path


def test_the_shipped_directory_names_police_for_every_region_and_uses_example_addresses() -> (  # noqa: E501
    None
):
    directory = load_directory(SHIPPED)
    for region in ("vlora", "diber", "berat", "durres", "lezhe"):
        assert directory.police(region)
    assert directory.child_protection_unit("VLORE")[0].id == "cpu-vlore"
    for contact in directory.contacts.values():
        if contact.channel == "email":
            assert contact.address.endswith("example.org"), contact.id


def test_municipalities_match_without_case_or_diacritics() -> None:
    assert normalise("  Vlorë ") == normalise("vlore") == "vlore"
    assert normalise("Shëngjin") == "shengjin"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            '[[workers]]\nid = "w"\nworker_id = "mu-1"\nemail = "not-an-address"',
            "workers[0] (w): 'not-an-address' is not an e-mail address",
        ),
        (
            '[[coordinators]]\nid = "c2"\nwebhook = "http://hooks.example.org/x"\n'
            'secret_env = "VATRA_WEBHOOK_SECRET_C2"',
            "coordinators[1] (c2): webhook 'http://hooks.example.org/x' must use https",
        ),
        (
            '[[coordinators]]\nid = "c2"\nwebhook = "https://hooks.example.org/x"',
            "coordinators[1] (c2): a webhook needs secret_env, the environment "
            "variable that holds its own secret (e.g. VATRA_WEBHOOK_SECRET_C2)",
        ),
        (
            '[[coordinators]]\nid = "c2"\nwebhook = "https://hooks.example.org/x"\n'
            'secret_env = "VATRA_CHAIN_KEY"',
            "coordinators[1] (c2): secret_env 'VATRA_CHAIN_KEY' must be a variable "
            "name starting with VATRA_WEBHOOK_SECRET_",
        ),
        (
            '[[coordinators]]\nid = "c2"\nwebhook = "https://hooks.example.org/x"\n'
            'secret_env = "VATRA_WEBHOOK_SECRET_C2_PREVIOUS"',
            "not ending in _FILE or _PREVIOUS",
        ),
        (
            '[[lawyers]]\nid = "l"\nemail = "a@example.org"\n'
            'secret_env = "VATRA_WEBHOOK_SECRET_L"',
            "lawyers[0] (l): secret_env is only for webhook contacts",
        ),
        (
            '[[lawyers]]\nid = "l"\nsms = "0691234567"',
            "lawyers[0] (l): sms '0691234567' must be a phone number",
        ),
        (
            '[[lawyers]]\nid = "l"\nemail = "a@example.org"\nsms = "+355691234567"',
            "lawyers[0] (l): give exactly one channel",
        ),
        (
            '[[lawyers]]\nid = "l"\nemail = "a@example.org"\nlanguage = "de"',
            "lawyers[0] (l): language 'de' is not one of sq, en",
        ),
        (
            '[[unit_supervisors]]\nid = "u"\nregion = "tirana"\nemail = "u@x.org"',
            "unit_supervisors[0] (u): unknown region 'tirana'",
        ),
        (
            '[[lawyers]]\nid = "ra"\nemail = "a@example.org"',
            "lawyers[0]: id 'ra' is already used by responsible_authority[0] (ra)",
        ),
        (
            '[[lawyers]]\nid = "l"\nemial = "a@example.org"',
            "lawyers[0]: unknown key 'emial' (did you mean 'email'?)",
        ),
        (
            '[[child_protection_units]]\nid = "cpu"\nemail = "c@example.org"',
            "child_protection_units[0] (cpu): municipality is required",
        ),
    ],
)
def test_a_directory_mistake_is_refused_naming_file_entry_and_problem(
    tmp_path: Path, extra: str, message: str
) -> None:
    path = _write(tmp_path, extra)
    with pytest.raises(DirectoryError) as raised:
        load_directory(path)
    assert str(raised.value).startswith(str(path))
    assert message in str(raised.value)


def test_a_region_without_police_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DirectoryError, match="no contact for region"):
        load_directory(_write(tmp_path, more_police=""))


def test_a_loopback_webhook_may_use_plain_http(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '[[coordinators]]\nid = "c2"\nwebhook = "http://127.0.0.1:9/x"\n'
        'secret_env = "VATRA_WEBHOOK_SECRET_C2"',
    )
    contact = load_directory(path).contact("c2")
    assert contact is not None
    assert contact.secret_env == "VATRA_WEBHOOK_SECRET_C2"


def test_a_contact_on_an_unconfigured_channel_is_refused_at_start(
    tmp_path: Path,
) -> None:
    path = _write(tmp_path, '[[lawyers]]\nid = "l"\nsms = "+355691234567"')
    directory = load_directory(path)
    with pytest.raises(DirectoryError, match="lawyers\\[0\\] \\(l\\) uses sms"):
        directory.check_channels(["email", "webhook"])
