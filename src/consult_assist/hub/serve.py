"""``consult-assist serve``: build the hub from a :class:`ServerConfig` and run it until stopped.

On a PostgreSQL store the node also joins the others (``cluster.py``: lease, doorbells,
forwarded commands) before it takes any client; ``--metrics`` serves Prometheus metrics; SIGTERM
drains (``shutdown.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import resource
import socket
import ssl
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from consult_assist import paths
from consult_assist.asr.decoding import Transcriber
from consult_assist.asr.recognizer import RecognizerOptions
from consult_assist.asr.scheduler import SchedulerOptions
from consult_assist.asr.service import AsrService
from consult_assist.asr.sizing import WorkerPlan, available_cpus, plan_workers
from consult_assist.asr.vad import SileroVad, SpeechDetector
from consult_assist.asr.whisper import pick_device
from consult_assist.audio.calls import CallHandle
from consult_assist.config import ServerConfig, is_loopback, sip_rtp_range, store_location
from consult_assist.errors import ConfigError
from consult_assist.hub.auth import FileTokens, TokenBook, TokenSource, default_tokens_path
from consult_assist.hub.hub import Hub
from consult_assist.hub.limits import ConnectionLimits
from consult_assist.hub.metrics import MetricsServer, NodeMetrics, parse_listen
from consult_assist.hub.retention import DAY_S, run_retention
from consult_assist.hub.shutdown import Shutdown
from consult_assist.hub.similar_calls import SimilarCalls
from consult_assist.hub.store import Store, default_db_path, is_postgres_url

if TYPE_CHECKING:
    from consult_assist.hub.cluster import Cluster
from consult_assist.hub.store_open import open_store
from consult_assist.hub.tokenwatch import TokenWatcher
from consult_assist.hub.wsserver import serve_hub
from consult_assist.knowledge.engine import KnowledgeEngine
from consult_assist.knowledge.manual import load_manual
from consult_assist.knowledge.reload import ReloadResult, snapshot, watch_manuals
from consult_assist.pipeline import Knowledge
from consult_assist.risk.feed import RiskFeed, WithRisk
from consult_assist.risk.model import RiskModel
from consult_assist.risk.riskfile import RISK_FILE
from consult_assist.risk.sheet_reload import reload_risk
from consult_assist.sip.admission import AdmissionOptions, parse_networks
from consult_assist.sip.advertise import advertise_address, is_wildcard
from consult_assist.sip.digest import DigestOptions
from consult_assist.sip.server import SipConfig, SipServer, read_digest_file

__all__ = ["RunningServer", "run_server", "speech_plan", "tls_context", "token_source"]

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
    sip_tls: str | None = None
    """Where SIP over TLS is answered (HOST:PORT), or None without it."""
    sip_server: SipServer | None = None
    speech: str = ""
    """How speech is decoded: the workers, their threads and batches (a start-up line)."""
    service: AsrService | None = None
    node: str = ""
    """This node's name in a shared store ("" on a single SQLite node)."""
    metrics: str | None = None
    """Where Prometheus scrapes this node (``http://HOST:PORT/metrics``), or None."""
    shutdown: Shutdown | None = None
    """``shutdown.drain.set()`` drains like SIGTERM; ``shutdown.stop.set()`` stops."""


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
    return _server_context(config.tls_cert, config.tls_key)


