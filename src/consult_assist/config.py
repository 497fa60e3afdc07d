"""Server configuration: defaults < a TOML file < ``CONSULT_ASSIST_*`` variables < flags.

Every key of :class:`ServerConfig` can be set in all three places under the same name (``tls_cert``
in TOML, ``CONSULT_ASSIST_TLS_CERT`` in the environment, ``--tls-cert`` on the command line);
the later source wins.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from consult_assist.errors import ConfigError

__all__ = [
    "ServerConfig",
    "is_loopback",
    "load_server_config",
    "sip_rtp_range",
    "store_location",
]


@dataclass(frozen=True, kw_only=True)
class ServerConfig:
    """Everything ``consult-assist serve`` needs; units are in the field docs."""

    host: str = "127.0.0.1"
    """Address to listen on. Anything but loopback needs TLS (or ``insecure``)."""
    port: int = 8765
    """Websocket port (0 picks a free one)."""
    tls_cert: Path | None = None
    """PEM certificate chain; with ``tls_key`` the server speaks wss://."""
    tls_key: Path | None = None
    """PEM private key of ``tls_cert``."""
    insecure: bool = False
    """Allow a non-loopback address without TLS (e.g. behind a TLS-terminating proxy)."""
    tokens: Path | None = None
    """Tokens file (default: <data dir>/tokens.json)."""
    db: Path | None = None
    """SQLite store (default: <data dir>/consult-assist.db). ``store`` names any store."""
    store: str | None = None
    """The store: a SQLite file path or a ``postgresql://user@host/db`` URL (default: ``db``).
    With PostgreSQL the tokens live in the store, not in ``tokens``."""
    node: str | None = None
    """This node's name in a shared store (default: the host name); the calls it carries are
    marked with it, and only its own are ended as interrupted when it restarts."""
    store_key_file: Path | None = None
    """A SQLite store is encrypted (SQLCipher) with the key in this file (mode 0600). Keep a
    copy of the key apart from the backups: without it the store cannot be read."""
    retention_days: int = 0
    """Calls (training calls too) that ended more than this many days ago are deleted, once
    a day while the server runs; 0 keeps every call. Never a live call."""
    store_queue: int = 2000
    """Events one call may hold while the store is unavailable; past it the call is ended."""
    store_connections: int = 4
    """With PostgreSQL: write connections this node keeps to the store (1-64). Each call's
    events always go through the same one, so up to this many calls commit at once; each is a
    PostgreSQL backend (count them in ``max_connections``). A SQLite store ignores it."""
    lease_s: float = 10.0
    """With PostgreSQL: a node that has not renewed its lease for this many seconds is declared
    lost, and another node ends its calls (``node_lost``). At least twice ``lease_renew_s``."""
    lease_renew_s: float = 2.5
    """With PostgreSQL: seconds between lease renewals (and looks for lost nodes)."""
    drain_calls_s: float = 120.0
    """On SIGTERM the node takes no new call (websocket ``draining``, SIP 503) and waits this many
    seconds at most for the calls it carries to end; then it ends them (``shutdown``) and stops.
    A second SIGTERM, or SIGINT, stops at once."""
    metrics: str | None = None
    """HOST:PORT to serve Prometheus metrics on (``/metrics``), or None for none."""
    manuals: Path | None = None
    """Manuals folder (default: ./manuals or the checkout's); watched and reloaded on change."""
    model: str = "whisper-base"
    """Speech model: whisper-base, a CTranslate2 directory, or a faster-whisper model name."""
    device: str = "auto"
    """auto, cpu or cuda."""
    compute_type: str = "default"
    """CTranslate2 compute type (default: int8 on CPU, float16 on CUDA)."""
    workers: int = 0
    """Decode workers sharing the model; 0 (``auto``) sizes them to the machine: one per four
    cores on a CPU (one on 2 cores, every core on its batches), two on a GPU."""
    max_live_sessions: int = 64
    """Live calls the server carries at once (any source); past it a new call is refused."""
    max_sessions_per_token: int = 4
    """Live sessions one token may stream at once (0: no limit)."""
    max_audio_speed: float = 1.2
    """Audio per session may arrive at most this many times faster than real time on average
    (with a 10 s burst); the excess is dropped and the sender told."""
    drain_s: float = 10.0
    """On SIGTERM, seconds the server keeps transcribing the audio it already has; past it the
    remaining finals become errors and it stops (plus at most the batch being computed)."""
    sip: str | None = None
    """HOST:PORT to answer SIP calls on (UDP and TCP), or None for no SIP."""
    sip_advertise: str | None = None
    """Address put in SIP Contact/Via and SDP, where peers reach us. Default: the SIP host, or
    for a wildcard host (0.0.0.0, ::) this machine's outward interface address."""
    sip_allow: str = "127.0.0.0/8,::1"
    """Addresses or networks (CIDR, comma-separated) SIP is served to: the PBX trunk, the
    SIPREC recorder. Anything else gets 403 and never a call. Default: this machine only."""
    sip_digest_file: Path | None = None
    """``user:password`` lines (mode 0600): new INVITEs must then carry digest credentials."""
    sip_digest_algorithms: str = "SHA-256,MD5"
    """Digest algorithms offered, most preferred first (``SHA-256`` alone refuses MD5)."""
    sip_realm: str = "consult-assist"
    """The digest realm (what the PBX's trunk settings call the realm)."""
    sip_tls: str | None = None
    """HOST:PORT to answer SIP over TLS on (5061 by convention), or None for no TLS."""
    sip_tls_cert: Path | None = None
    """PEM certificate for SIP/TLS (default: ``tls_cert``)."""
    sip_tls_key: Path | None = None
    """PEM private key for SIP/TLS (default: ``tls_key``)."""
    sip_srtp: str = "optional"
    """``optional``: SRTP (SDES) when a SIP/TLS peer offers it; ``required``: SRTP over TLS only,
    every other call refused."""
    sip_rtp_ports: str = "20000-29999"
    """LOW-HIGH: the UDP ports RTP is received on (each call's taken at random)."""
    sip_max_calls: int = 64
    """Concurrent SIP calls in total; more get 503 with Retry-After."""
    sip_calls_per_source: int = 16
    """Concurrent SIP calls from one address; more get 486 Busy Here."""
    sip_invite_rate: float = 5.0
    """New INVITEs per second from one address (bursts of twice that); more get 503."""
    sip_media_timeout_s: float = 20.0
    """A call whose audio over this many seconds is under a quarter of real time (stopped or
    trickling RTP) is hung up."""
    sip_tcp_idle_s: float = 120.0
    """A SIP/TCP or TLS connection that carries no call and is silent this long is closed."""
    sip_connections_per_source: int = 16
    """Concurrent SIP/TCP and TLS connections from one address."""
    sip_max_connections: int = 256
    """Concurrent SIP/TCP and TLS connections in total (keep it well under ``ulimit -n``)."""
    log_content: bool = False
    """Log transcript text (personal data!) at INFO; off unless asked for explicitly."""
    synchronous: str = "NORMAL"
    """SQLite synchronous mode: NORMAL survives a killed process, FULL also a power cut."""


