"""baresip (a second real SIP client) calls our SipServer on 127.0.0.1 and streams a file."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import struct
import wave
from pathlib import Path

import numpy as np
import pytest

from consult_assist.audio.g711 import ulaw_decode
from consult_assist.audio.pcm import SAMPLE_RATE, Resampler, int16_to_float
from consult_assist.sip.server import SipServer
from consult_assist.testing import RecordingSink

pytestmark = [
    pytest.mark.sipp,
    pytest.mark.skipif(shutil.which("baresip") is None, reason="baresip not installed"),
]

ROOT = Path(__file__).resolve().parents[2]
UNIT = float(os.environ.get("CONSULT_ASSIST_TEST_UNIT", "1.0"))
MODULES = Path("/usr/lib/baresip/modules")


def pcm_clip(seconds: float) -> np.ndarray:
    data = (ROOT / "samples" / "child-violence.tel.wav").read_bytes()
    pos = 12
    while data[pos : pos + 4] != b"data":
        pos += 8 + struct.unpack("<I", data[pos + 4 : pos + 8])[0]
    start = pos + 8 + 16000
    return ulaw_decode(data[start : start + int(seconds * 8000)])


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.skipif(not MODULES.is_dir(), reason="baresip modules not found")
async def test_baresip_call_streams_a_file(tmp_path: Path) -> None:
    pcm = pcm_clip(6.0)
    with wave.open(str(tmp_path / "call.wav"), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(pcm.tobytes())
    sink = RecordingSink()
    async with SipServer(sink, "127.0.0.1", 0) as server:
        (tmp_path / "config").write_text(
            f"sip_listen 127.0.0.1:{free_udp_port()}\n"
            "sip_transports udp\n"
            "net_interface 127.0.0.1\n"
            "audio_player aubridge,nil\n"
            f"audio_source aufile,{tmp_path / 'call.wav'}\n"
            "audio_alert aubridge,nil\n"
            f"module_path {MODULES}\n"
            "module g711.so\nmodule aufile.so\nmodule aubridge.so\n"
            "module menu.so\nmodule account.so\n"
        )
        (tmp_path / "accounts").write_text("<sip:tester@127.0.0.1>;regint=0;audio_codecs=PCMU\n")
        # baresip hangs up by itself at the end of the file; -t is a backstop.
        proc = await asyncio.create_subprocess_exec(
            "baresip",
            "-f",
            str(tmp_path),
            "-e",
            f"/dial sip:hotline@127.0.0.1:{server.port}",
            "-t",
            f"{20 * UNIT:.0f}",
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        try:
            (call,) = await asyncio.wait_for(sink.wait_ended(1), 20 * UNIT)
        finally:
            if proc.returncode is None:
                proc.terminate()  # it stays up after the call; we started it, we end it
            await proc.wait()
    assert call.end_reason == "hangup"
    assert call.meta["caller"] == "tester"
    resampler = Resampler(8000)
    ref = int16_to_float(pcm)
    want = np.concatenate([resampler.process(ref), resampler.flush()])
    got = call.audio(0)
    assert abs(len(got) - len(want)) / SAMPLE_RATE < 0.2
    n = min(len(got), len(want))
    corr = float(np.dot(got[:n], want[:n]) / (np.linalg.norm(got[:n]) * np.linalg.norm(want[:n])))
    assert corr > 0.9
