"""``consult-assist serve``: build the hub from a :class:`ServerConfig` and run it until stopped."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import signal
import socket
import ssl
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from consult_assist import paths
from consult_assist.asr.decoding import Transcriber
from consult_assist.asr.recognizer import RecognizerOptions
from consult_assist.asr.service import AsrService
from consult_assist.asr.vad import SileroVad, SpeechDetector
from consult_assist.audio.calls import CallHandle
from consult_assist.config import ServerConfig
from consult_assist.errors import ConfigError
from consult_assist.hub.auth import TokenBook, default_tokens_path
from consult_assist.hub.hub import Hub
from consult_assist.hub.limits import ConnectionLimits
from consult_assist.hub.store import Store, default_db_path
from consult_assist.hub.wsserver import serve_hub
from consult_assist.knowledge.engine import KnowledgeEngine
from consult_assist.knowledge.manual import load_manual
from consult_assist.knowledge.reload import watch_manuals
from consult_assist.sip.advertise import advertise_address
from consult_assist.sip.server import SipConfig, SipServer

__all__ = ["RunningServer", "run_server", "tls_context"]

log = logging.getLogger(__name__)


@dataclass
class RunningServer:
    """What a started server tells its caller (the CLI, the demo, tests)."""

    url: str
    hub: Hub
    tokens: Path
    db: Path
    sip: str | None = None
    """Where SIP is answered (HOST:PORT, the real port), or None without SIP."""
    sip_advertised: str | None = None
    """The address SIP peers are told to use (Contact, Via, SDP)."""
    sip_server: SipServer | None = None


def tls_context(config: ServerConfig) -> ssl.SSLContext | None:
    """The server's TLS context, or None without a certificate."""
    if config.tls_cert is None or config.tls_key is None:
        return None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(config.tls_cert, config.tls_key)
    except (ssl.SSLError, OSError) as exc:
        raise ConfigError(f"cannot load the TLS certificate/key: {exc}") from None
    return context


