"""The server and its files: ``serve``, ``records list|export``, ``replay``; and the routing of
``tokens …`` and ``store …`` (in ``storage.py``).

``serve`` merges its settings (defaults < ``--config`` TOML < ``CONSULT_ASSIST_*`` < flags)
into one :class:`~consult_assist.config.ServerConfig`; the speech model's options are built
from that config, never written back into the parsed flags.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import ssl
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TextIO

from rich.cells import cell_len

from consult_assist import paths
from consult_assist.asr.options import ModelOptions, StreamOptions, load_transcriber
from consult_assist.cli.client_tls import client_ssl_context
from consult_assist.cli.credentials import client_token
from consult_assist.cli.output import install_progress
from consult_assist.cli.recognition import model_options, stream_options
from consult_assist.cli.recordkeeping import (
    log_cli_access,
    parse_since,
    records_audit,
    records_purge,
)
from consult_assist.cli.storage import (
    opened_store,
    store_copy,
    store_migrate,
    token_source,
    tokens_add,
    tokens_list,
    tokens_revoke,
)
from consult_assist.config import ServerConfig, load_server_config
from consult_assist.errors import AuthError, ConfigError, ConsultAssistError, ProtocolError
from consult_assist.hub.client import ConnectionState, WebSocketHubClient, server_urls
from consult_assist.hub.record_markdown import render_markdown
from consult_assist.hub.records import build_record, record_to_json
from consult_assist.hub.replay import replay_file
from consult_assist.hub.serve import RunningServer, run_server, speech_plan
from consult_assist.hub.store import SessionRow
from consult_assist.knowledge.manual import load_manual
from consult_assist.labels import end_reason_label, kind_label, local_time

__all__ = [
    "RecordsQuery",
    "ReplayOptions",
    "ServeOptions",
    "records_export",
    "records_list",
    "replay",
    "run",
    "serve",
    "server_config",
]

SERVER_KEYS = (
    "host",
    "port",
    "tls_cert",
    "tls_key",
    "insecure",
    "tokens",
    "db",
    "store",
    "node",
    "store_key_file",
    "retention_days",
    "store_connections",
    "lease_s",
    "lease_renew_s",
    "drain_calls_s",
    "metrics",
    "manuals",
    "model",
    "device",
    "compute_type",
    "workers",
    "max_live_sessions",
    "max_sessions_per_token",
    "max_audio_speed",
    "drain_s",
    "sip",
    "sip_advertise",
    "sip_allow",
    "sip_digest_file",
    "sip_digest_algorithms",
    "sip_realm",
    "sip_tls",
    "sip_tls_cert",
    "sip_tls_key",
    "sip_srtp",
    "sip_rtp_ports",
    "sip_max_calls",
    "sip_calls_per_source",
    "sip_invite_rate",
    "sip_media_timeout_s",
    "sip_tcp_idle_s",
    "sip_connections_per_source",
    "sip_max_connections",
    "log_content",
)
"""The ``serve`` flags that are :class:`ServerConfig` keys (same name in TOML and env)."""


# -- serve -------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ServeOptions:
    """``consult-assist serve``: the merged server settings, model and streaming options."""

    config: ServerConfig
    model: ModelOptions
    """The model options (``model``, ``device``, ``compute_type`` as in ``config``)."""
    stream: StreamOptions = field(default_factory=StreamOptions)


def server_config(args: argparse.Namespace) -> ServerConfig:
    """Defaults < --config TOML < CONSULT_ASSIST_* < flags."""
    flags = {key: getattr(args, key, None) for key in SERVER_KEYS}
    return load_server_config(file=args.config, flags=flags)


def serve(options: ServeOptions, out: TextIO) -> int:
    """Run the server until Ctrl-C or SIGTERM."""
    config = options.config

    def ready(running: RunningServer) -> None:
        out.write(f"consult-assist: serving on {running.url}\n")
        out.write(f"  store:  {running.db}\n  tokens: {running.tokens}\n")
        out.write(f"  speech: {running.speech}\n")
        if running.sip:
            advertised = ""
            bound = running.sip.rpartition(":")[0].strip("[]")
            if running.sip_advertised and running.sip_advertised != bound:
                advertised = f", advertised as {running.sip_advertised}"
            out.write(f"  SIP:    {running.sip} (UDP and TCP{advertised})\n")
        if running.sip_tls:
            out.write(f"  SIP:    {running.sip_tls} (TLS)\n")
        out.write("  stop with Ctrl-C\n")
        out.flush()

    plan = speech_plan(config, threads=options.model.threads)
    model = dataclasses.replace(options.model, threads=plan.threads)
    asyncio.run(
        run_server(
            config,
            transcriber=lambda: load_transcriber(
                model,
                num_workers=plan.workers,
                progress=install_progress(),
                warm_up=plan.max_batch,
            ),
            options_for=options.stream.recognizer_options,
            ready=ready,
            plan=plan,
        )
    )
    return 0


# -- records -----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RecordsQuery:
    """``records list``: which calls to list."""

    since: str = ""
    """ISO 8601 time (with its offset): calls started at or after it."""
    handler: str = ""
    """Calls of this handler (owner, or whoever started them)."""
    search: str = ""
    """Words in the transcript or the notes."""
    limit: int = 50


_HEADER = ("セッション", "開始", "種別", "対応者", "通話時間", "件数", "終了")


def records_list(
    db: Path | None,
    out: TextIO,
    *,
    query: RecordsQuery | None = None,
    as_json: bool = False,
    store: str | None = None,
    key_file: Path | None = None,
) -> int:
    """The recorded calls, newest first, under a header (times in the local zone)."""
    query = query or RecordsQuery()
    with opened_store(store, db, key_file=key_file) as opened:
        if query.search and not getattr(opened, "indexed", True):
            print(
                "consult-assist: this Python's SQLite has no FTS5: searching the calls without "
                "an index (slower on a large store)",
                file=sys.stderr,
            )
        rows = opened.search(
            since=query.since, owner=query.handler, text=query.search, limit=query.limit
        )
    if as_json:
        out.write(json.dumps([r.to_dict() for r in rows], ensure_ascii=False, indent=2) + "\n")
        return 0
    if not rows:
        narrowed = query.since or query.handler or query.search
        out.write("no calls match\n" if narrowed else "no calls recorded yet\n")
        return 0
    table = [list(_HEADER)] + [_record_row(row) for row in rows]
    widths = [max(cell_len(line[i]) for line in table) for i in range(len(_HEADER))]
    for line in table:
        cells = [_pad(cell, widths[i], right=i in (4, 5)) for i, cell in enumerate(line[:-1])]
        out.write("  ".join([*cells, line[-1]]).rstrip() + "\n")
    return 0


def _record_row(row: SessionRow) -> list[str]:
    start = local_time(row.started_at)
    when = f"{start:%Y-%m-%d %H:%M}" if start else row.started_at[:16]
    duration = "通話中" if row.live else f"{(row.duration_s or 0.0) / 60:.1f} 分"
    reason = end_reason_label(row.end_reason) if row.end_reason else ""
    return [
        row.id,
        when,
        kind_label(row.training),
        row.owner or "-",
        duration,
        str(row.last_seq),
        reason,
    ]


def _pad(text: str, width: int, *, right: bool = False) -> str:
    room = " " * max(0, width - cell_len(text))
    return room + text if right else text + room


def records_export(
    db: Path | None,
    session: str,
    out: TextIO,
    *,
    fmt: Literal["md", "json"] = "md",
    output: Path | None = None,
    store: str | None = None,
    key_file: Path | None = None,
) -> int:
    """The record draft of one call (a unique prefix of its id is enough); file mode 0600."""
    with opened_store(store, db, key_file=key_file) as opened:
        row = opened.find(session)
        events = opened.events(row.id)
        log_cli_access(opened, "export", row.id, f"{fmt} to {output or 'stdout'}")
    record = build_record(events)
    if fmt == "json":
        text = json.dumps(record_to_json(record, events), ensure_ascii=False, indent=2) + "\n"
    else:
        text = render_markdown(record, titles=_section_titles())
    if output is not None:
        if not output.parent.is_dir():
            raise ConfigError(
                f"cannot write {output}: the folder {output.parent} does not exist "
                "(create it first, or give another -o)"
            )
        try:
            paths.write_private_text(output, text)
        except OSError as exc:
            raise ConfigError(f"cannot write {output}: {exc.strerror or exc}") from None
        print(f"consult-assist: wrote {output} (readable by you only)", file=sys.stderr)
    else:
        out.write(text)
    return 0


def _section_titles() -> dict[str, str]:
    """Section titles of the local manuals, if any (records name sections by title)."""
    try:
        manual = load_manual(paths.default_manuals_dir())
    except ConsultAssistError:
        return {}
    return {s.id: s.title for s in manual.sections}


def _records(args: argparse.Namespace, out: TextIO) -> int:
    key_file = args.store_key_file or _env_path("STORE_KEY_FILE")
    if args.records_command == "list":
        query = RecordsQuery(
            since=parse_since(args.since).isoformat() if args.since else "",
            handler=args.handler or "",
            search=args.search or "",
            limit=args.limit,
        )
        return records_list(
            args.db, out, query=query, as_json=args.json, store=args.store, key_file=key_file
        )
    if args.records_command == "export":
        return records_export(
            args.db,
            args.session,
            out,
            fmt=args.format,
            output=args.output,
            store=args.store,
            key_file=key_file,
        )
    with opened_store(args.store, args.db, key_file=key_file) as store:
        if args.records_command == "purge":
            return records_purge(store, args.older_than, out, dry_run=args.dry_run)
        return records_audit(store, out, session=args.session, since=args.since, as_json=args.json)


def _env_path(name: str) -> Path | None:
    value = os.environ.get(f"CONSULT_ASSIST_{name}", "")
    return Path(value).expanduser() if value else None


# -- replay ------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ReplayOptions:
    """``consult-assist replay FILE``: a recording streamed into a server as a training call."""

    file: Path
    """The recording (stereo = caller left, handler right)."""
    server: str
    """The server's ws:// or wss:// URL, or several comma-separated (tried in order)."""
    token: str
    """A trainer's or handler's token."""
    speed: float = 1.0
    """× real time."""
    for_handler: str = ""
    """Trainers: the handler whose screen shows the call."""
    ssl_context: ssl.SSLContext | None = None
    """How a wss:// server is trusted (``--ca-file``); None: the system's CAs."""


