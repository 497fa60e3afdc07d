"""CLI entry points of the hub: ``serve``, ``tokens``, ``records`` and ``replay``."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from pathlib import Path
from typing import TextIO

from consult_assist.config import ServerConfig, load_server_config
from consult_assist.errors import ConsultAssistError
from consult_assist.hub.auth import TokenBook, add_token, default_tokens_path
from consult_assist.hub.store import Store, default_db_path

__all__ = [
    "records_export",
    "records_list",
    "replay_command",
    "serve_command",
    "server_config",
    "tokens_add",
    "tokens_list",
]

log = logging.getLogger(__name__)

_SERVER_KEYS = (
    "host",
    "port",
    "tls_cert",
    "tls_key",
    "insecure",
    "tokens",
    "db",
    "manuals",
    "model",
    "device",
    "compute_type",
    "workers",
    "sip",
    "log_content",
)


def server_config(args: argparse.Namespace) -> ServerConfig:
    """Defaults < --config TOML < CONSULT_ASSIST_* < flags."""
    flags = {key: getattr(args, key, None) for key in _SERVER_KEYS}
    return load_server_config(file=args.config, flags=flags)


def serve_command(args: argparse.Namespace, out: TextIO) -> int:
    from consult_assist.commands import load_transcriber, recognizer_options
    from consult_assist.hub.serve import RunningServer, run_server

    config = server_config(args)
    args.model, args.device, args.compute_type = config.model, config.device, config.compute_type
    args.manuals = config.manuals

    def ready(running: RunningServer) -> None:
        out.write(f"consult-assist: serving on {running.url}\n")
        out.write(f"  store:  {running.db}\n  tokens: {running.tokens}\n")
        if running.sip:
            out.write(f"  SIP:    {running.sip} (UDP and TCP)\n")
        out.write("  stop with Ctrl-C\n")
        out.flush()

    asyncio.run(
        run_server(
            config,
            transcriber=lambda: load_transcriber(args, num_workers=config.workers),
            options_for=lambda rate: recognizer_options(args, source_rate=rate),
            ready=ready,
        )
    )
    return 0


def _tokens_path(args: argparse.Namespace) -> Path:
    return args.tokens or default_tokens_path()


def tokens_add(args: argparse.Namespace, out: TextIO) -> int:
    path = _tokens_path(args)
    token = add_token(path, args.name, args.role, replace=args.replace)
    out.write(token + "\n")
    print(
        f"consult-assist: token for {args.name} ({args.role}) stored as a hash in {path}; "
        "it is shown only this once",
        file=sys.stderr,
    )
    return 0


def tokens_list(args: argparse.Namespace, out: TextIO) -> int:
    book = TokenBook.load(_tokens_path(args))
    if not book.entries:
        out.write(f"no tokens in {_tokens_path(args)}\n")
        return 0
    for entry in book.entries:
        out.write(f"{entry.name:<20} {entry.role:<11} {entry.created}\n")
    return 0


def _open_store(args: argparse.Namespace) -> Store:
    path = args.db or default_db_path()
    if not path.exists():
        raise ConsultAssistError(f"no store at {path}: run `consult-assist serve` first")
    return Store(path)


def records_list(args: argparse.Namespace, out: TextIO) -> int:
    with _open_store(args) as store:
        rows = store.sessions(limit=args.limit)
    if args.json:
        out.write(json.dumps([r.to_dict() for r in rows], ensure_ascii=False, indent=2) + "\n")
        return 0
    if not rows:
        out.write("no calls recorded yet\n")
        return 0
    for row in rows:
        duration = "通話中" if row.live else f"{(row.duration_s or 0.0) / 60:.1f} 分"
        kind = "研修" if row.training else "本番"
        reason = row.end_reason or ""
        out.write(
            f"{row.id}  {row.started_at[:16].replace('T', ' ')}  {kind}  "
            f"{row.owner or '-':<12} {duration:>8}  {row.last_seq:>5} 件  {reason}\n"
        )
    return 0


def records_export(args: argparse.Namespace, out: TextIO) -> int:
    from consult_assist.hub.record_markdown import render_markdown
    from consult_assist.hub.records import build_record, record_to_json

    with _open_store(args) as store:
        row = store.find(args.session)
        events = store.events(row.id)
    record = build_record(events)
    if args.format == "json":
        text = json.dumps(record_to_json(record, events), ensure_ascii=False, indent=2) + "\n"
    else:
        text = render_markdown(record, titles=_section_titles())
    if args.output is not None:
        args.output.write_text(text, encoding="utf-8")
        print(f"consult-assist: wrote {args.output}", file=sys.stderr)
    else:
        out.write(text)
    return 0


def _section_titles() -> dict[str, str]:
    """Section titles of the local manuals, if any (records name sections by title)."""
    from consult_assist import paths
    from consult_assist.knowledge.manual import load_manual

    try:
        manual = load_manual(paths.default_manuals_dir())
    except ConsultAssistError:
        return {}
    return {s.id: s.title for s in manual.sections}


def replay_command(args: argparse.Namespace, out: TextIO) -> int:
    return asyncio.run(_replay(args, out))


async def _replay(args: argparse.Namespace, out: TextIO) -> int:
    from consult_assist.hub.client import WebSocketHubClient
    from consult_assist.hub.replay import replay_file

    if not args.token:
        raise ConsultAssistError("give --token (or set CONSULT_ASSIST_TOKEN)")
    client = WebSocketHubClient(args.server, args.token, reconnect=False)
    await client.connect()
    done = asyncio.Event()
    try:
        session = await replay_file(
            client,
            args.file,
            speed=args.speed,
            training=True,
            for_handler=args.for_handler or "",
            on_done=lambda s: done.set(),
        )
        out.write(f"consult-assist: replaying {args.file.name} as training session {session}\n")
        out.flush()
        await done.wait()
        out.write(f"consult-assist: {session} done\n")
    finally:
        await client.close()
    return 0
