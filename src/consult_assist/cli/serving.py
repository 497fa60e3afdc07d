"""The server and its files: ``serve``, ``records list|export``, ``replay``; and the routing of
``tokens …`` and ``store …`` (in ``storage.py``).

``serve`` merges its settings (defaults < ``--config`` TOML < ``CONSULT_ASSIST_*`` < flags)
into one :class:`~consult_assist.config.ServerConfig`; the speech model's options are built
from that config, never written back into the parsed flags.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TextIO

from consult_assist import paths
from consult_assist.asr.options import ModelOptions, StreamOptions, load_transcriber
from consult_assist.cli.output import install_progress
from consult_assist.cli.recognition import model_options, stream_options
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
from consult_assist.errors import AuthError, ConsultAssistError, ProtocolError
from consult_assist.hub.client import ConnectionState, WebSocketHubClient, server_urls
from consult_assist.hub.record_markdown import render_markdown
from consult_assist.hub.records import build_record, record_to_json
from consult_assist.hub.replay import replay_file
from consult_assist.hub.serve import RunningServer, run_server
from consult_assist.knowledge.manual import load_manual
from consult_assist.labels import end_reason_label, kind_label

__all__ = [
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
    "lease_s",
    "lease_renew_s",
    "drain_calls_s",
    "metrics",
    "manuals",
    "model",
    "device",
    "compute_type",
    "workers",
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

    asyncio.run(
        run_server(
            config,
            transcriber=lambda: load_transcriber(
                options.model, num_workers=config.workers, progress=install_progress()
            ),
            options_for=options.stream.recognizer_options,
            ready=ready,
        )
    )
    return 0


# -- records -----------------------------------------------------------------------------------


def records_list(
    db: Path | None,
    out: TextIO,
    *,
    limit: int = 50,
    as_json: bool = False,
    store: str | None = None,
) -> int:
    """The recorded calls, newest first."""
    with opened_store(store, db) as opened:
        rows = opened.sessions(limit=limit)
    if as_json:
        out.write(json.dumps([r.to_dict() for r in rows], ensure_ascii=False, indent=2) + "\n")
        return 0
    if not rows:
        out.write("no calls recorded yet\n")
        return 0
    for row in rows:
        duration = "通話中" if row.live else f"{(row.duration_s or 0.0) / 60:.1f} 分"
        reason = end_reason_label(row.end_reason) if row.end_reason else ""
        out.write(
            f"{row.id}  {row.started_at[:16].replace('T', ' ')}  {kind_label(row.training)}  "
            f"{row.owner or '-':<12} {duration:>8}  {row.last_seq:>5} 件  {reason}\n"
        )
    return 0


def records_export(
    db: Path | None,
    session: str,
    out: TextIO,
    *,
    fmt: Literal["md", "json"] = "md",
    output: Path | None = None,
    store: str | None = None,
) -> int:
    """The record draft of one call (a unique prefix of its id is enough)."""
    with opened_store(store, db) as opened:
        row = opened.find(session)
        events = opened.events(row.id)
    record = build_record(events)
    if fmt == "json":
        text = json.dumps(record_to_json(record, events), ensure_ascii=False, indent=2) + "\n"
    else:
        text = render_markdown(record, titles=_section_titles())
    if output is not None:
        output.write_text(text, encoding="utf-8")
        print(f"consult-assist: wrote {output}", file=sys.stderr)
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


def replay(options: ReplayOptions, out: TextIO) -> int:
    """Stream the file in real time (× ``speed``) and wait until the session has ended."""
    return asyncio.run(_replay(options, out))


async def _replay(options: ReplayOptions, out: TextIO) -> int:
    if not options.token:
        raise ConsultAssistError("give --token (or set CONSULT_ASSIST_TOKEN)")
    done = asyncio.Event()
    client, session = await _start_replay(options, lambda s: done.set())
    lost: list[str] = []

    async def watch() -> None:
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
            raise ConsultAssistError(
                f"lost the server at {client.url} ({lost[0]}): session {session} was ended "
                "there (node_lost if the node stopped); replay the file again to start over"
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
        client = WebSocketHubClient(url, options.token, reconnect=False)
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
    if args.command == "records" and args.records_command == "list":
        return records_list(args.db, out, limit=args.limit, as_json=args.json, store=args.store)
    if args.command == "records" and args.records_command == "export":
        return records_export(
            args.db, args.session, out, fmt=args.format, output=args.output, store=args.store
        )
    if args.command == "replay":
        options = ReplayOptions(
            file=args.file,
            server=args.server,
            token=args.token,
            speed=args.speed,
            for_handler=args.for_handler or "",
        )
        return replay(options, out)
    return None
