"""``consult-assist serve``: build the hub from a :class:`ServerConfig` and run it until stopped."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import ssl
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from consult_assist import paths
from consult_assist.asr.decoding import Transcriber
from consult_assist.asr.recognizer import RecognizerOptions
from consult_assist.asr.scheduler import SchedulerOptions
from consult_assist.asr.service import AsrService
from consult_assist.asr.sizing import WorkerPlan, available_cpus, plan_workers
from consult_assist.asr.vad import SileroVad, SpeechDetector
from consult_assist.asr.whisper import pick_device
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

__all__ = ["RunningServer", "run_server", "speech_plan", "tls_context"]

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
    speech: str = ""
    """How speech is decoded: the workers, their threads and batches (a start-up line)."""
    service: AsrService | None = None


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
    plan: WorkerPlan | None = None,
) -> None:
    """Run the server until ``stop`` is set or SIGINT/SIGTERM arrives; then end calls cleanly.

    ``plan`` sizes the decode workers and batches (default: from ``config.workers`` on the CPU;
    the CLI plans for the device the model loads on, see :func:`speech_plan`). On a stop, the
    audio already received is transcribed for ``config.drain_s`` at most.
    """
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
    db_path = config.db or default_db_path()
    store = Store(db_path, synchronous=config.synchronous.upper())
    for ended in store.recover():
        log.warning("[%s] recovered after a crash: marked %s", ended.session, ended.reason)
    manuals = config.manuals or paths.default_manuals_dir()
    engine = KnowledgeEngine(load_manual(manuals))
    model = transcriber if not callable(transcriber) else await asyncio.to_thread(transcriber)
    plan = plan or plan_workers("cpu", workers=config.workers, cpus=available_cpus())
    service = AsrService(
        model, workers=plan.workers, scheduler=SchedulerOptions(max_batch=plan.max_batch)
    )
    hub = Hub(
        store,
        service,
        engine,
        options_for=options_for or (lambda rate: RecognizerOptions()),
        detector_factory=detector_factory,
        log_content=config.log_content,
        max_live=config.max_live_sessions,
    )
    # Limits given by the caller (tests, benchmarks) win over the configured ones.
    limits = limits or ConnectionLimits(
        max_audio_speed=config.max_audio_speed,
        max_sessions_per_token=config.max_sessions_per_token,
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
    try:
        port = server.port
        scheme = "wss" if context is not None else "ws"
        host = f"[{config.host}]" if ":" in config.host else config.host
        running = RunningServer(
            f"{scheme}://{host}:{port}/",
            hub,
            tokens_path,
            db_path,
            speech=plan.describe(),
            service=service,
        )
        if sip is not None:
            sip_server = await _start_sip(hub, sip)
            running.sip = f"{sip.host_text}:{sip_server.port}"
            running.sip_advertised = sip.advertised
            running.sip_server = sip_server
        log.info("serving on %s (store %s, manuals %s)", running.url, db_path, manuals)
        log.info("speech: %s", running.speech)
        if ready is not None:
            result = ready(running)
            if asyncio.iscoroutine(result):
                await result
        await stop.wait()
        log.info("stopping: ending live calls (transcribing for %.0f s at most)", config.drain_s)
    finally:
        if sip_server is not None:
            await sip_server.close()
        await hub.close("shutdown", drain_s=config.drain_s)
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


def speech_plan(config: ServerConfig, *, threads: int = 0) -> WorkerPlan:
    """The decode workers for ``config`` on this machine (``workers`` 0: sized to it).

    Resolves ``device`` ``auto`` first (CUDA when CTranslate2 sees a GPU), so call it before
    loading the model with ``plan.workers`` replicas and ``plan.threads`` threads each.
    """
    return plan_workers(
        pick_device(config.device),
        workers=config.workers,
        threads=threads,
        cpus=available_cpus(),
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
