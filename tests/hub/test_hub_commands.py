"""The hub's CLI: tokens, records list and export, config refusal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from consult_assist.cli import main
from consult_assist.events import Sequencer, SessionEnded, SessionStarted, TranscriptFinal
from consult_assist.hub.store import Store


def _store(path: Path) -> str:
    seq = Sequencer()
    meta = {
        "handler": "sato",
        "training": False,
        "source": "sip",
        "caller": "0312345678",
        "started_at": "2026-11-23T14:30:00+09:00",
    }
    with Store(path) as store:
        started = seq.stamp(SessionStarted(session="20261123-143000-abcd", meta=meta))
        store.create_session(started)  # type: ignore[arg-type]
        store.append(
            seq.stamp(
                TranscriptFinal(
                    session=started.session,
                    at=3.0,
                    utterance=1,
                    start=0.5,
                    end=2.5,
                    text="もう死にたいって思うんです",
                    speaker="caller",
                )
            )
        )
        store.append(seq.stamp(SessionEnded(session=started.session, at=62.0, reason="hangup")))
    return started.session


def test_tokens_add_prints_the_token_once_and_list_never(tmp_path: Path, capsys) -> None:
    tokens = tmp_path / "tokens.json"
    assert main(["tokens", "add", "sato", "--role", "handler", "--tokens", str(tokens)]) == 0
    out, err = capsys.readouterr()
    token = out.strip()
    assert token.startswith("ca_") and "shown only this once" in err
    assert main(["tokens", "list", "--tokens", str(tokens)]) == 0
    listed = capsys.readouterr().out
    assert "sato" in listed and "handler" in listed and token not in listed


def test_records_list_and_export(tmp_path: Path, capsys) -> None:
    db = tmp_path / "calls.db"
    session = _store(db)
    assert main(["records", "list", "--db", str(db), "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["id"] == session and row["owner"] == "sato" and row["live"] is False
    assert main(["records", "export", session[:15], "--db", str(db)]) == 0
    markdown = capsys.readouterr().out
    assert "もう死にたいって思うんです" in markdown and "sato" in markdown
    out = tmp_path / "record.json"
    assert (
        main(["records", "export", session, "--db", str(db), "--format", "json", "-o", str(out)])
        == 0
    )
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [e["type"] for e in data["events"]] == [
        "session.started",
        "transcript.final",
        "session.ended",
    ]


def test_records_export_of_an_unknown_session_is_one_sentence(tmp_path: Path, capsys) -> None:
    db = tmp_path / "calls.db"
    _store(db)
    assert main(["records", "export", "nope", "--db", str(db)]) == 1
    assert "no session 'nope'" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["serve", "--host", "0.0.0.0"], ["serve", "--tls-cert", "x.pem"]])
def test_serve_refuses_unsafe_or_incomplete_tls_before_loading_anything(argv, capsys) -> None:
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("consult-assist: error: ") and err.count("\n") == 1
