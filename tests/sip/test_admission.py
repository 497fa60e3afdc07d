"""Trusted networks, token buckets, the connection table and the log throttle; no sockets."""

from __future__ import annotations

import logging

import pytest

from consult_assist.errors import ConfigError
from consult_assist.sip.admission import (
    LOOPBACK,
    Allowlist,
    ConnectionTable,
    LogThrottle,
    RateLimiter,
    parse_networks,
)


def test_the_default_allowlist_trusts_this_machine_only() -> None:
    allow = Allowlist(parse_networks(LOOPBACK))
    assert allow.allows("127.0.0.1") and allow.allows("127.0.0.2") and allow.allows("::1")
    assert allow.allows("::ffff:127.0.0.1")  # IPv4 on a dual-stack socket
    assert not allow.allows("10.0.0.1") and not allow.allows("192.0.2.7")
    assert not allow.allows("2001:db8::1") and not allow.allows("not-an-address")


def test_networks_and_single_addresses_can_be_listed() -> None:
    allow = Allowlist(parse_networks("192.0.2.0/24, 10.0.0.5,[2001:db8::]/32"))
    assert allow.allows("192.0.2.200") and allow.allows("10.0.0.5")
    assert allow.allows("2001:db8::9") and not allow.allows("10.0.0.6")
    assert not Allowlist(parse_networks("")).allows("127.0.0.1")  # empty: nobody


def test_a_bad_network_is_a_config_error_naming_it() -> None:
    with pytest.raises(ConfigError, match=r"'10\.0\.0\.300'"):
        parse_networks("10.0.0.0/8,10.0.0.300")


def test_rate_limiter_allows_a_burst_then_the_rate() -> None:
    rates = RateLimiter(rate=2.0, burst=4)
    assert [rates.allow("a", 0.0) for _ in range(5)] == [True] * 4 + [False]
    assert rates.wait_s("a", 0.0) == pytest.approx(0.5)
    assert rates.allow("b", 0.0)  # another source has its own bucket
    assert not rates.allow("a", 0.4)
    assert rates.allow("a", 0.5)
    # Ten seconds later the bucket is full again, never fuller.
    assert [rates.allow("a", 10.5) for _ in range(5)] == [True] * 4 + [False]


def test_rate_limiter_memory_is_bounded() -> None:
    rates = RateLimiter(rate=1.0, burst=1, max_keys=3)
    for key in "abcdef":
        rates.allow(key, 0.0)
    assert len(rates._buckets) == 3


def test_connection_table_caps_per_source_and_in_total() -> None:
    table: ConnectionTable[int] = ConnectionTable(per_source=2, total=3, idle_s=10.0)
    assert table.open(1, "h1", 0.0) is None
    assert table.open(2, "h1", 0.0) is None
    assert table.open(3, "h1", 0.0) == "per_source"
    assert table.open(4, "h2", 0.0) is None
    assert table.open(5, "h3", 0.0) == "total"
    table.close(1)
    table.close(1)  # twice is harmless
    assert table.count("h1") == 1 and len(table) == 2
    assert table.open(6, "h3", 0.0) is None


def test_connections_without_messages_become_idle_unless_busy() -> None:
    table: ConnectionTable[str] = ConnectionTable(per_source=8, total=8, idle_s=5.0)
    for key in ("quiet", "talking", "in-call"):
        table.open(key, "h", 0.0)
    table.touch("talking", 4.0)
    assert table.idle(4.9) == []
    assert table.idle(5.0, busy={"in-call"}) == ["quiet"]
    assert table.next_idle_at(busy={"in-call"}) == 5.0
    assert sorted(table.idle(9.0)) == ["in-call", "quiet", "talking"]


def test_log_throttle_warns_once_a_minute_per_key() -> None:
    throttle = LogThrottle(every_s=60.0, max_keys=2)
    assert throttle.level(("untrusted", "h1"), 0.0) == logging.WARNING
    assert throttle.level(("untrusted", "h1"), 59.0) == logging.DEBUG
    assert throttle.level(("untrusted", "h2"), 59.0) == logging.WARNING
    assert throttle.level(("untrusted", "h1"), 61.0) == logging.WARNING
    throttle.level("x", 62.0)
    throttle.level("y", 62.0)
    assert throttle.level(("untrusted", "h1"), 63.0) == logging.WARNING  # forgotten: bounded
