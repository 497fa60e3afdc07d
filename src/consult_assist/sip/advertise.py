"""The address the SIP ingress names in Contact, Via and SDP: where peers send to reach it.

Bound to one address, that address is the answer. Bound to a wildcard (``0.0.0.0``, ``::``) the
server listens on every interface but must still name one; unless told, it names the address
this machine sends from towards the outside. The kernel tells that address when a UDP socket is
``connect``-ed to an outside address (a route lookup; no packet is sent); the address asked
about is a documentation one (RFC 5737, RFC 3849) that no network routes specially, so the
answer is the default route's interface.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Callable

__all__ = ["advertise_address", "is_wildcard", "outward_address"]

log = logging.getLogger(__name__)

_PROBES = {socket.AF_INET: "192.0.2.1", socket.AF_INET6: "2001:db8::1"}
"""Outside addresses asked about, one per family (documentation ranges, never reached)."""

Probe = Callable[[socket.AddressFamily], str | None]


def is_wildcard(host: str) -> bool:
    """Whether ``host`` means "every interface" (``0.0.0.0``, ``::``, or empty)."""
    host = host.strip("[]")
    if not host:
        return True
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


def outward_address(family: socket.AddressFamily = socket.AF_INET) -> str | None:
    """This machine's address towards the outside in ``family``, or None if it has none.

    A loopback or unspecified answer (no network at all) is no answer: peers elsewhere could
    not use it.
    """
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as probe:
            probe.connect((_PROBES[family], 9))
            address = str(probe.getsockname()[0])
    except OSError as exc:
        log.debug("no outward %s address: %s", family.name, exc)
        return None
    parsed = ipaddress.ip_address(address.split("%")[0])
    if parsed.is_loopback or parsed.is_unspecified:
        return None
    return address


def advertise_address(
    bind_host: str, advertise: str | None = None, *, probe: Probe = outward_address
) -> str | None:
    """The address to advertise for a SIP server bound to ``bind_host``.

    ``advertise`` when given; else ``bind_host`` itself unless it is a wildcard; else the
    outward address of the wildcard's family (IPv6 for ``::``), or None when there is none.
    """
    if advertise:
        return advertise.strip("[]")
    host = bind_host.strip("[]")
    if not is_wildcard(host):
        return host
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return probe(family)
