"""The server and its files: ``serve``, ``tokens add|list``, ``records list|export``, ``replay``.

``serve`` merges its settings (defaults < ``--config`` TOML < ``CONSULT_ASSIST_*`` < flags)
into one :class:`~consult_assist.config.ServerConfig`; the speech model's options are built
from that config, never written back into the parsed flags.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TextIO

from consult_assist import paths
from consult_assist.asr.options import ModelOptions, StreamOptions, load_transcriber
from consult_assist.cli.output import install_progress
from consult_assist.cli.recognition import model_options, stream_options
from consult_assist.config import ServerConfig, load_server_config
from consult_assist.errors import ConsultAssistError
from consult_assist.hub.auth import TokenBook, add_token, default_tokens_path
from consult_assist.hub.client import WebSocketHubClient
from consult_assist.hub.record_markdown import render_markdown
from consult_assist.hub.records import build_record, record_to_json
from consult_assist.hub.replay import replay_file
from consult_assist.hub.serve import RunningServer, run_server, speech_plan
from consult_assist.hub.store import Store, default_db_path
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
    "tokens_add",
    "tokens_list",
]

SERVER_KEYS = (
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
    "max_live_sessions",
    "max_sessions_per_token",
    "max_audio_speed",
    "drain_s",
    "sip",
    "sip_advertise",
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
        out.write("  stop with Ctrl-C\n")
        out.flush()

    plan = speech_plan(config, threads=options.model.threads)
    model = dataclasses.replace(options.model, threads=plan.threads)
    asyncio.run(
        run_server(
            config,
            transcriber=lambda: load_transcriber(
                model, num_workers=plan.workers, progress=install_progress()
            ),
            options_for=options.stream.recognizer_options,
            ready=ready,
            plan=plan,
        )
    )
    return 0


# -- tokens ------------------------------------------------------------------------------------


def tokens_add(
    path: Path,
    name: str,
    role: Literal["handler", "supervisor", "trainer"],
    out: TextIO,
    *,
    replace: bool = False,
) -> int:
    """Create a token for ``name``; print it once (only its hash is stored)."""
    token = add_token(path, name, role, replace=replace)
    out.write(token + "\n")
    print(
        f"consult-assist: token for {name} ({role}) stored as a hash in {path}; "
        "it is shown only this once",
        file=sys.stderr,
    )
    return 0


def tokens_list(path: Path, out: TextIO) -> int:
    """Names, roles and creation times; never the tokens."""
    book = TokenBook.load(path)
    if not book.entries:
        out.write(f"no tokens in {path}\n")
        return 0
    for entry in book.entries:
        out.write(f"{entry.name:<20} {entry.role:<11} {entry.created}\n")
    return 0


# -- records -----------------------------------------------------------------------------------


def _open_store(db: Path | None) -> Store:
    path = db or default_db_path()
    if not path.exists():
        raise ConsultAssistError(f"no store at {path}: run `consult-assist serve` first")
    return Store(path)


def records_list(db: Path | None, out: TextIO, *, limit: int = 50, as_json: bool = False) -> int:
    """The recorded calls, newest first."""
    with _open_store(db) as store:
        rows = store.sessions(limit=limit)
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
) -> int:
    """The record draft of one call (a unique prefix of its id is enough)."""
    with _open_store(db) as store:
        row = store.find(session)
        events = store.events(row.id)
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
    """The server's ws:// or wss:// URL."""
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
    client = WebSocketHubClient(options.server, options.token, reconnect=False)
    await client.connect()
    done = asyncio.Event()
    try:
        session = await replay_file(
            client,
            options.file,
            speed=options.speed,
            training=True,
            for_handler=options.for_handler,
            on_done=lambda s: done.set(),
        )
        out.write(f"consult-assist: replaying {options.file.name} as training session {session}\n")
        out.flush()
        await done.wait()
        out.write(f"consult-assist: {session} done\n")
    finally:
        await client.close()
    return 0


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
        path = args.tokens or default_tokens_path()
        if args.tokens_command == "add":
            return tokens_add(path, args.name, args.role, out, replace=args.replace)
        return tokens_list(path, out)
    if args.command == "records" and args.records_command == "list":
        return records_list(args.db, out, limit=args.limit, as_json=args.json)
    if args.command == "records" and args.records_command == "export":
        return records_export(args.db, args.session, out, fmt=args.format, output=args.output)
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
