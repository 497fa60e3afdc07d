"""The address advertised in Contact, Via and SDP: given, bound, or the outward one."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import pytest

from consult_assist.sip import advertise
from consult_assist.sip.advertise import advertise_address, is_wildcard, outward_address


class Probe:
    """A fake outward-address lookup that records the families asked about."""

    def __init__(self, answer: str | None) -> None:
        self.answer = answer
        self.asked: list[socket.AddressFamily] = []

    def __call__(self, family: socket.AddressFamily) -> str | None:
        self.asked.append(family)
        return self.answer


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "[::]", ""])
def test_wildcards_are_recognised(host: str) -> None:
    assert is_wildcard(host)


@pytest.mark.parametrize("host", ["127.0.0.1", "192.0.2.7", "::1", "[fd00::2]", "pbx.example"])
def test_concrete_hosts_are_not_wildcards(host: str) -> None:
    assert not is_wildcard(host)


def test_an_explicit_address_wins_and_nothing_is_probed() -> None:
    probe = Probe("192.0.2.2")
    assert advertise_address("0.0.0.0", "sip.example.org", probe=probe) == "sip.example.org"
    assert advertise_address("0.0.0.0", "[fd00::5]", probe=probe) == "fd00::5"
    assert probe.asked == []


@pytest.mark.parametrize(("bound", "expected"), [("127.0.0.1", "127.0.0.1"), ("[::1]", "::1")])
def test_a_concrete_bind_address_is_advertised_as_is(bound: str, expected: str) -> None:
    probe = Probe("192.0.2.2")
    assert advertise_address(bound, None, probe=probe) == expected
    assert probe.asked == []


def test_an_ipv4_wildcard_advertises_the_outward_ipv4_address() -> None:
    probe = Probe("192.0.2.2")
    assert advertise_address("0.0.0.0", None, probe=probe) == "192.0.2.2"
    assert probe.asked == [socket.AF_INET]


@pytest.mark.parametrize("bound", ["::", "[::]"])
def test_an_ipv6_wildcard_asks_for_an_ipv6_address(bound: str) -> None:
    probe = Probe("fd00::2")
    assert advertise_address(bound, "", probe=probe) == "fd00::2"
    assert probe.asked == [socket.AF_INET6]


def test_a_wildcard_without_an_outward_address_has_no_answer() -> None:
    assert advertise_address("0.0.0.0", None, probe=Probe(None)) is None


class FakeSocket:
    """``socket.socket`` that answers ``getsockname`` with a chosen address."""

    def __init__(self, name: str | None, connected: list[Any]) -> None:
        self.name = name
        self.connected = connected

    def __enter__(self) -> FakeSocket:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def connect(self, address: Any) -> None:
        if self.name is None:
            raise OSError(101, "Network is unreachable")
        self.connected.append(address)

    def getsockname(self) -> tuple[str, int]:
        assert self.name is not None
        return (self.name, 40000)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("192.0.2.2", "192.0.2.2"), ("127.0.0.1", None), ("0.0.0.0", None), (None, None)],
)
def test_outward_address_keeps_only_a_routable_answer(
    monkeypatch: pytest.MonkeyPatch, name: str | None, expected: str | None
) -> None:
    connected: list[Any] = []
    monkeypatch.setattr(advertise.socket, "socket", lambda *a: FakeSocket(name, connected))
    assert outward_address(socket.AF_INET) == expected
    if name is not None:
        # The address asked about is a documentation one: it never leaves this machine.
        (host, _port) = connected[0]
        assert ipaddress.ip_address(host) in ipaddress.ip_network("192.0.2.0/24")


def test_outward_address_of_this_machine_is_usable_or_none() -> None:
    found = outward_address(socket.AF_INET)
    if found is not None:
        parsed = ipaddress.ip_address(found)
        assert not parsed.is_loopback and not parsed.is_unspecified