def replay(options: ReplayOptions, out: TextIO) -> int:
    """Stream the file in real time (× ``speed``) and wait until the session has ended."""
    return asyncio.run(_replay(options, out))


async def _replay(options: ReplayOptions, out: TextIO) -> int:
    if not options.token:
        raise ConsultAssistError("give --token-file FILE (or set CONSULT_ASSIST_TOKEN)")
    done = asyncio.Event()
    client, session = await _start_replay(options, lambda s: done.set())
    started = asyncio.get_running_loop().time()
    lost: list[str] = []

    async def watch() -> None:
        # The connection is not retried: a server that went away (a restart, a lost node)
        # ends the replay with a sentence instead of a replay that waits for ever.
        async for update in client.updates():
            if isinstance(update, ConnectionState) and update.state == "failed":
                lost.append(update.detail)
                done.set()

    watching = asyncio.create_task(watch())
    try:
        out.write(f"consult-assist: replaying {options.file.name} as training session {session}\n")
        out.flush()
        await done.wait()
        if lost:
            spent = asyncio.get_running_loop().time() - started
            raise ConsultAssistError(
                f"the server at {client.url} closed the connection {spent:.0f} s into the "
                f"replay of {options.file.name} ({lost[0]}); session {session} was cut off "
                "(ended there; node_lost if the node stopped): replay it again once the server "
                "is back"
            )
        out.write(f"consult-assist: {session} done\n")
    finally:
        watching.cancel()
        await client.close()
    return 0


