"""E-mail over SMTP, with STARTTLS (or implicit TLS) and login as configured.

The ``Message-ID`` is ``<delivery id@domain>``: a resend after a crash carries
the same one, so a mail system that deduplicates (or a person) sees one alert.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime

from domain.clock import Clock
from handlers.channels.base import DeliveryError, OutgoingMessage

SECURITY = ("starttls", "tls", "none")


@dataclass(frozen=True)
class SmtpSettings:
    """How to reach the mail server. ``security``: starttls | tls | none.

    ``ca_file`` trusts a private certificate authority (an internal mail
    server); by default the system's authorities are trusted. Either way the
    certificate and the host name are checked.
    """

    host: str
    port: int = 587
    security: str = "starttls"
    username: str = ""
    password: str = field(default="", repr=False)
    sender: str = "vatra@example.org"
    timeout: float = 10.0
    message_id_domain: str = ""
    ca_file: str = ""

    @property
    def id_domain(self) -> str:
        return self.message_id_domain or self.sender.rpartition("@")[2] or "vatra"


class SmtpChannel:
    """Sends each alert as one plain-text e-mail."""

    name = "email"

    def __init__(self, settings: SmtpSettings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock

    def send(self, message: OutgoingMessage, address: str) -> None:
        email = self.build(message, address)
        try:
            with self._connect() as smtp:
                if self.settings.username:
                    smtp.login(self.settings.username, self.settings.password)
                smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as error:
            codes = sorted({code for code, _text in error.recipients.values()})
            raise DeliveryError(f"SMTP recipient refused ({codes})") from None
        except smtplib.SMTPNotSupportedError:
            raise DeliveryError("SMTP server does not offer STARTTLS") from None
        except smtplib.SMTPResponseException as error:
            # The server's text may echo an address: keep only the code.
            raise DeliveryError(f"SMTP {error.smtp_code}") from None
        except (OSError, smtplib.SMTPException) as error:
            raise DeliveryError(f"SMTP {type(error).__name__}") from None

    def build(self, message: OutgoingMessage, address: str) -> EmailMessage:
        email = EmailMessage()
        email["From"] = self.settings.sender
        email["To"] = address
        email["Subject"] = " ".join(message.subject.split())
        email["Date"] = format_datetime(self.clock.now())
        email["Message-ID"] = message_id(message, self.settings.id_domain)
        email["Content-Language"] = message.language
        email["Auto-Submitted"] = "auto-generated"
        email["X-Vatra-Delivery"] = str(message.delivery_id)
        if message.correlation_id:
            email["X-Vatra-Correlation-Id"] = message.correlation_id
        email.set_content(message.text)
        return email

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.security == "tls":
            return smtplib.SMTP_SSL(
                s.host, s.port, timeout=s.timeout, context=self._tls()
            )
        smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        if s.security == "starttls":
            try:
                # Raises SMTPNotSupportedError when the server does not offer
                # it: the alert is then not sent at all, never sent in clear.
                smtp.starttls(context=self._tls())
            except BaseException:
                smtp.close()
                raise
        return smtp

    def _tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.settings.ca_file or None)


def message_id(message: OutgoingMessage, domain: str) -> str:
    return f"<{message.delivery_id}@{domain}>"
