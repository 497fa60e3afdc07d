"""Tokens change while the server runs: revoked or replaced tokens stop working, live ones too."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest
from hubtools import TIMEOUT, LiveServer
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed

from consult_assist.errors import AuthError
from consult_assist.hub.auth import FileTokens, TokenBook, add_token
from consult_assist.hub.tokenwatch import POLL_S, TokenWatcher


def test_a_rewritten_tokens_file_is_noticed_and_applied(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    first = add_token(path, "sato", "handler")
    applied: list[TokenBook] = []
    watcher = TokenWatcher(FileTokens(path), applied.append)
    assert not watcher.check() and applied == []  # nothing changed yet
    second = add_token(path, "sato", "handler", replace=True)
    assert watcher.check()
    [book] = applied
    assert book.check(first) is None and book.check(second) is not None
    assert not watcher.check()  # applied once


def test_a_tokens_file_edited_in_place_keeping_its_size_and_second_is_noticed(
    tmp_path: Path,
) -> None:
    path = tmp_path / "tokens.json"
    add_token(path, "sato", "handler")
    applied: list[TokenBook] = []
    watcher = TokenWatcher(FileTokens(path), applied.append)
    data = json.loads(path.read_text())
    data["tokens"][0]["role"] = "trainer"  # "handler" → "trainer": same length
    stat = path.stat()
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))
    assert watcher.check() and applied[0].entries[0].role == "trainer"


def test_a_broken_tokens_file_keeps_the_last_tokens(tmp_path: Path, caplog) -> None:
    path = tmp_path / "tokens.json"
    add_token(path, "sato", "handler")
    applied: list[TokenBook] = []
    watcher = TokenWatcher(FileTokens(path), applied.append)
    path.write_text("{not json")
    assert not watcher.check() and applied == []
    assert "keeping the last ones" in caplog.text


def test_revoking_a_name_without_a_token_says_so(tmp_path: Path) -> None:
    source = FileTokens(tmp_path / "tokens.json")
    source.add("sato", "handler")
    with pytest.raises(AuthError, match="has no token"):
        source.revoke("suzuki")
    source.revoke("sato")
    assert source.load().entries == []


async def _authenticate(url: str, token: str):  # type: ignore[no-untyped-def]
    ws = await ws_connect(url)
    await ws.send(json.dumps({"v": 1, "type": "auth", "token": token}))
    return ws, json.loads(await ws.recv())


async def _closed_with(ws) -> int | None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConnectionClosed):
        while True:
            await asyncio.wait_for(ws.recv(), TIMEOUT)
    return ws.close_code


async def test_a_revoked_token_closes_its_live_connections_with_4001(server: LiveServer) -> None:
    sato, ok = await _authenticate(server.url, server.tokens["sato"])
    tanaka, _ = await _authenticate(server.url, server.tokens["tanaka"])
    assert ok["type"] == "auth.ok"
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    server.tokens_source.revoke("sato")
    assert await _closed_with(sato) == 4001
    # The stated time: the watcher looks every POLL_S; allow for a loaded machine.
    assert loop.time() - t0 < 4 * POLL_S + TIMEOUT
    again = await ws_connect(server.url)
    await again.send(json.dumps({"v": 1, "type": "auth", "token": server.tokens["sato"]}))
    assert await _closed_with(again) == 4001  # and it cannot come back
    # Nobody else was touched.
    await tanaka.send(json.dumps({"v": 1, "type": "sessions", "id": 1}))
    assert json.loads(await asyncio.wait_for(tanaka.recv(), TIMEOUT))["type"] == "sessions"
    await tanaka.close()


async def test_a_replaced_token_stops_working_and_the_new_one_works(server: LiveServer) -> None:
    old, _ = await _authenticate(server.url, server.tokens["suzuki"])
    new = server.tokens_source.add("suzuki", "handler", replace=True)
    assert await _closed_with(old) == 4001
    ws, reply = await _authenticate(server.url, new)
    assert reply["type"] == "auth.ok" and reply["name"] == "suzuki"
    await ws.close()