async def _start_replay(
    options: ReplayOptions, on_done: Callable[[str], None]
) -> tuple[WebSocketHubClient, str]:
    """Connect and start the session on the first server (node) that takes it.

    A node that cannot be reached, or that is draining (shutting down), is skipped. The call
    then belongs to that node: if it stops mid-file the call ends there (node_lost), and the
    replay says so rather than stream the rest into another node as if nothing happened.
    """
    failed: list[str] = []
    for url in server_urls(options.server):
        client = WebSocketHubClient(
            url, options.token, reconnect=False, ssl_context=options.ssl_context
        )
        try:
            await client.connect()
            session = await replay_file(
                client,
                options.file,
                speed=options.speed,
                training=True,
                for_handler=options.for_handler,
                on_done=on_done,
            )
            return client, session
        except AuthError:
            raise
        except ProtocolError as exc:
            await client.close()
            if exc.code != "draining":
                raise
            failed.append(f"{url}: {exc}")
        except ConsultAssistError as exc:
            await client.close()
            failed.append(str(exc))
    raise ConsultAssistError("no server took the call: " + "; ".join(failed))


# -- from the parsed flags ---------------------------------------------------------------------


def run(args: argparse.Namespace, out: TextIO) -> int | None:
    """Run ``serve``, ``tokens …``, ``records …`` or ``replay``; None: no action given."""
    if args.command == "serve":
        config = server_config(args)  # refuses unsafe settings before anything loads
        model = model_options(
            args,
            manuals=config.manuals,
            model=config.model,
            device=config.device,
            compute_type=config.compute_type,
        )
        return serve(ServeOptions(config=config, model=model, stream=stream_options(args)), out)
    if args.command == "tokens" and args.tokens_command is not None:
        with token_source(args.store, args.tokens) as source:
            if args.tokens_command == "add":
                return tokens_add(source, args.name, args.role, out, replace=args.replace)
            if args.tokens_command == "revoke":
                return tokens_revoke(source, args.name, out)
            return tokens_list(source, out)
    if args.command == "store" and args.store_command == "migrate":
        return store_migrate(args.store, args.db, out)
    if args.command == "store" and args.store_command == "copy":
        return store_copy(args.src, args.dst, out, quiet=args.quiet)
    if args.command == "records" and args.records_command is not None:
        return _records(args, out)
    if args.command == "replay":
        options = ReplayOptions(
            file=args.file,
            server=args.server,
            token=client_token(token=args.token, token_file=args.token_file),
            speed=args.speed,
            for_handler=args.for_handler or "",
            ssl_context=client_ssl_context(args.ca_file, insecure=args.insecure_skip_verify),
        )
        return replay(options, out)
    return None
