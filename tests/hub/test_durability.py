"""kill -9 of the server mid-call: the store keeps every event sent, clients resume by seq."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hubtools import TIMEOUT, Collector, call_frames, connect, ended, make_tokens, stream

from consult_assist.hub.record_markdown import render_markdown
from consult_assist.hub.records import build_record
from consult_assist.hub.sqlite_store import SqliteStore
from consult_assist.wire import event_to_dict

HERE = Path(__file__).parent


@contextmanager
def server_process(
    db: Path, tokens: Path, manuals: Path
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "fake_server.py"), str(db), str(tokens), str(manuals)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("ws://"), url
        yield url, proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(TIMEOUT)


async def test_sigkill_mid_call_loses_nothing_that_was_sent(tmp_path: Path, root: Path) -> None:
    db, tokens_path = tmp_path / "store.db", tmp_path / "tokens.json"
    tokens = make_tokens(tokens_path)
    with server_process(db, tokens_path, root / "manuals") as (url, proc):
        sato = await connect(url, tokens["sato"], reconnect=False)
        tanaka = await connect(url, tokens["tanaka"], reconnect=False)
        watch = Collector(tanaka)
        await tanaka.subscribe("*")
        session = await sato.start_session()
        await stream(sato, call_frames(4)[:50], 0.02)  # two utterances and a half
        await watch.wait_for(lambda ev: sum(e.type == "transcript.final" for e in ev) >= 2)
        await sato.note(session, "途中で記録")
        await watch.wait_for(lambda ev: any(e.type == "note" for e in ev))
        proc.send_signal(signal.SIGKILL)
        proc.wait(TIMEOUT)
        await watch.wait_for(lambda ev: bool(watch.states))
        seen = list(watch.of(session))
        await asyncio.gather(sato.close(), tanaka.close(), watch.stop())

    stored = SqliteStore(db).events(session)
    # Everything a client received was committed first.
    assert [event_to_dict(e) for e in stored[: len(seen)]] == [event_to_dict(e) for e in seen]
    assert stored[-1].type != "session.ended"

    with server_process(db, tokens_path, root / "manuals") as (url, _):
        again = await connect(url, tokens["tanaka"])
        rest = Collector(again)
        await again.subscribe(session, after={session: seen[-1].seq})
        got = await rest.wait_for(ended(session))
        assert [e.seq for e in got] == list(range(seen[-1].seq + 1, got[-1].seq + 1))
        assert got[-1].reason == "interrupted"  # type: ignore[attr-defined]
        await asyncio.gather(again.close(), rest.stop())

    events = SqliteStore(db).events(session)
    markdown = render_markdown(build_record(events))
    assert "途中で記録" in markdown and "となりの部屋から毎晩すごい泣き声がするんです" in markdown