def _server_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(cert, key)
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
    retention_interval_s: float = DAY_S,
    instrument: Callable[[Store, KnowledgeEngine], tuple[Store, Knowledge]] | None = None,
    plan: WorkerPlan | None = None,
) -> None:
    """Run the server until ``stop`` is set, SIGINT arrives, or SIGTERM has drained it (see
    ``shutdown.py``); then end the calls still live cleanly.

    With ``retention_days``, calls past it are deleted at start and every
    ``retention_interval_s`` (a day) after. ``instrument`` (benchmarks) may wrap the store and
    the knowledge engine the hub uses, e.g. to time them. ``plan`` sizes the decode workers and
    batches (default: from ``config.workers`` on the CPU; the CLI plans for the device the
    model loads on, see :func:`speech_plan`). On a stop, the audio already received is
    transcribed for ``config.drain_s`` at most.
    """
    if not config.log_content:
        # websockets logs whole frames at DEBUG: tokens and callers' words. Keep it above that.
        ws_log = logging.getLogger("websockets")
        ws_log.setLevel(max(logging.INFO, ws_log.getEffectiveLevel()))
    sip = _sip_plan(config)  # a bad --sip (address, digest file, certificate) fails early
    _port_free(config.host, config.port, "--port")  # and a port in use too
    location = store_location(config, default_db_path())
    node = config.node or (socket.gethostname() if is_postgres_url(location) else "")
    store = open_store(
        location,
        node=node,
        synchronous=config.synchronous.upper(),
        key_file=config.store_key_file,
        verify=True,
        connections=config.store_connections,
    )
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
    manuals = config.manuals or paths.default_manuals_dir()
    # The files as they stand before they are read: an edit made while the server starts
    # is then seen by the watcher as a change, not taken as its baseline.
    manual_files = snapshot(manuals, (RISK_FILE,))
    engine = KnowledgeEngine(load_manual(manuals))
    model = transcriber if not callable(transcriber) else await asyncio.to_thread(transcriber)
    plan = plan or plan_workers("cpu", workers=config.workers, cpus=available_cpus())
    service = AsrService(
        model, workers=plan.workers, scheduler=SchedulerOptions(max_batch=plan.max_batch)
    )
    hub_store, knowledge = (store, engine) if instrument is None else instrument(store, engine)
    similar: SimilarCalls | None = None
    risk_feed: RiskFeed | None = None
    if RiskModel.available(manuals):
        risk_model = RiskModel.load(manuals, engine.base.manual)
        similar = SimilarCalls(store, risk_model.label)
        similar.load()
        risk_feed = RiskFeed(risk_model, similar, similar.call_ended)
        knowledge = WithRisk(knowledge, risk_feed)
    hub = Hub(
        hub_store,
        service,
        knowledge,
        options_for=options_for or (lambda rate: RecognizerOptions()),
        detector_factory=detector_factory,
        log_content=config.log_content,
        outbox_limit=config.store_queue,
        max_live=config.max_live_sessions,
    )
    # Limits given by the caller (tests, benchmarks) win over the configured ones.
    limits = limits or ConnectionLimits(
        max_audio_speed=config.max_audio_speed,
        max_sessions_per_token=config.max_sessions_per_token,
    )
    shutdown = Shutdown(stop)
    shutdown.install()
    checks: list[Callable[[], object]] = []  # the token watcher's check, once it exists
    try:
        cluster = await _join(hub, store, config, lambda: [check() for check in checks])
    except BaseException:
        shutdown.remove()
        await store.aclose()
        raise
    context = tls_context(config)
    reloads: set[asyncio.Task[bool]] = set()

    def manual_reloaded(result: ReloadResult) -> None:
        # The risk sheet reads the manual's 聞くこと lines: it follows every good reload.
        if result.reloaded and risk_feed is not None:
            task = asyncio.get_running_loop().create_task(
                reload_risk(risk_feed, manuals, result.manual)
            )
            reloads.add(task)
            task.add_done_callback(reloads.discard)

    watcher = asyncio.create_task(
        watch_manuals(
            manuals,
            engine,
            on_result=manual_reloaded,
            also=(RISK_FILE,),
            loaded=manual_files,
        )
    )
    keeping: asyncio.Task[None] | None = None
    if config.retention_days:
        keeping = asyncio.create_task(
            run_retention(
                store,
                config.retention_days,
                live=hub.carries,
                interval_s=retention_interval_s,
            )
        )
    sip_server: SipServer | None = None
    metrics_server: MetricsServer | None = None
    service.start()
    try:
        server = await serve_hub(
            hub, tokens, host=config.host, port=config.port, ssl_context=context, limits=limits
        )
    except OSError as exc:
        await service.close()
        if cluster is not None:
            await cluster.stop(release=True)
        shutdown.remove()
        await store.aclose()
        watcher.cancel()
        if keeping is not None:
            keeping.cancel()
        raise _in_use(config.host, config.port, "--port", exc) from None
    server.health = lambda: (503, "draining\n") if hub.draining else (200, "ok\n")
    token_watcher = TokenWatcher(source, server.apply_tokens)
    checks.append(token_watcher.check)
    watching_tokens = asyncio.create_task(token_watcher.run())
    try:
        port = server.port
        scheme = "wss" if context is not None else "ws"
        host = f"[{config.host}]" if ":" in config.host else config.host
        running = RunningServer(
            f"{scheme}://{host}:{port}/",
            hub,
            source.where,
            store.location,
            token_watcher,
            speech=plan.describe(),
            service=service,
        )
        running.node, running.shutdown = node, shutdown
        if sip is not None:
            try:
                sip_server = await _start_sip(hub, sip, lambda: server.tokens)
            except OSError as exc:
                raise _in_use(sip.host_text, sip.port, "--sip", exc) from None
            if sip.config.transports:
                running.sip = f"{sip.host_text}:{sip_server.port}"
            if sip_server.tls_port is not None:
                running.sip_tls = f"{sip.host_text}:{sip_server.tls_port}"
            running.sip_advertised = sip.advertised
            running.sip_server = sip_server
        if cluster is not None:
            sip_text = f" sip:{running.sip_advertised}" if running.sip_advertised else ""
            cluster.lease.address = running.url + sip_text
        if config.metrics is not None:
            metrics_server = MetricsServer(NodeMetrics(hub, service=service, cluster=cluster))
            await metrics_server.start(*parse_listen(config.metrics))
            m_host, _ = parse_listen(config.metrics)
            m_host = f"[{m_host}]" if ":" in m_host else m_host
            running.metrics = f"http://{m_host}:{metrics_server.port}/metrics"
        log.info("serving on %s (store %s, manuals %s)", running.url, store.location, manuals)
        log.info("speech: %s", running.speech)
        if ready is not None:
            result = ready(running)
            if asyncio.iscoroutine(result):
                await result
        await shutdown.wait(hub, config.drain_calls_s)
        log.info("stopping: ending live calls (transcribing for %.0f s at most)", config.drain_s)
    finally:
        if sip_server is not None:
            await sip_server.close()
        await hub.close("shutdown", drain_s=config.drain_s)
        if cluster is not None:
            # After the calls' ends are stored: a node that releases its lease is not lost.
            await cluster.stop(release=True)
        if metrics_server is not None:
            await metrics_server.close()
        await server.close()
        for task in (watcher, watching_tokens, keeping):
            if task is None:
                continue
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
        await service.close()
        await store.aclose()
        shutdown.remove()


