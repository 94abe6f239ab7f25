"""Webhook secrets per receiver, rotated with an overlap, the receiver named in
the signed body: checked by the real webhook receiver on 127.0.0.1, with the
channels built by the composition root from the directory and the settings."""

from __future__ import annotations

import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from domain.clock import SystemClock
from handlers.channels.base import Channel, DeliveryError, OutgoingMessage
from handlers.directory import load_directory
from services.config.alerting import build_channels
from services.config.notify_settings import load_notify_settings
from services.config.settings import SettingsError
from tests.e2e.alerts.conftest import (
    AGENCY_ID,
    AGENCY_SECRET,
    COORDINATOR_ID,
    Receivers,
)
from tests.e2e.alerts.servers import Endpoint, Hook

NEW_SECRET = "the-agencys-new-secret-0123456789"


def _message(recipient: str) -> OutgoingMessage:
    return OutgoingMessage(
        delivery_id=uuid.uuid4(),
        language="en",
        subject="Vatra: referral to National Shelter",
        text="A case was referred to you.",
        short_text="Vatra: referral",
        recipient=recipient,
    )


def _webhooks(env: dict[str, str]) -> Channel:
    settings = load_notify_settings(env)
    directory = load_directory(settings.directory_file)
    return build_channels(settings, SystemClock(), directory)["webhook"]


def _replay(hook: Hook, url: str) -> int:
    """POST a request the receiver got, headers and body unchanged, elsewhere."""
    headers = {
        name: hook.headers[name]
        for name in ("content-type", "x-vatra-timestamp", "x-vatra-signature")
    }
    request = urllib.request.Request(url, hook.body, headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def test_each_receiver_gets_alerts_signed_with_its_own_secret_and_named_for_it(
    receivers: Receivers, notify_env: dict[str, str]
) -> None:
    webhooks = _webhooks(notify_env)
    webhooks.send(_message(AGENCY_ID), receivers.hooks.url("/agency"))
    webhooks.send(_message(COORDINATOR_ID), receivers.hooks.url("/coordinators"))
    [agency] = receivers.hooks.at("/agency")
    [coordinator] = receivers.hooks.at("/coordinators")
    assert (agency.verified, agency.addressed) == (True, True)
    assert (coordinator.verified, coordinator.addressed) == (True, True)
    assert agency.json()["recipient"] == AGENCY_ID
    assert agency.headers["x-vatra-signature"].count("v1=") == 1
    assert (
        agency.headers["x-vatra-signature"] != coordinator.headers["x-vatra-signature"]
    )


def test_an_alert_signed_for_one_receiver_cannot_be_verified_by_another(
    receivers: Receivers, notify_env: dict[str, str]
) -> None:
    webhooks = _webhooks(notify_env)
    webhooks.send(_message(AGENCY_ID), receivers.hooks.url("/agency"))
    [agency] = receivers.hooks.at("/agency")
    # The agency (or anyone who saw its alert) passes it on to the coordinator:
    # the coordinator's secret does not verify it.
    assert _replay(agency, receivers.hooks.url("/coordinators")) == 401
    # Nor does the backbone sign an alert for the agency with anyone else's
    # secret, wherever it is sent.
    with pytest.raises(DeliveryError, match="HTTP 401"):
        webhooks.send(_message(AGENCY_ID), receivers.hooks.url("/coordinators"))
    refused = receivers.hooks.at("/coordinators")
    assert len(refused) == 2
    assert not any(hook.verified for hook in refused)


def test_a_receiver_that_holds_the_same_secret_refuses_an_alert_naming_another(
    receivers: Receivers, notify_env: dict[str, str]
) -> None:
    # Two receivers of one organisation given one secret by mistake: the body
    # names who the alert is for, so neither can use the other's.
    receivers.hooks.endpoints["/sister"] = Endpoint(
        (AGENCY_SECRET.encode(),), "agency-sister-shelter"
    )
    _webhooks(notify_env).send(_message(AGENCY_ID), receivers.hooks.url("/agency"))
    [agency] = receivers.hooks.at("/agency")
    assert _replay(agency, receivers.hooks.url("/sister")) == 403
    [sister] = receivers.hooks.at("/sister")
    assert (sister.verified, sister.addressed) == (True, False)


def test_during_a_rotation_receivers_with_the_old_or_the_new_secret_both_verify(
    receivers: Receivers, notify_env: dict[str, str]
) -> None:
    hooks = receivers.hooks
    hooks.endpoints["/old"] = Endpoint((AGENCY_SECRET.encode(),), AGENCY_ID)
    hooks.endpoints["/new"] = Endpoint((NEW_SECRET.encode(),), AGENCY_ID)
    hooks.endpoints["/both"] = Endpoint(
        (NEW_SECRET.encode(), AGENCY_SECRET.encode()), AGENCY_ID
    )
    rotating = {
        **notify_env,
        "VATRA_WEBHOOK_SECRET_NATIONAL_SHELTER": NEW_SECRET,
        "VATRA_WEBHOOK_SECRET_NATIONAL_SHELTER_PREVIOUS": AGENCY_SECRET,
    }
    webhooks = _webhooks(rotating)
    for path in ("/old", "/new", "/both"):
        webhooks.send(_message(AGENCY_ID), hooks.url(path))
        [hook] = hooks.at(path)
        assert (hook.verified, hook.addressed) == (True, True), path
        assert hook.headers["x-vatra-signature"].count("v1=") == 2
    # The rotation ends (the previous secret removed): only the new one signs.
    done = {**rotating}
    del done["VATRA_WEBHOOK_SECRET_NATIONAL_SHELTER_PREVIOUS"]
    with pytest.raises(DeliveryError, match="HTTP 401"):
        _webhooks(done).send(_message(AGENCY_ID), hooks.url("/old"))
    _webhooks(done).send(_message(AGENCY_ID), hooks.url("/new"))
    assert [hook.verified for hook in hooks.at("/new")] == [True, True]


def test_a_webhook_secret_can_come_from_a_file(
    receivers: Receivers, notify_env: dict[str, str], tmp_path: Path
) -> None:
    secret = tmp_path / "agency-secret"
    secret.write_text(AGENCY_SECRET + "\n", encoding="utf-8")
    env = {**notify_env, "VATRA_WEBHOOK_SECRET_NATIONAL_SHELTER_FILE": str(secret)}
    del env["VATRA_WEBHOOK_SECRET_NATIONAL_SHELTER"]
    _webhooks(env).send(_message(AGENCY_ID), receivers.hooks.url("/agency"))
    [agency] = receivers.hooks.at("/agency")
    assert (agency.verified, agency.addressed) == (True, True)


def test_a_webhook_contact_whose_secret_is_not_set_stops_the_notifier_by_name(
    notify_env: dict[str, str],
) -> None:
    env = {**notify_env}
    del env["VATRA_WEBHOOK_SECRET_NATIONAL_SHELTER"]
    with pytest.raises(SettingsError) as error:
        _webhooks(env)
    message = str(error.value)
    assert "agencies[0] (agency-national-shelter)" in message
    assert "VATRA_WEBHOOK_SECRET_NATIONAL_SHELTER is not set" in message
