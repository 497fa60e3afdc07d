"""A sans-I/O SIP user agent server: transactions and dialogs for calls we only listen to.

Bytes and the time go in (:meth:`UserAgentServer.receive`, :meth:`~UserAgentServer.tick`);
messages to send (:meth:`~UserAgentServer.data_to_send`) and call events
(:meth:`~UserAgentServer.events`) come out. The adapter decides when to answer an offered
call (:meth:`~UserAgentServer.accept` with the RTP ports it bound, or
:meth:`~UserAgentServer.ring` first) and when one has gone quiet for too long
(:meth:`~UserAgentServer.hangup`). Nothing here reads a clock or touches a socket.

Answers follow RFC 3261: 100 Trying at once; 200 OK with an SDP answer resent until ACK;
CANCEL before the answer gives 200 to the CANCEL and 487 to the INVITE; unknown dialogs and
transactions 481; methods we know but do not serve 405 with Allow, the others 501; a
Require we do not support 420; malformed requests whose routing headers survived 400; bad
or unusable SDP 400/488; bodies we cannot read 415. Responses go back to the address the
request came from (as with rport, RFC 3581), which works through NAT and on loopback.
"""

from __future__ import annotations

import ipaddress
import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from consult_assist.errors import SipError
from consult_assist.sip import sdp as sdplib
from consult_assist.sip.message import (
    Headers,
    SipRequest,
    SipResponse,
    make_response,
    new_branch,
    new_tag,
    parse_message,
    parse_name_addr,
    parse_uri,
    parse_via,
)
from consult_assist.sip.siprec import (
    METADATA_TYPE,
    RecordingMetadata,
    label_speakers,
    parse_metadata,
    split_multipart,
)
from consult_assist.sip.timers import Peer, ResponseCache, Retransmit
from consult_assist.sip.uaevents import (
    CallEnded,
    CallEvent,
    CallHeld,
    CallOffered,
    CallResumed,
    CallStarted,
    CallUpdated,
    Outgoing,
    StreamOffer,
    UasOptions,
)

__all__ = ["ALLOW", "UserAgentServer"]

log = logging.getLogger(__name__)

ALLOW = "INVITE, ACK, BYE, CANCEL, OPTIONS"
_KNOWN = {"REGISTER", "PRACK", "SUBSCRIBE", "NOTIFY", "PUBLISH", "INFO", "REFER", "MESSAGE"}
_KNOWN |= {"UPDATE"}
_SUPPORTED = {"siprec"}
_ACCEPT = "application/sdp, multipart/mixed"


@dataclass
class _Call:
    call_id: str
    invite: SipRequest
    peer: Peer
    branch: str
    recording: bool
    offer: sdplib.SessionDescription
    streams: tuple[StreamOffer, ...]
    local_tag: str = field(default_factory=new_tag)
    state: str = "offered"  # offered, ringing, answered (2xx unacked), confirmed
    ports: list[int] = field(default_factory=list)
    codecs: list[sdplib.Codec | None] = field(default_factory=list)
    held: bool = False
    remote_cseq: int = 0
    local_cseq: int = 0
    sdp_version: int = 1
    session_id: int = 0
    reinvite: tuple[str, bytes] = ("", b"")
    last_response: bytes = b""
    pending: Retransmit | None = None
    pending_cseq: int = 0
    answer: bytes = b""

    @property
    def remote_tag(self) -> str:
        return parse_name_addr(self.invite.headers.get("From") or "").tag