_BOOLS = {"insecure", "log_content"}
_INTS = {
    "port",
    "retention_days",
    "workers",
    "store_queue",
    "store_connections",
    "sip_max_calls",
    "sip_calls_per_source",
    "sip_connections_per_source",
    "sip_max_connections",
    "max_live_sessions",
    "max_sessions_per_token",
}
_FLOATS = {"sip_invite_rate", "sip_media_timeout_s", "sip_tcp_idle_s", "max_audio_speed", "drain_s"}
_FLOATS |= {"lease_s", "lease_renew_s", "drain_calls_s"}
_PATHS = {"tls_cert", "tls_key", "tokens", "db", "manuals", "sip_digest_file"}
_PATHS |= {"sip_tls_cert", "sip_tls_key", "store_key_file"}


def _coerce(key: str, value: Any, where: str) -> Any:
    if value is None:
        return None
    try:
        if key in _BOOLS:
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off", ""):
                return False
            raise ValueError(f"{value!r} is not true or false")
        if key == "workers" and str(value).strip().lower() == "auto":
            return 0
        if key in _INTS:
            if isinstance(value, bool):
                raise ValueError("a number is expected")
            return int(value)
        if key in _FLOATS:
            if isinstance(value, bool):
                raise ValueError("a number is expected")
            return float(value)
        if key in _PATHS:
            return Path(str(value)).expanduser()
        if key == "sip_allow" and isinstance(value, list):
            return ",".join(str(v) for v in value)  # TOML may list the networks
        return str(value)
    except ValueError as exc:
        raise ConfigError(f"{where}: {key}: {exc}") from None


