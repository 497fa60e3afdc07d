"""Tokens and callers' words stay out of the logs (issue 12, row 11), on real connections.

A client at ``-vv`` (websockets logs every frame then) shows no piece of its token; the server's
log, at DEBUG, holds neither the caller's number nor the transcript unless ``--log-content``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import wave
from pathlib import Path

import numpy as np
import pytest
from hubtools import Collector, call_frames, connect, ended, live_server, stream

from consult_assist.events import TranscriptFinal
from consult_assist.hub.logredact import redact
from consult_assist.testing import tone_call

UNIT = float(os.environ.get("CONSULT_ASSIST_TEST_UNIT", "1.0"))


def _file(path: Path, token: str) -> Path:
    path.write_text(token + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path


def test_a_frame_log_line_loses_both_pieces_of_an_abbreviated_token() -> None:
    token = "ca_" + "A" * 20 + "B" * 23
    shown = f"{token[:30]}...{token[-18:]}"
    line = f"""> TEXT '{{"v": 1, "type": "auth", "token": "{shown}"}}' [80 bytes]"""
    clean = redact(line)
    assert "AAAA" not in clean and "BBBB" not in clean and '"type": "auth"' in clean
    assert redact(f"refused {token} twice") == "refused ca_<hidden> twice"


def _wav(path: Path) -> Path:
    audio = tone_call([(0.3, 1.3), (1.8, 2.8)], total_s=3.5)
    pcm = (np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes()
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16_000)
        out.writeframes(pcm)
    return path


async def test_a_client_at_vv_logs_no_part_of_its_token(tmp_path: Path, root: Path) -> None:
    async with live_server(tmp_path, root) as server:
        token = server.tokens["kato"]
        token_file = _file(tmp_path / "kato.token", token)
        call = _wav(tmp_path / "c.wav")
        argv = [
            sys.executable, "-m", "consult_assist.cli", "-vv", "replay", str(call),
            "--server", server.url, "--token-file", str(token_file), "--speed", "5",
            "--for", "sato",
        ]  # fmt: skip
        proc = await asyncio.create_subprocess_exec(
            *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        out, err = await asyncio.wait_for(proc.communicate(), 60 * UNIT)
    log = err.decode()
    assert proc.returncode == 0, log
    assert "TEXT" in log and "auth" in log  # websockets did log the frames, at DEBUG
    secret = token[3:]
    pieces = {secret[i : i + 6] for i in range(len(secret) - 5)}
    shown = [piece for piece in pieces if piece in log or piece in out.decode()]
    assert not shown, shown
    assert token not in " ".join(argv)


@pytest.mark.parametrize("log_content", [False, True])
async def test_callers_numbers_and_words_reach_the_server_log_only_with_log_content(
    tmp_path: Path, root: Path, caplog: pytest.LogCaptureFixture, log_content: bool
) -> None:
    caplog.set_level(logging.DEBUG)
    number = "09012345678"
    async with live_server(tmp_path, root, log_content=log_content) as server:
        sato = await connect(server.url, server.tokens["sato"])
        mine = Collector(sato)
        session = await sato.start_session(meta={"caller": number})
        await stream(sato, call_frames(2), 0.02)
        await sato.end_session(session)
        events = await mine.wait_for(ended(session))
        await asyncio.gather(sato.close(), mine.stop())
    words = [e.text for e in events if isinstance(e, TranscriptFinal)]
    assert words and "session started" in caplog.text
    assert (number in caplog.text) is log_content
    assert all((w in caplog.text) is log_content for w in words)