class UserAgentServer:
    """The SIP state of every call: feed it datagrams/messages and time, read what to send."""

    def __init__(self, options: UasOptions, *, counters: Counter[str] | None = None) -> None:
        self.options = options
        self.counters: Counter[str] = Counter() if counters is None else counters
        self._calls: dict[str, _Call] = {}
        self._cache = ResponseCache(options.timers)
        self._rejected: dict[tuple[str, str], Retransmit] = {}  # INVITE key -> non-2xx final
        self._requests: dict[str, tuple[str, Retransmit]] = {}  # our branch -> (call, BYE)
        self._out: list[Outgoing] = []
        self._events: list[CallEvent] = []
        self._session_ids = 0

    # -- outputs -----------------------------------------------------------------------
    def data_to_send(self) -> list[Outgoing]:
        out, self._out = self._out, []
        return out

    def events(self) -> list[CallEvent]:
        out, self._events = self._events, []
        return out

    def next_deadline(self) -> float | None:
        """When :meth:`tick` next has work to do (None: nothing pending)."""
        times = [c.pending.wake_at() for c in self._calls.values() if c.pending]
        times += [r.wake_at() for r in self._rejected.values()]
        times += [r.wake_at() for _, r in self._requests.values()]
        cache = self._cache.wake_at()
        times += [cache] if cache is not None else []
        return min(times, default=None)

    @property
    def calls(self) -> Mapping[str, str]:
        """Call-ID → state, for the calls that exist now."""
        return {cid: call.state for cid, call in self._calls.items()}

    # -- inputs ------------------------------------------------------------------------
    def receive(self, data: bytes, peer: Peer, now: float) -> None:
        """One datagram (UDP) or one framed message (TCP) from ``peer``."""
        self.counters["sip_messages"] += 1
        try:
            message = parse_message(data, max_bytes=self.options.max_message_bytes)
        except SipError as exc:
            self._malformed(exc, peer, now)
            return
        if isinstance(message, SipResponse):
            self._on_response(message)
            return
        try:
            self._on_request(message, peer, now)
        except SipError as exc:
            # A header a handler needed (From URI, Contact…) is unusable.
            self._malformed(SipError(str(exc), status=exc.status, message=message), peer, now)

    def tick(self, now: float) -> None:
        """Resend what is due, give up what has waited 64*T1."""
        for call in list(self._calls.values()):
            if call.pending is None:
                continue
            if call.pending.expired(now):
                call.pending = None
                log.warning("%s: no ACK for our 200 OK; hanging up", call.call_id)
                self.counters["calls_no_ack"] += 1
                self.hangup(call.call_id, "no-ack", now)
            elif call.pending.due(now):
                self._send(call.pending.peer, call.pending.fire(now))
        for key, tx in list(self._rejected.items()):
            if tx.expired(now):
                del self._rejected[key]
            elif tx.due(now):
                self._send(tx.peer, tx.fire(now))
        for branch, (call_id, tx) in list(self._requests.items()):
            if tx.expired(now):
                del self._requests[branch]
                log.warning("%s: no answer to our BYE", call_id)
            elif tx.due(now):
                self._send(tx.peer, tx.fire(now))
        self._cache.expire(now)

    def ring(self, call_id: str, now: float) -> bool:
        """Send 180 Ringing for an offered call (before a delayed answer)."""
        call = self._calls.get(call_id)
        if call is None or call.state != "offered":
            return False
        call.state = "ringing"
        self._respond_invite(call, 180, now)
        return True

    def accept(self, call_id: str, ports: Sequence[int], now: float) -> bool:
        """Answer an offered call with one local RTP port per stream (in ``streams`` order).

        Returns False when the call is gone (cancelled while ringing) or already answered.
        """
        call = self._calls.get(call_id)
        if call is None or call.state not in ("offered", "ringing"):
            return False
        if len(ports) != len(call.streams):
            raise ValueError("need one port per offered stream")
        by_index = {s.index: p for s, p in zip(call.streams, ports, strict=True)}
        call.ports = [by_index.get(i, 0) for i in range(len(call.offer.media))]
        codec_by_index = {s.index: s.codec for s in call.streams}
        call.codecs = [codec_by_index.get(i) for i in range(len(call.offer.media))]
        call.answer = self._answer_sdp(call)
        call.state = "answered"
        self._respond_invite(call, 200, now, body=call.answer)
        call.pending = Retransmit(call.last_response, call.peer, now, self.options.timers)
        call.pending_cseq = call.invite.cseq[0]
        self.counters["calls_answered"] += 1
        self._events.append(CallStarted(call_id))
        return True

    def reject(self, call_id: str, status: int, now: float, reason: str = "rejected") -> bool:
        """Refuse an offered call with a final error response (e.g. 486, 503)."""
        call = self._calls.get(call_id)
        if call is None or call.state not in ("offered", "ringing"):
            return False
        self._respond_invite(call, status, now)
        self._end(call, reason, answered=False)
        return True

    def hangup(self, call_id: str, reason: str, now: float) -> bool:
        """End a call from our side: BYE if answered, else 480 to the INVITE."""
        call = self._calls.get(call_id)
        if call is None:
            return False
        if call.state in ("offered", "ringing"):
            return self.reject(call_id, 480, now, reason)
        self._send_bye(call, now)
        self._end(call, reason, answered=True)
        return True

    # -- requests ----------------------------------------------------------------------
    def _on_request(self, req: SipRequest, peer: Peer, now: float) -> None:
        self.counters[f"sip_{req.method.lower()}" if req.method in _COUNTED else "sip_other"] += 1
        branch = parse_via(req.headers.get_list("Via")[0]).branch
        if req.method == "ACK":
            self._on_ack(req, branch)
            return
        cached = self._cache.get(_tx_key(req))
        if cached is not None:
            self.counters["sip_retransmissions"] += 1
            self._send(peer, cached)
            return
        if req.method == "INVITE" and self._retransmitted_invite(req, branch, peer):
            return
        if req.method == "CANCEL":
            self._on_cancel(req, branch, peer, now)
            return
        if req.method not in ("INVITE", "BYE", "OPTIONS"):
            status = 405 if req.method in _KNOWN else 501
            self._reply(req, peer, now, status, headers=[("Allow", ALLOW)])
            return
        try:
            scheme = parse_uri(req.uri).scheme
        except SipError:
            scheme = ""
        if scheme not in ("sip", "sips", "tel"):
            self._reply(req, peer, now, 416)
            return
        unsupported = [t for t in req.headers.get_list("Require") if t.lower() not in _SUPPORTED]
        if unsupported:
            self._reply(req, peer, now, 420, headers=[("Unsupported", ", ".join(unsupported))])
            return
        if req.method == "OPTIONS":
            self._reply(req, peer, now, 200, headers=self._capabilities())
            return
        to_tag = parse_name_addr(req.headers.get("To") or "").tag
        call = self._calls.get(req.call_id)
        if to_tag and (call is None or call.local_tag != to_tag or call.state == "offered"):
            self._reply(req, peer, now, 481)
            return
        if req.method == "BYE":
            if call is None or not to_tag:
                self._reply(req, peer, now, 481)
                return
            self._reply(req, peer, now, 200)
            log.info("%s: BYE from %s", call.call_id, peer.host)
            if call.state in ("offered", "ringing"):
                self._respond_invite(call, 487, now)  # BYE in an early dialog ends the INVITE
            self._end(call, "hangup", answered=call.state in ("answered", "confirmed"))
            return
        if call is not None and to_tag:
            self._on_reinvite(call, req, peer, now)
        elif call is not None:
            self._reply(req, peer, now, 482)  # same Call-ID, new branch: a loop or a merge
        else:
            self._on_invite(req, branch, peer, now)

    def _retransmitted_invite(self, req: SipRequest, branch: str, peer: Peer) -> bool:
        if (branch, req.call_id) in self._rejected:
            self._send(peer, self._rejected[branch, req.call_id].data)
        else:
            call = self._calls.get(req.call_id)
            if call is not None and call.reinvite[0] == branch:
                self._send(peer, call.reinvite[1])
            elif call is None or call.branch != branch or not call.last_response:
                return False
            else:
                self._send(peer, call.last_response)
        self.counters["sip_retransmissions"] += 1
        return True

    def _on_invite(self, req: SipRequest, branch: str, peer: Peer, now: float) -> None:
        self.counters["calls_offered"] += 1
        try:
            offer, metadata, recording = self._read_offer(req)
            codecs = sdplib.negotiate(offer)
            if req.headers.get("Contact") is None:
                raise SipError("INVITE without Contact")
            parse_uri(parse_name_addr(req.headers.get("Contact") or "").uri)
        except SipError as exc:
            self.counters["calls_rejected"] += 1
            log.warning("%s: refused INVITE from %s: %s", req.call_id, peer.host, exc)
            headers = [("Accept", _ACCEPT)] if exc.status == 415 else []
            self._reply(
                req, peer, now, exc.status, headers=headers, warning=str(exc), branch=branch
            )
            return
        caller = _user(req.headers.get("From") or "")
        accepted = [i for i, c in enumerate(codecs) if c is not None]
        if not recording:
            accepted = accepted[:1]  # a plain call has one voice to hear: the caller's
        labels = [offer.media[i].label for i in accepted]
        meta: dict[str, Any] = {
            "call_id": req.call_id,
            "caller": caller,
            "callee": _user(req.headers.get("To") or ""),
            "transport": peer.transport,
            "remote": f"{peer.host}:{peer.port}",
        }
        if recording:
            speakers, rule = label_speakers(labels, metadata, caller=caller)
            meta["speaker_rule"] = rule
            if metadata is not None:
                meta["recording_session"] = metadata.session_id
                meta["participants"] = [
                    {"aor": ", ".join(p.aors), "name": p.name} for p in metadata.participants
                ]
        else:
            # A plain call is one mixed stream: caller and handler (when the handler's line is
            # bridged in) cannot be told apart, so nobody is named (issue 11).
            speakers = ["unknown"]
        streams = tuple(
            StreamOffer(
                index=i,
                codec=codecs[i] or sdplib.Codec(0, "PCMU"),
                host=offer.media[i].host,
                port=offer.media[i].port,
                label=offer.media[i].label,
                speaker=speaker,
                active=sdplib.is_active(offer.media[i], recording=recording),
            )
            for i, speaker in zip(accepted, speakers, strict=True)
        )
        call = _Call(req.call_id, req, peer, branch, recording, offer, streams)
        self._session_ids += 1
        call.session_id = self._session_ids
        call.remote_cseq = req.cseq[0]
        self._calls[req.call_id] = call
        self._respond_invite(call, 100, now)
        source = "siprec" if recording else "sip"
        log.info("%s: %s call from %r, %d stream(s)", req.call_id, source, caller, len(streams))
        self._events.append(CallOffered(req.call_id, source, caller, streams, meta, peer))

    def _read_offer(
        self, req: SipRequest
    ) -> tuple[sdplib.SessionDescription, RecordingMetadata | None, bool]:
        encoding = (req.headers.get("Content-Encoding") or "identity").strip().lower()
        if encoding != "identity":
            raise SipError(f"Content-Encoding {encoding} not supported", status=415)
        ctype = req.content_type
        recording = "siprec" in [t.lower() for t in req.headers.get_list("Require")]
        recording |= "+sip.src" in (req.headers.get("Contact") or "")
        if ctype == "application/sdp":
            return sdplib.parse_sdp(req.body), None, recording
        if ctype == "multipart/mixed":
            parts = split_multipart(req.headers.get("Content-Type") or "", req.body)
            offer = next((p for p in parts if p.content_type == "application/sdp"), None)
            meta = next((p for p in parts if p.content_type == METADATA_TYPE), None)
            if offer is None:
                raise SipError("multipart body without application/sdp", status=415)
            metadata = None if meta is None else parse_metadata(meta.body)
            return sdplib.parse_sdp(offer.body), metadata, recording or meta is not None
        if not req.body:
            raise SipError("INVITE without an SDP offer is not supported", status=488)
        raise SipError(f"cannot read a {ctype or 'untyped'} body", status=415)

    def _on_reinvite(self, call: _Call, req: SipRequest, peer: Peer, now: float) -> None:
        branch = parse_via(req.headers.get_list("Via")[0]).branch
        if call.state != "confirmed":
            self._reply(req, peer, now, 500, headers=[("Retry-After", "1")])
            return
        call.remote_cseq = req.cseq[0]
        if req.body:
            try:
                offer = (
                    sdplib.parse_sdp(req.body) if req.content_type == "application/sdp" else None
                )
                if offer is None:
                    raise SipError("re-INVITE body is not SDP", status=415)
                if len(offer.media) < len(call.offer.media):
                    raise SipError("re-INVITE removed m= lines", status=488)
            except SipError as exc:
                self._reply(req, peer, now, exc.status, warning=str(exc))
                return
            self._apply_reoffer(call, offer)
        response = self._reply(
            req, peer, now, 200, tag=call.local_tag, body=call.answer, headers=self._contact(call)
        )
        call.reinvite = (branch, response)
        call.pending = Retransmit(response, peer, now, self.options.timers)
        call.pending_cseq = req.cseq[0]
        call.state = "answered"

    def _apply_reoffer(self, call: _Call, offer: sdplib.SessionDescription) -> None:
        old_streams = call.streams
        streams = []
        for s in old_streams:
            media = offer.media[s.index]
            codec = sdplib.choose_codec(media) or s.codec
            active = sdplib.is_active(media, recording=call.recording)
            host = media.host if media.port else s.host
            port = media.port or s.port
            streams.append(StreamOffer(s.index, codec, host, port, s.label, s.speaker, active))
        call.offer = sdplib.SessionDescription(
            offer.origin, offer.host, offer.media[: len(call.offer.media)]
        )
        call.streams = tuple(streams)
        codec_by_index = {s.index: s.codec for s in streams}
        call.codecs = [codec_by_index.get(i) for i in range(len(call.offer.media))]
        held = not any(s.active for s in streams)
        answer = self._answer_sdp(call)
        if answer.split(b"\r\n", 2)[2] != call.answer.split(b"\r\n", 2)[2]:
            call.sdp_version += 1
            answer = self._answer_sdp(call)
        call.answer = answer
        moved = [(s.host, s.port, s.codec) for s in streams] != [
            (s.host, s.port, s.codec) for s in old_streams
        ]
        if moved:
            self._events.append(CallUpdated(call.call_id, call.streams))
        if held != call.held:
            call.held = held
            log.info("%s: call %s", call.call_id, "held" if held else "resumed")
            self._events.append((CallHeld if held else CallResumed)(call.call_id))

    def _on_ack(self, req: SipRequest, branch: str) -> None:
        tx = self._rejected.get((branch, req.call_id))
        if tx is not None:
            tx.next_at = None  # Timer G stops; the entry absorbs ACK retransmissions
            return
        call = self._calls.get(req.call_id)
        to_tag = parse_name_addr(req.headers.get("To") or "").tag
        if call is None or call.local_tag != to_tag:
            self.counters["sip_stray_ack"] += 1
            return
        if call.state == "answered" and call.pending_cseq == req.cseq[0]:
            call.state = "confirmed"
            call.pending = None

    def _on_cancel(self, req: SipRequest, branch: str, peer: Peer, now: float) -> None:
        call = self._calls.get(req.call_id)
        if call is None or call.branch != branch:
            self._reply(req, peer, now, 481)
            return
        self._reply(req, peer, now, 200, tag=call.local_tag)
        if call.state in ("offered", "ringing"):
            self.counters["calls_cancelled"] += 1
            log.info("%s: cancelled before answer", call.call_id)
            self._respond_invite(call, 487, now)
            self._end(call, "cancel", answered=False)

    def _on_response(self, resp: SipResponse) -> None:
        vias = resp.headers.get_list("Via")
        branch = parse_via(vias[0]).branch if vias else ""
        if resp.status >= 200 and self._requests.pop(branch, None) is not None:
            return
        if resp.status < 200 and branch in self._requests:
            self._requests[branch][1].next_at = None  # Timer E stops after a provisional
            return
        self.counters["sip_stray_response"] += 1

    # -- output helpers ----------------------------------------------------------------
    def _malformed(self, exc: SipError, peer: Peer, now: float) -> None:
        self.counters["sip_oversize" if exc.status == 513 else "sip_malformed"] += 1
        req = exc.message
        log.warning("malformed SIP from %s:%s: %s", peer.host, peer.port, exc)
        if isinstance(req, SipRequest) and req.method != "ACK" and _routable(req):
            self._reply(req, peer, now, exc.status, warning=str(exc))
        else:
            self.counters["sip_dropped"] += 1

    def _reply(
        self,
        req: SipRequest,
        peer: Peer,
        now: float,
        status: int,
        *,
        tag: str = "",
        headers: Sequence[tuple[str, str]] = (),
        body: bytes = b"",
        warning: str = "",
        branch: str = "",
    ) -> bytes:
        extra = list(headers)
        if warning:
            text = warning.replace('"', "'")[:200]
            extra.append(("Warning", f'399 {self.options.host} "{text}"'))
        if body:
            extra.append(("Content-Type", "application/sdp"))
        extra.append(("Server", self.options.user_agent))
        resp = make_response(req, status, to_tag=tag or (new_tag() if status > 100 else ""))
        for name, value in extra:
            resp.headers.add(name, value)
        resp.body = body
        _mark_received(resp.headers, peer)
        data = resp.to_bytes()
        self.counters[f"sip_sent_{status // 100}xx"] += 1
        if status >= 200 and req.method not in ("INVITE", "ACK"):
            self._cache.put(_tx_key(req), data, now)
        elif status >= 300 and req.method == "INVITE" and branch:
            self._rejected[branch, req.call_id] = Retransmit(
                data, peer, now, self.options.timers, reliable=peer.transport != "udp"
            )
        self._send(peer, data)
        return data

    def _respond_invite(self, call: _Call, status: int, now: float, body: bytes = b"") -> None:
        tag = call.local_tag if status > 100 else ""
        headers = self._contact(call) if 100 < status < 300 else []
        data = self._reply(
            call.invite,
            call.peer,
            now,
            status,
            tag=tag,
            body=body,
            headers=headers,
            branch=call.branch if status >= 300 else "",
        )
        call.last_response = data

    def _contact(self, call: _Call) -> list[tuple[str, str]]:
        host = _host_in_uri(self.options.host)
        transport = ";transport=tcp" if call.peer.transport == "tcp" else ""
        feature = ";+sip.srs" if call.recording else ""
        contact = f"<sip:consult-assist@{host}:{self.options.port}{transport}>{feature}"
        return [("Contact", contact), *self._capabilities()]

    def _capabilities(self) -> list[tuple[str, str]]:
        return [("Allow", ALLOW), ("Accept", _ACCEPT), ("Supported", ", ".join(_SUPPORTED))]

    def _answer_sdp(self, call: _Call) -> bytes:
        return sdplib.build_answer(
            call.offer,
            host=self.options.host,
            ports=call.ports,
            codecs=call.codecs,
            session_id=call.session_id,
            version=call.sdp_version,
        )

    def _send_bye(self, call: _Call, now: float) -> None:
        call.local_cseq += 1
        branch = new_branch()
        target = parse_name_addr(call.invite.headers.get("Contact") or "").uri
        routes = call.invite.headers.get_list("Record-Route")
        peer = _next_hop(routes[0] if routes else f"<{target}>", call.peer)
        h = Headers()
        transport = call.peer.transport.upper()
        host = _host_in_uri(self.options.host)
        h.add("Via", f"SIP/2.0/{transport} {host}:{self.options.port};branch={branch};rport")
        h.add("Max-Forwards", "70")
        h.add("From", f"{call.invite.headers.get('To')};tag={call.local_tag}")
        h.add("To", call.invite.headers.get("From") or "")
        h.add("Call-ID", call.call_id)
        h.add("CSeq", f"{call.local_cseq} BYE")
        for route in routes:
            h.add("Route", route)
        h.add("User-Agent", self.options.user_agent)
        data = SipRequest(headers=h, method="BYE", uri=target).to_bytes()
        reliable = peer.transport != "udp"
        self._requests[branch] = (
            call.call_id,
            Retransmit(data, peer, now, self.options.timers, reliable=reliable),
        )
        self.counters["sip_bye_sent"] += 1
        self._send(peer, data)

    def _end(self, call: _Call, reason: str, *, answered: bool) -> None:
        self._calls.pop(call.call_id, None)
        self.counters["calls_ended"] += 1
        log.info("%s: ended (%s)", call.call_id, reason)
        self._events.append(CallEnded(call.call_id, reason, answered))

    def _send(self, peer: Peer, data: bytes) -> None:
        self._out.append(Outgoing(peer, data))


_COUNTED = {"INVITE", "ACK", "BYE", "CANCEL", "OPTIONS"}


def _tx_key(req: SipRequest) -> tuple[str, ...]:
    """A server transaction's key: the branch, and what tells branch-less (RFC 2543) ones apart."""
    branch = parse_via(req.headers.get_list("Via")[0]).branch
    return (branch, req.method, req.call_id, req.headers.get("CSeq") or "")


def _user(value: str) -> str:
    try:
        return parse_uri(parse_name_addr(value).uri).user
    except SipError:
        return ""


def _routable(req: SipRequest) -> bool:
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


def _mark_received(headers: Headers, peer: Peer) -> None:
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


def _host_in_uri(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _next_hop(value: str, fallback: Peer) -> Peer:
    """Where to send an in-dialog request: the route/target host if it is an IP, else back."""
    if fallback.transport != "udp":
        return fallback  # reuse the connection the call came on
    try:
        uri = parse_uri(parse_name_addr(value).uri)
        ipaddress.ip_address(uri.host)
    except (SipError, ValueError):
        return fallback
    return Peer("udp", uri.host, uri.port or 5060)
