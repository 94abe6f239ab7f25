"""Where an alert may be sent: the rule for a webhook's address, checked when
the directory is read (``handlers.directory``); what counts as this machine
(also for the single sign-on provider's address)."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlparse


def webhook_url_problem(value: str) -> str | None:
    """Why ``value`` cannot be a webhook's address (None if it can): an
    https URL, or plain http to a receiver on this machine only, since alerts
    are signed but not encrypted by us."""
    parsed = urlparse(value)
    if parsed.scheme not in ("https", "http") or not parsed.hostname:
        return "is not an http(s) URL"
    if parsed.scheme == "http" and not is_loopback(parsed.hostname):
        return (
            "must use https (plain http is allowed only for a receiver on this machine)"
        )
    return None


def is_loopback(host: str) -> bool:
    """``localhost`` or a loopback address (IPv4 or IPv6)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
