"""``consult-assist serve``: build the hub from a :class:`ServerConfig` and run it until stopped."""

from __future__ import annotations

import asyncio
import contextlib
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
from consult_assist.config import ServerConfig, store_location
from consult_assist.errors import ConfigError
from consult_assist.hub.auth import FileTokens, TokenSource, default_tokens_path
from consult_assist.hub.hub import Hub
from consult_assist.hub.limits import ConnectionLimits
from consult_assist.hub.store import Store, default_db_path, is_postgres_url
from consult_assist.hub.store_open import open_store
from consult_assist.hub.tokenwatch import TokenWatcher
from consult_assist.hub.wsserver import serve_hub
from consult_assist.knowledge.engine import KnowledgeEngine
from consult_assist.knowledge.manual import load_manual
from consult_assist.knowledge.reload import watch_manuals
from consult_assist.sip.advertise import advertise_address
from consult_assist.sip.server import SipConfig, SipServer

__all__ = ["RunningServer", "run_server", "tls_context", "token_source"]

log = logging.getLogger(__name__)


@dataclass
class RunningServer:
    """What a started server tells its caller (the CLI, the demo, tests)."""

    url: str
    hub: Hub
    tokens: Path | str
    """The tokens file, or the store's location when the tokens live in it."""
    db: Path | str
    """The store: a SQLite file, or a PostgreSQL URL (its password hidden)."""
    tokens_watcher: TokenWatcher | None = None
    """Looks at the tokens every half second; ``check()`` looks at once."""
    sip: str | None = None
    """Where SIP is answered (HOST:PORT, the real port), or None without SIP."""
    sip_advertised: str | None = None
    """The address SIP peers are told to use (Contact, Via, SDP)."""
    sip_server: SipServer | None = None


def token_source(config: ServerConfig, store: Store) -> TokenSource:
    """Where the tokens are: the store's table with PostgreSQL, else the tokens file."""
    if is_postgres_url(store_location(config, default_db_path())):
        from consult_assist.hub.postgres_store import (
            PostgresStore,
        )  # lazy: psycopg
        from consult_assist.hub.postgres_tokens import (
            PostgresTokens,
        )  # lazy: psycopg

        if config.tokens is not None:
            log.warning("--tokens %s is ignored: the tokens live in the store", config.tokens)
        assert isinstance(store, PostgresStore)
        return PostgresTokens(store)
    return FileTokens(config.tokens or default_tokens_path())


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
    sip = _sip_address(config)  # a bad --sip fails before the model loads
    location = store_location(config, default_db_path())
    node = config.node or (socket.gethostname() if is_postgres_url(location) else "")
    store = open_store(location, node=node, synchronous=config.synchronous.upper())
    try:
        source = token_source(config, store)
        tokens = source.load()
    except BaseException:
        store.close()
        raise
    if not tokens.entries:
        log.warning(
            "no tokens in %s: nobody can connect. Add one with: consult-assist tokens add NAME "
            "--role handler",
            source.where,
        )
    for ended in await store.recover():
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
        outbox_limit=config.store_queue,
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
    server = await serve_hub(
        hub, tokens, host=config.host, port=config.port, ssl_context=context, limits=limits
    )
    token_watcher = TokenWatcher(source, server.apply_tokens)
    watching_tokens = asyncio.create_task(token_watcher.run())
    try:
        port = server.port
        scheme = "wss" if context is not None else "ws"
        host = f"[{config.host}]" if ":" in config.host else config.host
        running = RunningServer(
            f"{scheme}://{host}:{port}/", hub, source.where, store.location, token_watcher
        )
        if sip is not None:
            sip_server = await _start_sip(hub, sip)
            running.sip = f"{sip.host_text}:{sip_server.port}"
            running.sip_advertised = sip.advertised
            running.sip_server = sip_server
        log.info("serving on %s (store %s, manuals %s)", running.url, store.location, manuals)
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
        for task in (watcher, watching_tokens):
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
        await service.close()
        await store.aclose()
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