async def _join(
    hub: Hub, store: Store, config: ServerConfig, tokens_changed: Callable[[], object]
) -> Cluster | None:
    """On a single node, end its calls a crash left open; on PostgreSQL, join the others."""
    if not is_postgres_url(store_location(config, default_db_path())):
        for ended in await store.recover():
            log.warning("[%s] recovered after a crash: marked %s", ended.session, ended.reason)
        return None
    from consult_assist.hub.cluster import Cluster  # lazy: psycopg
    from consult_assist.hub.node_lease import LeaseOptions  # lazy: psycopg
    from consult_assist.hub.postgres_store import PostgresStore  # lazy: psycopg

    assert isinstance(store, PostgresStore)
    cluster = Cluster(
        hub,
        store,
        node=store.node,
        lease=LeaseOptions(lease_s=config.lease_s, renew_s=config.lease_renew_s),
        on_tokens=tokens_changed,
    )
    await cluster.start()
    return cluster


class _SipSink:
    """SIP calls open sessions owned by the handler the caller dialled (the Request-URI user).

    A PBX routes a handler's extension (``sip:sato@server``) to the server; the SIP edge
    refuses (404) a call for any name that is not a handler's, so no call belongs to nobody.
    A SIPREC recorder is configured to send each extension's recordings to that extension.
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
class _SipPlan:
    host_text: str
    """The host as written (``0.0.0.0``, ``[::]``)."""
    host: str
    port: int
    """The UDP/TCP port (unused when ``config.transports`` is empty: TLS only)."""
    advertised: str
    config: SipConfig
    tls: ssl.SSLContext | None


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


def _host_port(value: str, flag: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ConfigError(f"{flag} wants HOST:PORT, not {value!r}")
    return host, int(port)


def _sip_plan(config: ServerConfig) -> _SipPlan | None:
    """Everything the SIP edge needs from ``config``, checked (None without SIP)."""
    if not config.sip and not config.sip_tls:
        return None
    host_text, port = _host_port(config.sip, "--sip") if config.sip else ("", 0)
    tls_port = None
    if config.sip_tls:
        tls_host, tls_port = _host_port(config.sip_tls, "--sip-tls")
        if config.sip and tls_host != host_text:
            raise ConfigError(f"--sip and --sip-tls must use the same host ({host_text})")
        host_text = tls_host
    advertised = advertise_address(host_text, config.sip_advertise)
    if advertised is None:
        raise ConfigError(
            f"SIP on the wildcard address {host_text} must tell callers one address to reach "
            "it and this machine has no outward network address: give --sip-advertise HOST"
        )
    allow = parse_networks(config.sip_allow)
    host = host_text.strip("[]")
    if (is_wildcard(host) or not is_loopback(host)) and all(n.is_loopback for n in allow):
        log.warning(
            "SIP listens on %s but sip_allow trusts this machine only: no PBX can call in. "
            "Add the PBX trunk's address with --sip-allow",
            host_text,
        )
    digest = None
    if config.sip_digest_file is not None:
        digest = DigestOptions(
            read_digest_file(config.sip_digest_file),
            realm=config.sip_realm,
            algorithms=tuple(
                a.strip().upper() for a in config.sip_digest_algorithms.split(",") if a.strip()
            ),
        )
    tls = None
    if tls_port is not None:
        cert = config.sip_tls_cert or config.tls_cert
        key = config.sip_tls_key or config.tls_key
        assert cert is not None and key is not None  # checked by load_server_config
        tls = _server_context(cert, key)
    sip_config = SipConfig(
        advertise_host=advertised,
        transports=("udp", "tcp") if config.sip else (),
        tls_port=tls_port,
        rtp_ports=sip_rtp_range(config),
        rtp_timeout_s=config.sip_media_timeout_s,
        admission=AdmissionOptions(
            allow=allow,
            invites_per_s=config.sip_invite_rate,
            calls_per_source=config.sip_calls_per_source,
            max_calls=config.sip_max_calls,
        ),
        digest=digest,
        srtp=config.sip_srtp,
        tcp_idle_s=config.sip_tcp_idle_s,
        connections_per_source=config.sip_connections_per_source,
        max_connections=_within_fd_limit(config.sip_max_connections),
        log_content=config.log_content,
    )
    return _SipPlan(host_text, host, port, advertised, sip_config, tls)


def _within_fd_limit(wanted: int) -> int:
    """SIP connections may use at most a quarter of the file descriptors this process has."""
    try:
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (OSError, ValueError):
        return wanted
    if soft == resource.RLIM_INFINITY or wanted <= soft // 4:
        return wanted
    allowed = max(1, soft // 4)
    log.warning(
        "sip_max_connections %d lowered to %d: the process may open %d files (ulimit -n) and "
        "calls, clients and the store need the rest",
        wanted,
        allowed,
        soft,
    )
    return allowed


def _is_handler(tokens: TokenBook, name: str) -> bool:
    """Whether ``name`` is a handler's extension (SIP calls are only taken for handlers)."""
    return any(e.name == name and e.role == "handler" for e in tokens.entries)


async def _start_sip(hub: Hub, plan: _SipPlan, tokens: Callable[[], TokenBook]) -> SipServer:
    """Start the SIP user agent server (UDP and TCP, and/or TLS) feeding ``hub``."""
    server = SipServer(
        _SipSink(hub),
        plan.host,
        plan.port,
        config=plan.config,
        tls=plan.tls,
        extension_known=lambda name: _is_handler(tokens(), name),
    )
    await server.start()
    return server
