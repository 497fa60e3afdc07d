"""Three calls at once through a real server on the real model: every final arrives.

Marked ``model``: faster-whisper base int8 on the CPU, real websockets, store and knowledge.
The calls are clips of three sample calls replayed at real time, staggered, so their decodes
share batches.
"""

from __future__ import annotations

import asyncio
import json
import os
import wave
from pathlib import Path

import numpy as np
import pytest
from realserver import real_server

from consult_assist.asr.cer import cer
from consult_assist.audio.file import read_pcm16
from consult_assist.events import ErrorEvent, Event, SessionEnded, TranscriptFinal
from consult_assist.hub.auth import add_token
from consult_assist.hub.client import WebSocketHubClient
from consult_assist.hub.replay import replay_file
from consult_assist.hub.sqlite_store import SqliteStore

pytestmark = pytest.mark.model

UNIT = float(os.environ.get("CONSULT_ASSIST_TEST_UNIT", "1.0"))
SAMPLES = ("anonymous-reporter", "dv-witness", "neglect")
CLIP_S = 18.0


def _clip(root: Path, name: str, folder: Path) -> tuple[Path, str, int]:
    """The turns of a sample in its first ``CLIP_S`` seconds, as 16-bit WAV; reference; turns."""
    sidecar = json.loads((root / "samples" / f"{name}.json").read_text(encoding="utf-8"))
    turns = [t for t in sidecar["turns"] if t["end"] <= CLIP_S]
    pcm = read_pcm16(root / "samples" / f"{name}.flac")
    end = int((turns[-1]["end"] + 0.8) * pcm.rate)
    path = folder / f"{name}.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(pcm.rate)
        out.writeframes(np.ascontiguousarray(pcm.channels[0, :end]).astype("<i2").tobytes())
    return path, "".join(t["text"] for t in turns), len(turns)


async def _replay(url: str, token: str, path: Path, delay: float) -> tuple[str, list[Event]]:
    await asyncio.sleep(delay)
    client = WebSocketHubClient(url, token, reconnect=False)
    await client.connect()
    session = await replay_file(client, path, speed=1.0)
    events: list[Event] = []
    async with asyncio.timeout(120 * UNIT):
        async for update in client.updates():
            if isinstance(update, Event) and update.session == session:
                events.append(update)
                if isinstance(update, SessionEnded):
                    break
    await client.close()
    return session, events


async def test_three_concurrent_calls_on_the_real_model_get_every_final(
    tmp_path: Path, root: Path
) -> None:
    tokens = tmp_path / "tokens.json"
    trainer = add_token(tokens, "kato", "trainer")
    clips = [_clip(root, name, tmp_path) for name in SAMPLES]
    async with real_server(root, tokens, tmp_path / "s.db") as running:
        results = await asyncio.gather(
            *(_replay(running.url, trainer, path, 0.7 * i) for i, (path, _, _) in enumerate(clips))
        )
        assert running.service is not None
        batch_sizes = dict(running.service.scheduler.stats.batch_sizes)
    with SqliteStore(tmp_path / "s.db") as store:
        for (session, events), (_, reference, turns) in zip(results, clips, strict=True):
            stored = store.events(session)
            got = [e for e in events if isinstance(e, TranscriptFinal)]
            # Every final the server made reached the client, in order, none twice.
            assert [e.seq for e in got] == [e.seq for e in stored if isinstance(e, TranscriptFinal)]
            assert not [e for e in events if isinstance(e, ErrorEvent)]
            assert len(got) >= turns - 1  # a turn may hold two utterances, or two turns one
            text = "".join(f.text for f in sorted(got, key=lambda f: f.start))
            rate, _, _ = cer(reference, text)
            assert rate <= 0.25, f"{session}: CER {rate:.1%}: {text}"
            assert isinstance(events[-1], SessionEnded)
    assert sum(batch_sizes.values()) > 0