async def run_server(
    config: ServerConfig,
    *,
    transcriber: Transcriber | Callable[[], Transcriber],
    options_for: Callable[[int], RecognizerOptions] | None = None,
    detector_factory: Callable[[], SpeechDetector] = SileroVad,
    limits: ConnectionLimits | None = None,
    ready: Callable[[RunningServer], Awaitable[None] | None] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Run the server until ``stop`` is set or SIGINT/SIGTERM arrives; then end calls cleanly."""
    if not config.log_content:
        # websockets logs whole frames at DEBUG: tokens and callers' words. Keep it above that.
        ws_log = logging.getLogger("websockets")
        ws_log.setLevel(max(logging.INFO, ws_log.getEffectiveLevel()))
    tokens_path = config.tokens or default_tokens_path()
    tokens = TokenBook.load(tokens_path)
    if not tokens.entries:
        log.warning(
            "no tokens in %s: nobody can connect. Add one with: consult-assist tokens add NAME "
            "--role handler",
            tokens_path,
        )
    sip = _sip_address(config)  # a bad --sip fails before the model loads
    _port_free(config.host, config.port, "--port")  # and a port in use too
    db_path = config.db or default_db_path()
    store = Store(db_path, synchronous=config.synchronous.upper())
    for ended in store.recover():
        log.warning("[%s] recovered after a crash: marked %s", ended.session, ended.reason)
    manuals = config.manuals or paths.default_manuals_dir()
    engine = KnowledgeEngine(load_manual(manuals))
    model = transcriber if not callable(transcriber) else await asyncio.to_thread(transcriber)
    service = AsrService(model, workers=config.workers)
    hub = Hub(
        store,
        service,
        engine,
        options_for=options_for or (lambda rate: RecognizerOptions()),
        detector_factory=detector_factory,
        log_content=config.log_content,
    )
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
    context = tls_context(config)
    watcher = asyncio.create_task(watch_manuals(manuals, engine))
    sip_server: SipServer | None = None
    service.start()
    try:
        server = await serve_hub(
            hub, tokens, host=config.host, port=config.port, ssl_context=context, limits=limits
        )
    except OSError as exc:
        await service.close()
        store.close()
        watcher.cancel()
        raise _in_use(config.host, config.port, "--port", exc) from None
    try:
        port = server.port
        scheme = "wss" if context is not None else "ws"
        host = f"[{config.host}]" if ":" in config.host else config.host
        running = RunningServer(f"{scheme}://{host}:{port}/", hub, tokens_path, db_path)
        if sip is not None:
            try:
                sip_server = await _start_sip(hub, sip)
            except OSError as exc:
                raise _in_use(sip.host_text, sip.port, "--sip", exc) from None
            running.sip = f"{sip.host_text}:{sip_server.port}"
            running.sip_advertised = sip.advertised
            running.sip_server = sip_server
        log.info("serving on %s (store %s, manuals %s)", running.url, db_path, manuals)
        if ready is not None:
            result = ready(running)
            if asyncio.iscoroutine(result):
                await result
        await stop.wait()
        log.info("stopping: ending live calls")
    finally:
        if sip_server is not None:
            await sip_server.close()
        await hub.close("shutdown")
        await server.close()
        watcher.cancel()
        with contextlib.suppress(BaseException):
            await watcher
        await service.close()
        store.close()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(sig)


class _SipSink:
    """SIP calls open sessions owned by the handler the caller dialled (the Request-URI user).

    A PBX routes a handler's extension (``sip:sato@server``) to the server; a call to any other
    user (a SIPREC recorder, a trunk) has no owning handler and is seen by supervisors.
    """

    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    def open_call(
        self, *, source: str, speakers: Sequence[str], source_rate: int, meta: Mapping[str, Any]
    ) -> CallHandle:
        owner = str(meta.get("callee", ""))
        return self.hub.open_call(
            source=source, speakers=speakers, source_rate=source_rate, meta=meta, owner=owner
        )


@dataclass(frozen=True)
class _SipAddress:
    host_text: str
    """The host as written (``0.0.0.0``, ``[::]``)."""
    host: str
    port: int
    advertised: str


def _port_free(host: str, port: int, flag: str) -> None:
    """Fail early, before the model loads, when another program listens on ``host:port``."""
    if port == 0:
        return
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # As asyncio's server binds: a port left in TIME_WAIT by a stopped server is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host.strip("[]"), port))
        except OSError as exc:
            raise _in_use(host, port, flag, exc) from None


def _in_use(host: str, port: int, flag: str, exc: OSError) -> ConfigError:
    if exc.errno == errno.EADDRINUSE:
        return ConfigError(
            f"port {port} on {host} is already in use (another consult-assist serve?): "
            f"stop that program or choose another with {flag}"
        )
    if exc.errno == errno.EACCES:
        return ConfigError(
            f"not allowed to listen on port {port} on {host} (ports below 1024 need root): "
            f"choose another with {flag}"
        )
    return ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}")


def _sip_address(config: ServerConfig) -> _SipAddress | None:
    """Where SIP listens and what it advertises (``config.sip``), or None without SIP."""
    if not config.sip:
        return None
    host, _, port = config.sip.rpartition(":")
    if not host or not port.isdigit():
        raise ConfigError(f"--sip wants HOST:PORT, not {config.sip!r}")
    advertised = advertise_address(host, config.sip_advertise)
    if advertised is None:
        raise ConfigError(
            f"SIP on the wildcard address {host} must tell callers one address to reach it "
            "and this machine has no outward network address: give --sip-advertise HOST"
        )
    return _SipAddress(host, host.strip("[]"), int(port), advertised)


async def _start_sip(hub: Hub, sip: _SipAddress) -> SipServer:
    """Start the SIP user agent server (UDP and TCP) feeding ``hub``."""
    server = SipServer(
        _SipSink(hub), sip.host, sip.port, config=SipConfig(advertise_host=sip.advertised)
    )
    await server.start()
    return server