def load_server_config(
    *,
    file: Path | None = None,
    env: Mapping[str, str] | None = None,
    flags: Mapping[str, Any] | None = None,
) -> ServerConfig:
    """Merge defaults < TOML ``file`` < environment < ``flags`` (None values are "not given")."""
    names = {f.name for f in dataclasses.fields(ServerConfig)}
    values: dict[str, Any] = {}
    if file is not None:
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"cannot read the config file {file}: {exc.strerror}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{file}: not valid TOML ({exc})") from None
        table = data.get("server", data)
        for key, value in table.items():
            if key not in names:
                raise ConfigError(
                    f"{file}: unknown key {key!r} (known: {', '.join(sorted(names))})"
                )
            values[key] = _coerce(key, value, str(file))
    environ = os.environ if env is None else env
    for key in names:
        raw = environ.get(f"CONSULT_ASSIST_{key.upper()}")
        if raw is not None and raw != "":
            values[key] = _coerce(key, raw, f"CONSULT_ASSIST_{key.upper()}")
    for key, value in (flags or {}).items():
        if key in names and value is not None and value is not False:
            values[key] = _coerce(key, value, f"--{key.replace('_', '-')}")
    config = ServerConfig(**values)
    _validate(config)
    return config


def is_loopback(host: str) -> bool:
    """Whether ``host`` only listens on this machine."""
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _validate(config: ServerConfig) -> None:
    if not 0 <= config.port <= 65535:
        raise ConfigError(f"port {config.port} is not a TCP port (0-65535)")
    if (config.tls_cert is None) != (config.tls_key is None):
        raise ConfigError("give both --tls-cert and --tls-key, or neither")
    for path in (config.tls_cert, config.tls_key):
        if path is not None and not path.is_file():
            raise ConfigError(f"{path}: no such file")
    if config.tls_cert is None and not config.insecure and not is_loopback(config.host):
        raise ConfigError(
            f"refusing to listen on {config.host} without TLS: callers' words would cross the "
            "network unencrypted. Give --tls-cert and --tls-key, or --insecure if a TLS proxy "
            "in front of this server encrypts the connections"
        )
    if config.workers < 0:
        raise ConfigError("workers must be auto (0) or at least 1")
    if config.max_live_sessions < 1 or config.max_sessions_per_token < 0:
        raise ConfigError("max_live_sessions must be at least 1, max_sessions_per_token >= 0")
    if config.max_audio_speed < 1.0:
        raise ConfigError("max_audio_speed must be at least 1 (real time)")
    if config.drain_s < 0:
        raise ConfigError("drain_s must not be negative")
    if config.store is not None and config.db is not None:
        raise ConfigError("give --store or --db, not both (--store also takes a SQLite path)")
    if config.retention_days < 0:
        raise ConfigError("retention_days must be 0 (keep every call) or more")
    if config.store_key_file is not None and not config.store_key_file.is_file():
        raise ConfigError(f"{config.store_key_file}: no such file (store_key_file)")
    if config.store_queue < 1:
        raise ConfigError("store_queue must be at least 1")
    if not 1 <= config.store_connections <= 64:
        raise ConfigError("store_connections must be between 1 and 64")
    if config.synchronous.upper() not in ("NORMAL", "FULL"):
        raise ConfigError("synchronous must be NORMAL or FULL")
    if not config.lease_renew_s > 0 or config.lease_s < 2 * config.lease_renew_s:
        raise ConfigError("lease_s must be at least twice lease_renew_s, which must be above 0")
    if config.drain_calls_s < 0:
        raise ConfigError("drain_calls_s must not be negative")
    if config.metrics is not None:
        host, _, port = config.metrics.rpartition(":")
        if not host or not port.isdigit() or not 0 <= int(port) <= 65535:
            raise ConfigError(
                f"metrics wants HOST:PORT (e.g. 127.0.0.1:9464), not {config.metrics!r}"
            )
    _validate_sip(config)


