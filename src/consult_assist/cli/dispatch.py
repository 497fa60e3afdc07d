"""``consult-assist``'s entry point: parse, set up logging, run one command, map errors to exits.

Exit status: what the command returns (0 on success), 1 for an error the user can fix (one
sentence on stderr, never a traceback), 2 without a command, 130 on Ctrl-C. A command family's
module is imported only when one of its commands runs: the apps pull in Textual, the server
websockets and the hub, ``transcribe`` the speech model's libraries.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from consult_assist.cli.parser import build_parser
from consult_assist.errors import ConsultAssistError

__all__ = ["main"]

log = logging.getLogger("consult_assist")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    _setup_logging(args.verbose)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        code = _dispatch(args)
    except ConsultAssistError as exc:
        print(f"consult-assist: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("consult-assist: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Output piped into `head` and closed: not an error worth a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    if code is None:
        # A command family without its action (`consult-assist models`): show its help.
        parser.parse_args([args.command, "--help"])
        return 2
    return code


def _setup_logging(verbose: int) -> None:
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def _dispatch(args: argparse.Namespace) -> int | None:
    """Run the command ``args`` names; None when a family's action is missing."""
    out = sys.stdout
    command = args.command
    if command in ("transcribe", "lookup", "manuals", "models"):
        from consult_assist.cli import offline  # lazy: start-up cost (knowledge, pipeline)

        return offline.run(args, out)
    if command in ("serve", "tokens", "records", "replay", "store"):
        from consult_assist.cli import serving  # lazy: start-up cost (hub, websockets)

        return serving.run(args, out)
    if command in ("handler", "supervisor", "demo"):
        from consult_assist.cli import apps  # lazy: start-up cost (Textual, hub)

        return apps.run(args, out)
    if command == "devices":
        from consult_assist.cli import devices  # lazy: start-up cost (numpy, soxr)

        return devices.run(args, out)
    if command == "risk":
        from consult_assist.cli import risking  # lazy: start-up cost (knowledge, pipeline)

        return risking.run(args, out)
    if command == "bench":
        from consult_assist.cli import benchmarks  # lazy: start-up cost (every layer)

        return benchmarks.run(args, out)
    return None
