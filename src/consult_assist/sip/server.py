"""The asyncio adapter of the SIP ingress: sockets and timers around the sans-I/O cores.

SIP arrives over UDP and TCP on one port (and over TLS on ``tls_port``) and goes into
:class:`UserAgentServer`; each answered call gets one RTP socket per stream, on a random even
port of ``SipConfig.rtp_ports``, whose datagrams go through an :class:`RtpReceiver` (latch,
SRTP, pacing, jitter buffer, G.711, concealment, 16 kHz) into :meth:`CallHandle.push`. Calls
end on BYE, CANCEL, a missing ACK, starved media (less than ``min_media_ratio`` of real time
over ``rtp_timeout_s``; on hold, after ``hold_timeout_s`` unless media still flows), and on
:meth:`SipServer.close`.

Stream connections (TCP, TLS) are counted per source and in total
(:class:`~consult_assist.sip.admission.ConnectionTable`); one over a cap is closed at once,
and one that carries no call and has sent no complete message for ``tcp_idle_s`` is closed,
so idle sockets cannot use up the process's file descriptors.

Nothing received can raise out of here: the cores reject bad input with SIP errors or
dropped packets (counted in :attr:`SipServer.counters`); an unexpected exception is logged
with its call id, counted as ``internal_errors`` and the datagram dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import socket
import ssl
import stat
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from consult_assist.audio.calls import CallHandle, CallSink
from consult_assist.errors import ConfigError, ConsultAssistError, SipError
from consult_assist.sip.admission import AdmissionOptions, ConnectionTable, LogThrottle
from consult_assist.sip.digest import DigestOptions, parse_credentials
from consult_assist.sip.media import MAX_RTP_BYTES, RtpReceiver, rtp_port_order, starved
from consult_assist.sip.message import MAX_MESSAGE_BYTES, StreamFramer
from consult_assist.sip.srtp import SdesKey, SrtpInbound
from consult_assist.sip.timers import Peer, TimerOptions
from consult_assist.sip.ua import UserAgentServer
from consult_assist.sip.uaevents import (
    CallEnded,
    CallEvent,
    CallHeld,
    CallOffered,
    CallResumed,
    CallUpdated,
    StreamOffer,
    UasOptions,
)

__all__ = ["CallInfo", "SipConfig", "SipServer", "read_digest_file"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SipConfig:
    """Options of the SIP ingress (times in seconds, sizes in bytes)."""

    rtp_ports: tuple[int, int] = (20000, 29999)
    """Inclusive range RTP sockets are bound in (even ports only, RFC 3550 §11), at random."""
    rtp_timeout_s: float = 20.0
    """The media window: a call that received less than ``min_media_ratio`` of this many
    seconds of audio in the last this-many seconds is hung up (reason ``timeout``)."""
    min_media_ratio: float = 0.25
    """The share of real time a live call's audio must reach over ``rtp_timeout_s``: RTP
    that stopped or trickles (one packet every few seconds) does not hold a call slot."""
    max_rtp_speed: float = 1.5
    """RTP faster than this × real time on average is dropped (counted ``rtp_too_fast``)."""
    rtp_burst_s: float = 1.0
    """Audio a stream may deliver at once above real time (packets held up by the network)."""
    hold_timeout_s: float = 1800.0
    """How long a call may stay on hold without real media (music on hold at real time
    keeps it); a vanished peer, or one trickling RTP while "on hold", must end."""
    answer_after_s: float = 0.0
    """Ring (180) this long before answering; 0 answers at once."""
    jitter_ms: float = 60.0
    """Jitter buffer depth: how late a packet may be and still be played in order."""
    conceal_ms: float = 60.0
    """Lost audio is a fading repeat of the last packet for this long, then silence."""
    advertise_host: str | None = None
    """Address put in Contact and SDP; default the bound host (required for a wildcard)."""
    transports: tuple[str, ...] = ("udp", "tcp")
    """Plain transports on ``port`` (empty: TLS only)."""
    tls_port: int | None = None
    """SIP over TLS on this port (0: any free one) when a TLS context is given; None: no TLS."""
    tls_handshake_s: float = 10.0
    """A TLS connection that has not finished its handshake by then is closed."""
    admission: AdmissionOptions = field(default_factory=AdmissionOptions)
    """Trusted networks, INVITE rate and call caps (see :mod:`consult_assist.sip.gate`)."""
    digest: DigestOptions | None = None
    """Digest authentication of INVITEs (None: the allowlist alone decides)."""
    srtp: str = "optional"
    """``optional`` or ``required`` (only SRTP over TLS); see ``UasOptions.srtp``."""
    tcp_idle_s: float = 120.0
    """A stream connection that carries no call and sent no message for this long is closed."""
    connections_per_source: int = 16
    """Concurrent TCP/TLS connections from one address; more are closed at once."""
    max_connections: int = 256
    """Concurrent TCP/TLS connections in total (keep well under the process's fd limit)."""
    log_content: bool = False
    """Log caller numbers (personal data); off unless asked for."""
    report_every_s: float = 600.0
    """How often the edge's refusals and drops since the last report are logged (if any)."""
    max_message_bytes: int = MAX_MESSAGE_BYTES
    max_rtp_bytes: int = MAX_RTP_BYTES
    t1_s: float = 0.5
    """RFC 3261 T1 (retransmission base); T2 is 8*T1."""


@dataclass(frozen=True)
class CallInfo:
    """What the server knows of one call: for logs, tests and the lead's wiring."""

    call_id: str
    source: str
    speakers: tuple[str, ...]
    rtp_ports: tuple[int, ...]
    session: str | None
    held: bool


@dataclass
class _Call:
    offer: CallOffered
    receivers: list[RtpReceiver] = field(default_factory=list)
    transports: list[asyncio.DatagramTransport] = field(default_factory=list)
    ports: list[int] = field(default_factory=list)
    handle: CallHandle | None = None
    held: bool = False
    held_since: float = 0.0
    setup: asyncio.Task[None] | None = None
    keys: list[SdesKey | None] = field(default_factory=list)


def read_digest_file(path: Path) -> dict[str, str]:
    """The ``user:password`` lines of a digest credentials file that only its owner can read."""
    try:
        info = path.stat()
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the SIP digest file {path}: {exc.strerror}") from None
    if info.st_mode & 0o077:
        raise ConfigError(
            f"{path} holds SIP passwords but other users may read it (mode "
            f"{stat.filemode(info.st_mode)}): run chmod 600 {path}"
        )
    return parse_credentials(text, source=str(path))


class SipServer:
    """A SIP UAS on ``host:port`` (UDP and TCP) that feeds answered calls into ``sink``."""

    def __init__(
        self,
        sink: CallSink,
        host: str = "127.0.0.1",
        port: int = 5060,
        *,
        config: SipConfig | None = None,
        tls: ssl.SSLContext | None = None,
        extension_known: Callable[[str], bool] | None = None,
    ) -> None:
        self.sink = sink
        self.host = host
        self.config = config or SipConfig()
        self.tls = tls
        self.extension_known = extension_known
        """Whether a dialled extension (the Request-URI user) has a handler; None: any."""
        self.counters: Counter[str] = Counter()
        """Everything counted: messages, responses by class, drops by reason, calls…"""
        self._port = port
        self._tls_port = self.config.tls_port
        self._uas: UserAgentServer | None = None
        self._calls: dict[str, _Call] = {}
        self._udp: asyncio.DatagramTransport | None = None
        self._tcp: asyncio.Server | None = None
        self._tls_server: asyncio.Server | None = None
        self._connections: dict[tuple[str, str, int], asyncio.Transport] = {}
        self._conn_table: ConnectionTable[tuple[str, str, int]] = ConnectionTable(
            per_source=self.config.connections_per_source,
            total=self.config.max_connections,
            idle_s=self.config.tcp_idle_s,
        )
        self._throttle = LogThrottle()
        self._handshakes: set[asyncio.Task[None]] = set()
        self._timer: asyncio.TimerHandle | None = None
        self._watchdog: asyncio.Task[None] | None = None
        self._rng = random.SystemRandom()  # RTP ports must not be guessable
        lo, hi = self.config.rtp_ports
        if not 0 < lo <= hi < 65536:
            raise ConfigError(f"bad RTP port range {lo}-{hi}")

    @property
    def port(self) -> int:
        """The SIP port we are bound to (the real one when 0 was asked for)."""
        return self._port

    @property
    def tls_port(self) -> int | None:
        """The SIP/TLS port we are bound to, or None without TLS."""
        return self._tls_port if self._tls_server is not None else None

    @property
    def connections(self) -> int:
        """Open TCP/TLS connections."""
        return len(self._connections)

    @property
    def calls(self) -> Mapping[str, CallInfo]:
        """The calls in progress, by Call-ID."""
        return {
            cid: CallInfo(
                cid,
                c.offer.source,
                tuple(s.speaker for s in c.offer.streams),
                tuple(c.ports),
                c.handle.session if c.handle else None,
                c.held,
            )
            for cid, c in self._calls.items()
        }

    async def __aenter__(self) -> SipServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def start(self) -> None:
        """Bind the SIP listeners (UDP first, then TCP on the same port, then TLS).

        If one cannot be bound, those already bound are closed before the error is raised.
        """
        try:
            await self._start()
        except BaseException:
            await self.close()
            raise

    async def _start(self) -> None:
        config = self.config
        advertised = config.advertise_host or self.host
        if advertised in ("0.0.0.0", "::", ""):
            raise ConfigError("listening on a wildcard address needs SipConfig.advertise_host")
        with_tls = self.tls is not None and config.tls_port is not None
        if not config.transports and not with_tls:
            raise ConfigError("SIP needs a transport: UDP/TCP, or TLS with a certificate")
        loop = asyncio.get_running_loop()
        await self._bind_udp_and_tcp()
        if with_tls:
            # A plain listener that counts each connection before its handshake, then
            # upgrades it: a flood of half-open TLS connections meets the same caps.
            self._tls_server = await loop.create_server(
                lambda: _TlsAccept(self), self.host, config.tls_port, reuse_address=True
            )
            self._tls_port = self._tls_server.sockets[0].getsockname()[1]
            if not config.transports:
                self._port = self._tls_port
        timers = TimerOptions(t1_s=config.t1_s, t2_s=8 * config.t1_s)
        options = UasOptions(
            advertised,
            self._port,
            timers,
            max_message_bytes=config.max_message_bytes,
            admission=config.admission,
            digest=config.digest,
            tls_port=self.tls_port,
            srtp=config.srtp,
            log_content=config.log_content,
        )
        self._uas = UserAgentServer(
            options, counters=self.counters, extension_known=self.extension_known
        )
        self._watchdog = asyncio.create_task(self._watch())
        listening = [f"{t} {self._port}" for t in config.transports]
        listening += [f"tls {self._tls_port}"] if with_tls else []
        log.info("SIP listening on %s (%s)", self.host, ", ".join(listening))

    async def _bind_udp_and_tcp(self) -> None:
        """Bind UDP, then TCP on the same port.

        With port 0 the system picks a free UDP port, which a TCP socket (an outgoing
        connection's ephemeral port, say) may already hold: then both are given back and
        another port is tried. A port the operator chose is never swapped for another.
        """
        loop = asyncio.get_running_loop()
        transports = self.config.transports
        chosen = self._port
        attempts = 20 if chosen == 0 and "udp" in transports and "tcp" in transports else 1
        for attempt in range(attempts):
            self._port = chosen
            if "udp" in transports:
                self._udp, _ = await loop.create_datagram_endpoint(
                    lambda: _SipDatagram(self), local_addr=(self.host, self._port)
                )
                self._port = self._udp.get_extra_info("sockname")[1]
            if "tcp" not in transports:
                return
            try:
                self._tcp = await loop.create_server(
                    lambda: _SipStream(self, "tcp"), self.host, self._port, reuse_address=True
                )
            except OSError as exc:
                if attempt + 1 == attempts:
                    raise
                log.debug("TCP port %d is taken (%s): trying another pair", self._port, exc)
                if self._udp is not None:
                    self._udp.close()
                    self._udp = None
                continue
            self._port = self._tcp.sockets[0].getsockname()[1]
            return

    async def close(self) -> None:
        """Hang up every call (BYE, reason ``shutdown``), then close every socket."""
        if self._uas is not None:
            now = asyncio.get_running_loop().time()
            for call_id in list(self._calls):
                self._uas.hangup(call_id, "shutdown", now)
            self._pump()
        self._report(Counter(), "since start")
        if self._watchdog is not None:
            self._watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watchdog
        if self._timer is not None:
            self._timer.cancel()
        for call in list(self._calls.values()):
            self._release(call)
        self._calls.clear()
        if self._udp is not None:
            self._udp.close()
        for handshake in list(self._handshakes):
            handshake.cancel()
        for conn in list(self._connections.values()):
            conn.close()
        for listener in (self._tcp, self._tls_server):
            if listener is not None:
                listener.close()
                await listener.wait_closed()
        self._uas = None

    # -- SIP ---------------------------------------------------------------------------
    def _on_sip(self, data: bytes, peer: Peer) -> None:
        if self._uas is None:
            return
        try:
            self._uas.receive(data, peer, asyncio.get_running_loop().time())
        except Exception:
            self.counters["internal_errors"] += 1
            log.exception("SIP message from %s:%s could not be handled", peer.host, peer.port)
        self._pump()

    def _pump(self) -> None:
        """Send what the core wants sent, act on its events, re-arm its timer."""
        uas = self._uas
        if uas is None:
            return
        while True:
            # Acting on an event can queue more (a reject sends 486 and ends the call).
            outgoing, events = uas.data_to_send(), uas.events()
            if not outgoing and not events:
                break
            for out in outgoing:
                self._send(out.peer, out.data)
            for event in events:
                try:
                    self._on_event(event)
                except Exception:
                    self.counters["internal_errors"] += 1
                    log.exception("%s: event %s failed", event.call_id, event)
        self._arm_timer()

    def _send(self, peer: Peer, data: bytes) -> None:
        if peer.transport == "udp" and self._udp is not None:
            self._udp.sendto(data, (peer.host, peer.port))
            return
        conn = self._connections.get((peer.transport, peer.host, peer.port))
        if conn is None or conn.is_closing():
            self.counters["sip_send_failed"] += 1
            log.warning("no connection to %s:%s to send on", peer.host, peer.port)
            return
        conn.write(data)

    def _arm_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        deadline = self._uas.next_deadline() if self._uas else None
        if deadline is not None:
            self._timer = asyncio.get_running_loop().call_at(deadline, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        if self._uas is not None:
            self._uas.tick(asyncio.get_running_loop().time())
            self._pump()

    # -- calls -------------------------------------------------------------------------
    def _on_event(self, event: CallEvent) -> None:
        if isinstance(event, CallOffered):
            new = _Call(event, keys=[s.srtp for s in event.streams])
            self._calls[event.call_id] = new
            new.setup = asyncio.create_task(self._set_up(new))
            return
        call = self._calls.get(event.call_id)
        if call is None:
            return
        if isinstance(event, CallHeld | CallResumed):
            call.held = isinstance(event, CallHeld)
            now = asyncio.get_running_loop().time()
            call.held_since = now
            for receiver in call.receivers:
                # The media window starts again: silence on hold says nothing after it.
                receiver.last_packet_at = receiver.started_at = now
        elif isinstance(event, CallUpdated):
            self._update(call, event)
        elif isinstance(event, CallEnded):
            self._finish(call, event.reason)

    async def _set_up(self, call: _Call) -> None:
        offer, uas = call.offer, self._uas
        if uas is None:
            return
        loop = asyncio.get_running_loop()
        try:
            for index, stream in enumerate(offer.streams):
                transport, port = await self._bind_rtp(call, index)
                call.transports.append(transport)
                call.ports.append(port)
                hosts = {stream.host, offer.peer.host}
                call.receivers.append(
                    self._receiver(stream, hosts, loop.time(), f"{offer.call_id}/{index}")
                )
            if self.config.answer_after_s > 0:
                uas.ring(offer.call_id, loop.time())
                self._pump()
                # The configured ringing time, not a synchronisation: CANCEL may end it.
                await asyncio.sleep(self.config.answer_after_s)
            if offer.call_id not in uas.calls:
                return
            call.handle = self.sink.open_call(
                source=offer.source,
                speakers=[s.speaker for s in offer.streams],
                source_rate=8000,
                meta=dict(offer.meta),
            )
        except (OSError, ConsultAssistError) as exc:
            log.error("%s: cannot take the call: %s", offer.call_id, exc)
            self.counters["calls_failed"] += 1
            uas.reject(offer.call_id, 503, loop.time(), "error")
            self._pump()
            return
        now = loop.time()
        for receiver in call.receivers:
            receiver.last_packet_at = now
        uas.accept(offer.call_id, call.ports, now)
        log.info(
            "%s: answered as session %s, RTP on %s",
            offer.call_id,
            call.handle.session,
            ",".join(map(str, call.ports)),
        )
        self._pump()

    def _receiver(self, stream: StreamOffer, hosts: set[str], now: float, name: str) -> RtpReceiver:
        return RtpReceiver(
            stream.codec,
            allowed_hosts=hosts,
            now=now,
            counters=self.counters,
            depth_ms=self.config.jitter_ms,
            conceal_ms=self.config.conceal_ms,
            max_bytes=self.config.max_rtp_bytes,
            max_speed=self.config.max_rtp_speed,
            burst_s=self.config.rtp_burst_s,
            srtp=SrtpInbound(stream.srtp) if stream.srtp is not None else None,
            name=name,
        )

    async def _bind_rtp(self, call: _Call, index: int) -> tuple[asyncio.DatagramTransport, int]:
        loop = asyncio.get_running_loop()
        lo, hi = self.config.rtp_ports
        for port in rtp_port_order(lo, hi, self._rng):
            try:
                transport, _ = await loop.create_datagram_endpoint(
                    lambda: _RtpDatagram(self, call, index), local_addr=(self.host, port)
                )
            except OSError:
                continue
            sock = transport.get_extra_info("socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    # Room for a burst of packets while the loop is busy elsewhere.
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
            return transport, port
        raise SipError(f"no free RTP port in {lo}-{hi}", status=503)

    def _on_rtp(self, call: _Call, index: int, data: bytes, addr: tuple[str, int]) -> None:
        if index >= len(call.receivers):
            return
        if call.handle is None:
            self.counters["rtp_before_answer"] += 1
            return
        try:
            audio = call.receivers[index].receive(data, addr, asyncio.get_running_loop().time())
        except Exception:
            self.counters["internal_errors"] += 1
            log.exception("%s: RTP packet could not be handled", call.offer.call_id)
            return
        if len(audio):
            call.handle.push(index, audio)

    def _update(self, call: _Call, event: CallUpdated) -> None:
        loop = asyncio.get_running_loop()
        for index, stream in enumerate(event.streams[: len(call.receivers)]):
            old = call.receivers[index]
            hosts = {stream.host, call.offer.peer.host}
            if stream.codec == old.codec and stream.srtp == call.keys[index]:
                old.update(allowed_hosts=hosts)
                continue
            tail = old.flush()
            if call.handle is not None and len(tail):
                call.handle.push(index, tail)
            call.keys[index] = stream.srtp
            call.receivers[index] = self._receiver(stream, hosts, loop.time(), old.name)

    def _finish(self, call: _Call, reason: str) -> None:
        call_id = call.offer.call_id
        self._calls.pop(call_id, None)
        if call.setup is not None and not call.setup.done():
            call.setup.cancel()
        if call.handle is not None:
            for index, receiver in enumerate(call.receivers):
                tail = receiver.flush()
                if len(tail):
                    call.handle.push(index, tail)
            call.handle.end(reason)
            for index, receiver in enumerate(call.receivers):
                log.info("%s: stream %d %s", call_id, index, receiver.stats)
        self._release(call)

    def _release(self, call: _Call) -> None:
        for transport in call.transports:
            transport.close()
        call.transports.clear()

    async def _watch(self) -> None:
        """Hang up calls whose media starved; close idle stream connections."""
        config = self.config
        period = min(1.0, max(0.05, min(config.rtp_timeout_s, config.tcp_idle_s) / 5))
        loop = asyncio.get_running_loop()
        reported: Counter[str] = Counter()
        report_at = loop.time() + config.report_every_s
        while True:
            await asyncio.sleep(period)
            now = loop.time()
            self._hang_up_starved(now)
            self._close_idle(now)
            self._pump()
            if now >= report_at:
                report_at = now + config.report_every_s
                reported = self._report(reported, f"in the last {config.report_every_s:.0f} s")

    def _report(self, since: Counter[str], when: str) -> Counter[str]:
        """Log what the edge refused or dropped beyond ``since`` (one line; none if nothing)."""
        now = Counter({k: v for k, v in self.counters.items() if k.startswith(_REPORTED)})
        delta = now - since
        if delta:
            items = ", ".join(f"{k} {v}" for k, v in sorted(delta.items()))
            log.info("SIP edge %s: %s", when, items)
        return now

    def _hang_up_starved(self, now: float) -> None:
        config = self.config
        for call_id, call in list(self._calls.items()):
            if call.handle is None or not call.receivers or self._uas is None:
                continue
            if call.held and now - call.held_since <= config.hold_timeout_s:
                continue
            if not starved(
                call.receivers,
                now,
                window_s=config.rtp_timeout_s,
                min_ratio=config.min_media_ratio,
            ):
                continue
            log.warning("%s: media starved for %.1f s; hanging up", call_id, config.rtp_timeout_s)
            self.counters["rtp_timeouts"] += 1
            self._uas.hangup(call_id, "timeout", now)

    def _close_idle(self, now: float) -> None:
        busy = (
            {(p.transport, p.host, p.port) for p in self._uas.call_peers()} if self._uas else set()
        )
        for key in self._conn_table.idle(now, busy=busy):
            self._conn_table.close(key)
            conn = self._connections.get(key)
            if conn is not None:
                self.counters["sip_connections_idle_closed"] += 1
                log.debug("closing idle SIP/%s connection from %s:%s", *key)
                conn.close()

    # -- stream connections --------------------------------------------------------------
    def _connection_opened(self, key: tuple[str, str, int], transport: asyncio.Transport) -> bool:
        now = asyncio.get_running_loop().time()
        refused = self._conn_table.open(key, key[1], now)
        if refused is not None:
            self.counters[f"sip_connections_refused_{refused}"] += 1
            # Per source: one warning per address; in total: one warning, however many.
            level = self._throttle.level(
                (refused, key[1]) if refused == "per_source" else refused, now
            )
            log.log(level, "refusing a SIP/%s connection from %s (%s cap)", key[0], key[1], refused)
            transport.abort()
            return False
        self._connections[key] = transport
        self.counters["sip_connections"] += 1
        return True

    def _connection_active(self, key: tuple[str, str, int]) -> None:
        self._conn_table.touch(key, asyncio.get_running_loop().time())

    def _connection_lost(self, key: tuple[str, str, int]) -> None:
        self._conn_table.close(key)
        self._connections.pop(key, None)


_REPORTED = (
    "sip_refused_",
    "sip_refusals_unsent",
    "sip_connections_refused_",
    "sip_connections_idle_closed",
    "sip_malformed",
    "sip_bye_withheld",
    "rtp_timeouts",
    "rtp_too_fast",
    "rtp_wrong_source",
    "rtp_srtp_refused",
)
"""Counters an operator wants to hear about: refusals, drops and what they cost."""


class _SipDatagram(asyncio.DatagramProtocol):
    def __init__(self, server: SipServer) -> None:
        self.server = server

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        self.server._on_sip(data, Peer("udp", str(addr[0]), int(addr[1])))

    def error_received(self, exc: Exception) -> None:
        # ICMP port unreachable from a peer that went away: our retransmissions give up.
        log.debug("SIP UDP error: %s", exc)


class _SipStream(asyncio.Protocol):
    def __init__(
        self,
        server: SipServer,
        transport_name: str,
        key: tuple[str, str, int] | None = None,
    ) -> None:
        self.server = server
        self.name = transport_name
        self.framer = StreamFramer(max_bytes=server.config.max_message_bytes)
        self.key: tuple[str, str, int] = key or (transport_name, "", 0)
        self.transport: asyncio.Transport | None = None
        self.admitted = key is not None  # a TLS connection was admitted before its handshake
        # TLS: what arrived between the end of the handshake and start_tls handing us the
        # TLS transport (answers must not go out on the raw socket in the meantime).
        self._early: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        if self.admitted:
            self.server._connections[self.key] = transport  # now the TLS transport
            early, self._early = self._early, []
            for data in early:
                self.data_received(data)
            return
        host, port = transport.get_extra_info("peername")[:2]
        self.key = (self.name, str(host), int(port))
        self.admitted = self.server._connection_opened(self.key, transport)

    def data_received(self, data: bytes) -> None:
        if not self.admitted:
            return
        if self.transport is None:
            self._early.append(data)
            return
        try:
            messages = self.framer.feed(data)
        except SipError as exc:
            self.server.counters["sip_tcp_framing"] += 1
            log.warning("closing SIP/%s from %s:%s: %s", *self.key, exc)
            if self.transport is not None:
                self.transport.close()
            return
        if not messages and data.strip(b"\r\n") == b"" and b"\r\n\r\n" in data:
            # RFC 5626 §4.4.1 keep-alive ping: answer with a pong; it counts as activity.
            self.server._connection_active(self.key)
            if self.transport is not None:
                self.transport.write(b"\r\n")
            return
        for message in messages:
            self.server._connection_active(self.key)
            self.server._on_sip(message, Peer(self.name, *self.key[1:]))

    def connection_lost(self, exc: Exception | None) -> None:
        if self.admitted:
            self.server._connection_lost(self.key)


class _TlsAccept(asyncio.Protocol):
    """A TLS connection before its handshake: counted (and capped) at once, then upgraded."""

    def __init__(self, server: SipServer) -> None:
        self.server = server
        self.key: tuple[str, str, int] = ("tls", "", 0)
        self.upgrade: asyncio.Task[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        host, port = transport.get_extra_info("peername")[:2]
        self.key = ("tls", str(host), int(port))
        if self.server._connection_opened(self.key, transport):
            transport.pause_reading()  # the ClientHello waits for the TLS layer
            self.upgrade = asyncio.ensure_future(self._upgrade(transport))
            self.server._handshakes.add(self.upgrade)
            self.upgrade.add_done_callback(self.server._handshakes.discard)

    async def _upgrade(self, transport: asyncio.Transport) -> None:
        server = self.server
        stream = _SipStream(server, "tls", key=self.key)
        assert server.tls is not None
        loop = asyncio.get_running_loop()
        try:
            tls = await loop.start_tls(
                transport,
                stream,
                server.tls,
                server_side=True,
                ssl_handshake_timeout=server.config.tls_handshake_s,
            )
        except (OSError, ssl.SSLError, TimeoutError, ConnectionError) as exc:
            server.counters["sip_tls_handshake_failed"] += 1
            level = server._throttle.level(("tls_handshake", self.key[1]), loop.time())
            log.log(level, "SIP/TLS handshake from %s failed: %s", self.key[1], exc)
            transport.abort()
            server._connection_lost(self.key)
            return
        if tls is None:  # the peer went away during the handshake
            server._connection_lost(self.key)
            return
        stream.connection_made(tls)

    def data_received(self, data: bytes) -> None:
        pass  # reading is paused until the TLS layer takes over

    def connection_lost(self, exc: Exception | None) -> None:
        if self.upgrade is not None and not self.upgrade.done():
            self.upgrade.cancel()
            self.server._connection_lost(self.key)


class _RtpDatagram(asyncio.DatagramProtocol):
    def __init__(self, server: SipServer, call: _Call, index: int) -> None:
        self.server, self.call, self.index = server, call, index

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        self.server._on_rtp(self.call, self.index, data, (str(addr[0]), int(addr[1])))

    def error_received(self, exc: Exception) -> None:
        log.debug("%s: RTP socket error: %s", self.call.offer.call_id, exc)
