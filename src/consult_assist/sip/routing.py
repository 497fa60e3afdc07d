"""Where SIP messages go and how transactions are told apart (RFC 3261 §17-18, RFC 3581); pure.

Responses go back the way the request came, never elsewhere: over TCP/TLS on its connection,
over UDP to its source address (``received``), at the source port with ``rport`` or else at
the port the Via names; ``maddr`` is ignored, so no request can aim our answers at a third
host. In-dialog requests (our BYE) go to the address the ACK came from, or to the
Contact/Record-Route when that names the same host.
"""

from __future__ import annotations

import ipaddress

from consult_assist.errors import SipError
from consult_assist.sip.message import Headers, SipRequest, parse_name_addr, parse_uri, parse_via
from consult_assist.sip.timers import Peer

__all__ = ["host_in_uri", "mark_received", "next_hop", "reply_peer", "routable", "tx_key"]


def reply_peer(req: SipRequest, peer: Peer) -> Peer:
    """Where a response goes (RFC 3261 §18.2.2 with RFC 3581): never to another host."""
    if peer.transport != "udp":
        return peer  # the connection it came on
    vias = req.headers.get_list("Via")
    try:
        via = parse_via(vias[0])
    except (SipError, IndexError):
        return peer
    if "rport" in via.params:
        return peer
    # The source address is the one §18.2.1 marks as ``received``: answer there, at the
    # port sent-by names. ``maddr`` (multicast) is ignored: it could point anywhere.
    return Peer("udp", peer.host, via.port or 5060)


def tx_key(req: SipRequest) -> tuple[str, ...]:
    """A server transaction's key: the branch, and what tells branch-less (RFC 2543) ones apart."""
    branch = parse_via(req.headers.get_list("Via")[0]).branch
    return (branch, req.method, req.call_id, req.headers.get("CSeq") or "")


def routable(req: SipRequest) -> bool:
    """Whether a response to this (malformed) request could be built and matched."""
    vias = req.headers.get_list("Via")
    # A bad CSeq is copied as it came: the client may still match the 400 by its branch.
    if not vias or not req.call_id or not req.headers.get("CSeq"):
        return False
    try:
        parse_via(vias[0])
        parse_name_addr(req.headers.get("From") or "")
        parse_name_addr(req.headers.get("To") or "")
    except SipError:
        return False
    return True


def mark_received(headers: Headers, peer: Peer) -> None:
    """RFC 3261 §18.2.1 received= and RFC 3581 rport= on the top Via of a response."""
    first_line = headers.get("Via")
    if first_line is None:
        return
    top, _, rest = first_line.partition(",")
    try:
        via = parse_via(top)
    except SipError:
        return
    if via.host != peer.host:
        top += f";received={peer.host}"
    if "rport" in via.params and not via.params["rport"]:
        top = top.replace(";rport", f";rport={peer.port}", 1)
    headers.set_first("Via", top + ("," + rest if rest else ""))


def host_in_uri(host: str) -> str:
    """An IPv6 address in brackets, as a URI or Via needs it."""
    return f"[{host}]" if ":" in host else host


def next_hop(value: str, verified: Peer) -> Peer:
    """Where to send an in-dialog request: the route/target if it is the verified host.

    ``verified`` is where the ACK came from. A Contact or Record-Route naming another host
    was chosen by whoever sent the INVITE; sending there would make us a reflector, so the
    request goes back to the verified address instead.
    """
    if verified.transport != "udp":
        return verified  # reuse the connection the call came on
    try:
        uri = parse_uri(parse_name_addr(value).uri)
        same = ipaddress.ip_address(uri.host) == ipaddress.ip_address(verified.host)
    except (SipError, ValueError):
        return verified
    return Peer("udp", verified.host, uri.port or 5060) if same else verified
