"""baresip (a second real SIP client) calls our SipServer on 127.0.0.1 and streams a file.

Plain UDP, and the hardened edge: SIP over TLS (certificate checked by baresip against the
test CA), SRTP keyed by SDES (``mediaenc=srtp-mand``) and digest authentication
(``auth_pass``). baresip 1.0 (libre 1.1) knows MD5 digest only and gives up on a SHA-256
challenge listed first, so its server offers MD5 alone, as a site with such a PBX would.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import ssl
import struct
import subprocess
import wave
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest
from ports import free_port

from consult_assist.audio.g711 import ulaw_decode
from consult_assist.audio.pcm import SAMPLE_RATE, FloatArray, Resampler, int16_to_float
from consult_assist.sip.digest import DigestOptions
from consult_assist.sip.server import SipConfig, SipServer
from consult_assist.testing import RecordedCall, RecordingSink

pytestmark = [
    pytest.mark.sipp,
    pytest.mark.skipif(shutil.which("baresip") is None, reason="baresip not installed"),
]

ROOT = Path(__file__).resolve().parents[2]
UNIT = float(os.environ.get("CONSULT_ASSIST_TEST_UNIT", "1.0"))
MODULES = Path("/usr/lib/baresip/modules")
needs_modules = pytest.mark.skipif(not MODULES.is_dir(), reason="baresip modules not found")


def pcm_clip(seconds: float, *, name: str = "child-violence", offset_s: float = 2.0) -> np.ndarray:
    data = (ROOT / "samples" / f"{name}.tel.wav").read_bytes()
    pos = 12
    while data[pos : pos + 4] != b"data":
        pos += 8 + struct.unpack("<I", data[pos + 4 : pos + 8])[0]
    start = pos + 8 + int(offset_s * 8000)
    return ulaw_decode(data[start : start + int(seconds * 8000)])


def certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (it is its own CA for baresip)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = folder / "sip-cert.pem", folder / "sip-key.pem"
    request = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    subject = ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
    files = ["-keyout", str(key), "-out", str(cert)]
    subprocess.run(["openssl", *request, *subject, *files], check=True, capture_output=True)
    return cert, key


def server_tls(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


@contextlib.asynccontextmanager
async def baresip(
    folder: Path,
    pcm: np.ndarray,
    dial: str,
    *,
    account: str = "<sip:tester@127.0.0.1>;regint=0;audio_codecs=PCMU",
    tls_ca: Path | None = None,
    seconds: float = 20.0,
) -> AsyncIterator[None]:
    """Run baresip dialling ``dial`` and playing ``pcm`` (8 kHz int16); it hangs up at the end."""
    with wave.open(str(folder / "call.wav"), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(pcm.tobytes())
    lines = [
        f"sip_listen 127.0.0.1:{free_port()}",
        f"sip_transports {'tls' if tls_ca else 'udp'}",
        "net_interface 127.0.0.1",
        "audio_player aubridge,nil",
        f"audio_source aufile,{folder / 'call.wav'}",
        "audio_alert aubridge,nil",
        f"module_path {MODULES}",
        "module g711.so",
        "module aufile.so",
        "module aubridge.so",
        "module srtp.so",
        "module menu.so",
        "module account.so",
    ]
    if tls_ca is not None:
        lines.append(f"sip_cafile {tls_ca}")
    (folder / "config").write_text("\n".join(lines) + "\n")
    (folder / "accounts").write_text(account + "\n")
    with open(folder / "baresip.log", "wb") as log:
        proc = await asyncio.create_subprocess_exec(
            "baresip",
            "-f",
            str(folder),
            "-e",
            f"/dial {dial}",
            "-t",
            f"{seconds * UNIT:.0f}",
            stdout=log,
            stderr=asyncio.subprocess.STDOUT,
        )
        try:
            yield
        finally:
            if proc.returncode is None:
                proc.terminate()  # it stays up after the call; we started it, we end it
            await proc.wait()


def resampled(pcm: np.ndarray) -> FloatArray:
    resampler = Resampler(8000)
    ref = int16_to_float(pcm)
    return np.concatenate([resampler.process(ref), resampler.flush()])


def assert_same_audio(call: RecordedCall, pcm: np.ndarray) -> None:
    want, got = resampled(pcm), call.audio(0)
    assert abs(len(got) - len(want)) / SAMPLE_RATE < 0.2, (len(got), len(want))
    n = min(len(got), len(want))
    corr = float(np.dot(got[:n], want[:n]) / (np.linalg.norm(got[:n]) * np.linalg.norm(want[:n])))
    assert corr > 0.9


@needs_modules
async def test_baresip_call_streams_a_file(tmp_path: Path) -> None:
    pcm = pcm_clip(6.0)
    sink = RecordingSink()
    async with SipServer(sink, "127.0.0.1", 0) as server:
        dial = f"sip:hotline@127.0.0.1:{server.port}"
        async with baresip(tmp_path, pcm, dial):
            (call,) = await asyncio.wait_for(sink.wait_ended(1), 20 * UNIT)
    assert call.end_reason == "hangup"
    assert call.meta["caller"] == "tester"
    assert call.meta["srtp"] is False
    assert_same_audio(call, pcm)


@needs_modules
async def test_baresip_over_tls_with_srtp_and_digest_gets_its_audio_through(
    tmp_path: Path,
) -> None:
    pcm = pcm_clip(5.0)
    cert, key = certificate(tmp_path)
    sink = RecordingSink()
    config = SipConfig(
        transports=(),  # TLS only
        tls_port=0,
        srtp="required",
        digest=DigestOptions({"pbx": "s3cret"}, realm="hotline", algorithms=("MD5",)),
    )
    account = (
        "<sip:pbx@127.0.0.1;transport=tls>;auth_pass=s3cret;mediaenc=srtp-mand;regint=0;"
        "audio_codecs=PCMU"
    )
    tls = server_tls(cert, key)
    async with SipServer(
        sink, "127.0.0.1", 0, config=config, tls=tls, extension_known={"sato"}.__contains__
    ) as server:
        dial = f"sip:sato@127.0.0.1:{server.tls_port};transport=tls"
        async with baresip(tmp_path, pcm, dial, account=account, tls_ca=cert):
            (call,) = await asyncio.wait_for(sink.wait_ended(1), 20 * UNIT)
        counters = server.counters.copy()
    log = (tmp_path / "baresip.log").read_text(errors="replace")
    assert "SRTP is Enabled (cryptosuite=AES_CM_128_HMAC_SHA1_80)" in log
    assert call.end_reason == "hangup"
    assert (call.meta["transport"], call.meta["srtp"]) == ("tls", True)
    assert (call.meta["callee"], call.meta["authenticated_as"]) == ("sato", "pbx")
    assert counters["sip_auth_challenges"] == 1
    # Every packet was authenticated and decrypted with the key from the SDP over TLS.
    assert counters["rtp_srtp_refused"] == 0 and counters["rtp_packets"] >= 240
    assert_same_audio(call, pcm)


@needs_modules
async def test_baresip_with_a_wrong_password_never_gets_a_call(tmp_path: Path) -> None:
    sink = RecordingSink()
    digest = DigestOptions({"pbx": "s3cret"}, realm="hotline", algorithms=("MD5",))
    account = "<sip:pbx@127.0.0.1>;auth_pass=guess;regint=0;audio_codecs=PCMU"
    async with SipServer(sink, "127.0.0.1", 0, config=SipConfig(digest=digest)) as server:
        dial = f"sip:hotline@127.0.0.1:{server.port}"
        async with baresip(tmp_path, pcm_clip(1.0), dial, account=account):

            async def refused() -> None:
                while not server.counters["sip_refused_auth"]:
                    await asyncio.sleep(0.05)

            await asyncio.wait_for(refused(), 10 * UNIT)
    assert sink.calls == []
