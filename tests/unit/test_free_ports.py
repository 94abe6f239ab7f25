"""Ports for the processes the tests start, kill and start again."""

from __future__ import annotations

import socket

from devtools.kafka.probes import _ephemeral_low, free_ports


def test_ports_are_distinct_never_given_twice_and_below_the_ephemeral_range() -> None:
    first = free_ports(20)
    second = free_ports(20)
    low = _ephemeral_low()
    assert len(set(first + second)) == 40
    # No outgoing connection takes one of these as its local port while the
    # process that listens on it is down, so a restarted process gets it back.
    assert all(port < low for port in first + second)
    for port in first:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))
