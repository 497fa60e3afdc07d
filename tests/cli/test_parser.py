"""Every command and every option says what it does (``--help``), and the client commands
share the same ways to reach a server."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

import pytest

from consult_assist.cli.parser import build_parser


def commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser, str]]:
    """Every (sub)command: its words, its parser, and the help line its parent gives it."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help or "" for a in action._choices_actions}
            for name, sub in action.choices.items():
                yield (*path, name), sub, helps.get(name, "")
                yield from commands(sub, (*path, name))


def test_every_command_has_a_help_line() -> None:
    missing = [" ".join(p) for p, _, help in commands(build_parser()) if not help.strip()]
    assert missing == []


def test_every_option_and_argument_has_help_text() -> None:
    missing = []
    for path, parser, _ in commands(build_parser()):
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction | argparse._SubParsersAction):
                continue
            if not (action.help or "").strip():
                missing.append(f"{' '.join(path)} {'/'.join(action.option_strings) or action.dest}")
    assert missing == []


@pytest.mark.parametrize(
    "path",
    [("handler",), ("supervisor",), ("lookup",), ("records", "list"), ("replay",), ("devices",)],
)
def test_the_commands_the_issue_named_describe_themselves(path: tuple[str, ...]) -> None:
    parser = next(p for words, p, _ in commands(build_parser()) if words == path)
    assert parser.description and len(parser.description) > 40


@pytest.mark.parametrize("command", ["handler", "supervisor", "replay"])
def test_every_client_command_can_trust_a_ca_or_skip_the_check(command: str) -> None:
    args = build_parser().parse_args(
        [command, *(["call.wav"] if command == "replay" else []), "--ca-file", "ca.pem"]
    )
    assert str(args.ca_file) == "ca.pem" and args.insecure_skip_verify is False
    args = build_parser().parse_args(
        [command, *(["call.wav"] if command == "replay" else []), "--insecure-skip-verify"]
    )
    assert args.insecure_skip_verify is True