def sip_rtp_range(config: ServerConfig) -> tuple[int, int]:
    """``sip_rtp_ports`` as (low, high); :class:`ConfigError` when it is not LOW-HIGH."""
    low, sep, high = config.sip_rtp_ports.partition("-")
    if not sep or not low.strip().isdigit() or not high.strip().isdigit():
        raise ConfigError(f"sip_rtp_ports wants LOW-HIGH (e.g. 20000-29999), not {low}{sep}{high}")
    lo, hi = int(low), int(high)
    if not 1024 <= lo < hi <= 65535:
        raise ConfigError(f"sip_rtp_ports {lo}-{hi}: need 1024 <= LOW < HIGH <= 65535")
    return lo, hi


def _validate_sip(config: ServerConfig) -> None:
    for item in config.sip_allow.split(","):
        try:
            if item.strip():
                ipaddress.ip_network(item.strip().replace("[", "").replace("]", ""), strict=False)
        except ValueError:
            raise ConfigError(
                f"sip_allow: {item.strip()!r} is not an address or a network (e.g. 192.0.2.0/24)"
            ) from None
    sip_rtp_range(config)
    for name in ("sip_max_calls", "sip_calls_per_source"):
        if getattr(config, name) < 1:
            raise ConfigError(f"{name} must be at least 1")
    for name in ("sip_connections_per_source", "sip_max_connections"):
        if getattr(config, name) < 1:
            raise ConfigError(f"{name} must be at least 1")
    for name in ("sip_invite_rate", "sip_media_timeout_s", "sip_tcp_idle_s"):
        if not getattr(config, name) > 0:
            raise ConfigError(f"{name} must be more than 0")
    algorithms = [a.strip().upper() for a in config.sip_digest_algorithms.split(",") if a.strip()]
    if not algorithms or any(a not in ("SHA-256", "MD5") for a in algorithms):
        raise ConfigError("sip_digest_algorithms: choose from SHA-256 and MD5 (e.g. SHA-256,MD5)")
    if config.sip_digest_file is not None and not config.sip_digest_file.is_file():
        raise ConfigError(f"{config.sip_digest_file}: no such file (sip_digest_file)")
    if config.sip_srtp not in ("optional", "required"):
        raise ConfigError("sip_srtp must be optional or required")
    if config.sip_srtp == "required" and not config.sip_tls:
        raise ConfigError("sip_srtp = required needs SIP over TLS (--sip-tls HOST:PORT)")
    if (config.sip_tls_cert is None) != (config.sip_tls_key is None):
        raise ConfigError("give both --sip-tls-cert and --sip-tls-key, or neither")
    for path in (config.sip_tls_cert, config.sip_tls_key):
        if path is not None and not path.is_file():
            raise ConfigError(f"{path}: no such file")
    if config.sip_tls and (config.sip_tls_cert or config.tls_cert) is None:
        raise ConfigError(
            "SIP over TLS needs a certificate: give --sip-tls-cert and --sip-tls-key "
            "(or --tls-cert and --tls-key, shared with the websocket server)"
        )


def store_location(config: ServerConfig, default: Path) -> str | Path:
    """Where the store is: ``store`` (a path or a URL), else ``db``, else ``default``."""
    if config.store:
        return config.store if "://" in config.store else Path(config.store).expanduser()
    return config.db or default
