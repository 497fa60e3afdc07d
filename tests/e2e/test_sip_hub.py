"""Real SIP calls (SIPp) into the real server with the real model: the transcript arrives.

Marked ``model`` and ``sipp``; CI installs SIPp (Debian ``sip-tester``) and runs these.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import shutil
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from test_baresip import MODULES, baresip, certificate, pcm_clip
from test_sipp import UNIT, free_port, rtp_packets, run_sipp, send_rtp, ulaw_clip

from consult_assist.asr.cer import cer
from consult_assist.asr.models import install_default_model
from consult_assist.asr.options import StreamOptions
from consult_assist.asr.whisper import WhisperOptions, WhisperTranscriber
from consult_assist.audio.g711 import alaw_encode, ulaw_decode
from consult_assist.config import ServerConfig
from consult_assist.events import Event, TranscriptFinal
from consult_assist.hub.auth import add_token
from consult_assist.hub.client import WebSocketHubClient
from consult_assist.hub.serve import RunningServer, _SipSink, run_server
from consult_assist.sip.server import SipConfig, SipServer

pytestmark = [
    pytest.mark.model,
    pytest.mark.sipp,
    pytest.mark.skipif(shutil.which("sipp") is None, reason="SIPp is not installed"),
]
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Hub:
    running: RunningServer
    supervisor: WebSocketHubClient
    events: list[Event]


@pytest.fixture(scope="module")
def transcriber() -> WhisperTranscriber:
    model = install_default_model(ROOT / "models")
    return WhisperTranscriber(WhisperOptions(model=str(model), device="cpu"))


@contextlib.asynccontextmanager
async def hub_with_sip(
    tmp_path: Path, transcriber: WhisperTranscriber, **sip: Any
) -> AsyncIterator[Hub]:
    tokens = tmp_path / "tokens.json"
    boss = add_token(tokens, "tanaka", "supervisor")
    for handler in ("hotline", "sato"):  # SIP calls are taken for handlers' extensions only
        add_token(tokens, handler, "handler")
    config = ServerConfig(
        port=0,
        tokens=tokens,
        db=tmp_path / "store.db",
        manuals=ROOT / "manuals",
        **({"sip": f"127.0.0.1:{free_port()}"} | sip),
    )
    ready: asyncio.Future[RunningServer] = asyncio.get_running_loop().create_future()
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_server(
            config,
            transcriber=transcriber,
            options_for=StreamOptions().recognizer_options,
            ready=ready.set_result,
            stop=stop,
        )
    )
    running = await asyncio.wait_for(ready, 60 * UNIT)
    client = WebSocketHubClient(running.url, boss)
    await client.connect()
    events: list[Event] = []

    async def collect() -> None:
        async for update in client.updates():
            if not hasattr(update, "state"):
                events.append(update)  # type: ignore[arg-type]

    collector = asyncio.create_task(collect())
    await client.subscribe("*")
    try:
        yield Hub(running, client, events)
    finally:
        await client.close()
        collector.cancel()
        stop.set()
        await asyncio.wait_for(task, 60 * UNIT)


async def _until_ended(events: list[Event]) -> list[Event]:
    async def wait() -> None:
        while not any(e.type == "session.ended" for e in events):
            await asyncio.sleep(0.1)

    await asyncio.wait_for(wait(), 60 * UNIT)
    return events


def _reference(name: str, start: float, end: float) -> str:
    sidecar = json.loads((ROOT / "samples" / f"{name}.json").read_text(encoding="utf-8"))
    return "".join(t["text"] for t in sidecar["turns"] if t["start"] >= start and t["end"] <= end)


def _transcript(events: list[Event]) -> str:
    return "".join(e.text for e in events if isinstance(e, TranscriptFinal))


async def test_a_sipp_call_is_transcribed_live_with_the_callers_number(
    tmp_path: Path, transcriber: WhisperTranscriber
) -> None:
    offset, seconds = 0.0, 16.0
    ulaw = ulaw_clip("neighbour-night", seconds, offset_s=offset)
    (tmp_path / "call.ulaw").write_bytes(ulaw)
    async with hub_with_sip(tmp_path, transcriber) as hub:
        port = hub.running.sip_server.port
        rc, logs = await run_sipp("uac_stream.xml", port, tmp_path, pause_ms=len(ulaw) // 8 + 400)
        assert rc == 0, logs
        events = await _until_ended(hub.events)
    started = events[0]
    assert started.type == "session.started"
    assert started.meta["source"] == "sip" and started.meta["caller"] == "0312345678"  # type: ignore[attr-defined]
    assert started.meta["handler"] == "hotline"  # type: ignore[attr-defined]
    assert started.meta["speakers"] == ["unknown"]  # type: ignore[attr-defined]
    finals = [e for e in events if isinstance(e, TranscriptFinal)]
    assert len(finals) >= 3
    assert all(f.speaker == "unknown" for f in finals)
    rate, _, _ = cer(_reference("neighbour-night", offset, offset + seconds), _transcript(events))
    print(f"SIP plain call CER {rate:.3f}")
    assert rate <= 0.35
    assert events[-1].type == "session.ended" and events[-1].reason == "hangup"  # type: ignore[attr-defined]


async def test_a_lossy_reordered_call_still_gives_a_transcript(
    tmp_path: Path, transcriber: WhisperTranscriber
) -> None:
    offset, seconds = 0.0, 16.0
    ulaw = ulaw_clip("neighbour-night", seconds, offset_s=offset)
    alaw = alaw_encode(ulaw_decode(ulaw))  # the scenario offers PCMA first
    packets = rtp_packets(alaw, ssrc=0x1055, pt=8)
    rng = random.Random(11)
    order: list[int] = []
    for start in range(0, len(packets), 3):
        block = list(range(start, min(start + 3, len(packets))))
        rng.shuffle(block)
        order += block
    kept = [i for i in order if rng.random() >= 0.05]
    async with hub_with_sip(tmp_path, transcriber) as hub:
        sip = SipServer(
            _SipSink(hub.running.hub), "127.0.0.1", 0, config=SipConfig(rtp_timeout_s=1.0 * UNIT)
        )
        async with sip:
            sipp = asyncio.create_task(run_sipp("uac_wait_bye.xml", sip.port, tmp_path))

            async def answered() -> None:
                while not sip.calls:
                    await asyncio.sleep(0.05)

            await asyncio.wait_for(answered(), 10 * UNIT)
            rtp_port = next(iter(sip.calls.values())).rtp_ports[0]
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                sock.bind(("127.0.0.1", 0))
                await send_rtp(sock, [packets[i] for i in kept], rtp_port, every=1)
            rc, logs = await sipp
            assert rc == 0, logs
            events = await _until_ended(hub.events)
            lost = sip.counters["rtp_lost"]
    assert lost >= 0.03 * len(packets)
    rate, _, _ = cer(_reference("neighbour-night", offset, offset + seconds), _transcript(events))
    print(f"SIP call with {lost} of {len(packets)} packets lost and reordering: CER {rate:.3f}")
    assert rate <= 0.45
    assert events[-1].reason == "timeout"  # type: ignore[attr-defined]


@pytest.mark.skipif(shutil.which("baresip") is None, reason="baresip not installed")
@pytest.mark.skipif(not MODULES.is_dir(), reason="baresip modules not found")
async def test_a_baresip_call_over_tls_with_srtp_and_digest_is_transcribed(
    tmp_path: Path, transcriber: WhisperTranscriber
) -> None:
    """The hardened edge end to end: TLS, SRTP, digest, Request-URI owner, real model."""
    offset, seconds = 0.0, 16.0
    pcm = pcm_clip(seconds, name="neighbour-night", offset_s=offset)
    cert, key = certificate(tmp_path)
    secrets_file = tmp_path / "sip-digest"
    secrets_file.write_text("pbx:s3cret\n")
    secrets_file.chmod(0o600)
    sip = {
        "sip": None,
        "sip_tls": f"127.0.0.1:{free_port()}",
        "sip_tls_cert": cert,
        "sip_tls_key": key,
        "sip_srtp": "required",
        "sip_digest_file": secrets_file,
        "sip_digest_algorithms": "MD5",  # baresip 1.0 knows no SHA-256 digest
    }
    account = (
        "<sip:pbx@127.0.0.1;transport=tls>;auth_pass=s3cret;mediaenc=srtp-mand;regint=0;"
        "audio_codecs=PCMU"
    )
    async with hub_with_sip(tmp_path, transcriber, **sip) as hub:
        dial = f"sip:sato@{hub.running.sip_tls};transport=tls"
        async with baresip(tmp_path, pcm, dial, account=account, tls_ca=cert, seconds=40):
            events = await _until_ended(hub.events)
        counters = hub.running.sip_server.counters.copy()
    started = events[0]
    assert started.meta["handler"] == "sato"  # type: ignore[attr-defined]
    assert started.meta["srtp"] is True and started.meta["transport"] == "tls"  # type: ignore[attr-defined]
    assert counters["rtp_srtp_refused"] == 0 and counters["rtp_packets"] > 700
    rate, _, _ = cer(_reference("neighbour-night", offset, offset + seconds), _transcript(events))
    print(f"baresip TLS+SRTP+digest call CER {rate:.3f}")
    assert rate <= 0.35
    assert events[-1].type == "session.ended" and events[-1].reason == "hangup"  # type: ignore[attr-defined]
