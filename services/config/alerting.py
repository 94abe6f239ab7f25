"""The notifier's part of the composition root: its channels, directory,
templates, intake and dispatcher, built from the notifier's settings.

Kept apart from ``services.config.bootstrap`` so that the commands which send
no alerts (``vatra timeline``, the API) start without loading them;
``Backbone.notifier()`` loads this module when a command needs the notifier.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

from domain.clock import Clock
from handlers.acknowledgements import AckTokens
from handlers.channels.base import Channel
from handlers.channels.email import SmtpChannel
from handlers.channels.sms import SmsChannel
from handlers.channels.webhook import WebhookChannel, WebhookKeys
from handlers.directory import Directory, DirectoryError, load_directory
from handlers.dispatcher import Dispatcher
from handlers.hearing_reminders import HearingReminders
from handlers.intake import NotificationIntake
from handlers.messages import MessageRenderer, MessageTemplates, TemplateError
from handlers.outcomes import CaseOutcomes
from services.api.wording import labeller
from services.app.case_alerts import ServiceCaseAlerts
from services.config.notify_settings import NotifySettings
from services.config.settings import SettingsError
from services.workers.notifier import Notifier

if TYPE_CHECKING:
    from services.config.bootstrap import Backbone


def build_channels(
    settings: NotifySettings, clock: Clock, directory: Directory
) -> dict[str, Channel]:
    """The channels the settings configure, each webhook contact with its own
    secret; a contact on a channel not configured is refused by the caller."""
    channels: dict[str, Channel] = {}
    if settings.smtp is not None:
        channels["email"] = SmtpChannel(settings.smtp, clock)
    webhooks = WebhookChannel(
        webhook_keys(settings, directory), clock, timeout=settings.webhook_timeout
    )
    channels["webhook"] = webhooks
    gateway = settings.sms_gateway_secret.get_secret_value()
    if settings.sms_gateway_url and gateway:
        previous = settings.sms_gateway_previous_secret.get_secret_value()
        keys = WebhookKeys(gateway.encode(), previous.encode() or None)
        channels["sms"] = SmsChannel(webhooks, settings.sms_gateway_url, keys)
    return channels


def webhook_keys(
    settings: NotifySettings, directory: Directory
) -> dict[str, WebhookKeys]:
    """Each webhook contact's secret, by its id, from the variable its
    ``secret_env`` names (and ``<name>_PREVIOUS`` while rotating)."""
    keys: dict[str, WebhookKeys] = {}
    for contact in directory.contacts.values():
        if contact.channel != "webhook":
            continue
        current = settings.webhook_secrets.get(contact.secret_env)
        if current is None:
            raise SettingsError(
                f"{directory.path}: {contact.entry}: {contact.secret_env} is not "
                f"set (the webhook secret of this receiver; or "
                f"{contact.secret_env}_FILE naming a file that holds it)"
            )
        previous = settings.webhook_secrets.get(contact.secret_env + "_PREVIOUS")
        keys[contact.id] = WebhookKeys(
            current.get_secret_value().encode(),
            previous.get_secret_value().encode() if previous else None,
        )
    return keys


def build_notifier(
    backbone: Backbone, settings: NotifySettings, *, worker: str | None = None
) -> Notifier:
    """The notifier on a pool of its own: the directory and the templates are
    checked first (a problem is a ``SettingsError``); the caller closes it."""
    settings.check()
    clock = backbone.clock
    try:
        directory = load_directory(settings.directory_file)
        channels = build_channels(settings, clock, directory)
        directory.check_channels(channels)
        templates = MessageTemplates(
            settings.templates_dir, labels=labeller(backbone.rulebook)
        )
    except (DirectoryError, TemplateError) as error:
        raise SettingsError(str(error)) from None
    tokens = AckTokens(
        settings.ack_secret.get_secret_value().encode(),
        clock,
        timedelta(days=settings.ack_valid_days),
    )
    pool = backbone.database.pool("vatra-notifier")
    max_age = settings.max_age_hours
    intake = NotificationIntake(
        directory,
        backbone.rulebook,
        clock,
        max_age=timedelta(hours=max_age) if max_age else None,
        calendar=backbone.calendar,
        reminders=HearingReminders(directory, settings.hearing_reminder_days),
    )
    dispatcher = Dispatcher(
        pool,
        directory,
        MessageRenderer(templates, settings.public_url, tokens),
        channels,
        CaseOutcomes(ServiceCaseAlerts(backbone.service)),
        clock,
        settings.dispatch,
        worker=worker or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}",
    )
    with pool.connection() as conn:
        intake.create(conn)
    return Notifier(
        settings=settings,
        app=backbone.app,
        service=backbone.service,
        clock=clock,
        kafka=backbone.settings.kafka,
        batch_size=backbone.settings.batch_size,
        follow_interval=backbone.settings.follow_interval,
        pool=pool,
        directory=directory,
        intake=intake,
        dispatcher=dispatcher,
        tokens=tokens,
    )
