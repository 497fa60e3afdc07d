"""The microphone on a real capture device: PulseAudio, ALSA's ``pulse`` device, PortAudio.

The test starts its own PulseAudio server (as the test user; as root it runs with a warning,
see DEVELOPERS.md) with a null sink whose monitor is the default source, plays the first turns
of a sample call into the sink with ``paplay`` (real time), and:

* ``consult-assist devices`` lists the ALSA ``pulse`` device PortAudio sees;
* the handler app's F5 → that microphone streams it through PortAudio into a live call on a
  real server with the real model, whose finals match the sample (CER ≤ ``CER_BOUND``).

Skipped, with the reason, where PulseAudio, its ALSA plugin or PortAudio are missing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from realserver import real_server, wait_until

from consult_assist.asr.cer import cer
from consult_assist.audio.file import read_audio
from consult_assist.hub.auth import add_token
from consult_assist.hub.client import WebSocketHubClient
from consult_assist.tui.handler import make_handler_app
from consult_assist.tui.screens.confirm_screen import ConfirmScreen
from consult_assist.tui.screens.start_screen import StartScreen
from consult_assist.tui.settings import TuiConfig

ROOT = Path(__file__).resolve().parents[2]
UNIT = float(os.environ.get("CONSULT_ASSIST_TEST_UNIT", "1.0"))
SAMPLE = "anonymous-reporter"
CLIP_S = 33.0
CER_BOUND = 0.25
"""The offline transcription of this clip reads at CER ≤ 0.20 (tests/e2e/test_real_model.py);
the live path adds a resampling to the device's 44.1 kHz and back, and live endpointing."""

PULSE_PLUGIN = Path("/usr/lib/x86_64-linux-gnu/alsa-lib/libasound_module_pcm_pulse.so")


def _missing() -> str:
    for tool in ("pulseaudio", "pactl", "paplay"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (apt-get install pulseaudio pulseaudio-utils)"
    if not PULSE_PLUGIN.exists() and not list(Path("/usr/lib").glob("*/alsa-lib/*pcm_pulse.so")):
        return "ALSA's pulse plugin is not installed (apt-get install libasound2-plugins)"
    try:
        import sounddevice  # noqa: F401  # lazy: optional; a machine without PortAudio skips
    except (ImportError, OSError) as exc:
        return f"PortAudio/sounddevice is not usable: {exc}"
    return ""


pytestmark = [
    pytest.mark.model,
    pytest.mark.skipif(bool(_missing()), reason=_missing() or "ok"),
]


@pytest.fixture
def pulse(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A private PulseAudio server: a null sink ``call`` whose monitor is the default source."""
    runtime = tmp_path / "pulse"
    (runtime / "home").mkdir(parents=True)
    runtime.chmod(0o700)
    socket_path = runtime / "native"
    env = {
        **os.environ,
        "XDG_RUNTIME_DIR": str(runtime),
        "HOME": str(runtime / "home"),
        "PULSE_SERVER": f"unix:{socket_path}",
    }
    argv = ["pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1", "--use-pid-file=false"]
    argv += ["--log-target=stderr", "--log-level=error"]
    argv += ["-L", f"module-native-protocol-unix socket={socket_path} auth-anonymous=1"]
    argv += ["-L", "module-null-sink sink_name=call rate=16000 channels=1"]
    server = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    saved = {k: os.environ.get(k) for k in ("XDG_RUNTIME_DIR", "PULSE_SERVER", "HOME")}
    try:
        for _ in range(int(100 * UNIT)):
            if subprocess.run(["pactl", "info"], env=env, capture_output=True).returncode == 0:
                break
            if server.poll() is not None:
                pytest.fail(f"pulseaudio did not start: {server.stderr.read().decode()}")  # type: ignore[union-attr]
            time.sleep(0.1)
        subprocess.run(["pactl", "set-default-source", "call.monitor"], env=env, check=True)
        os.environ.update({k: env[k] for k in saved})
        _refresh_portaudio()
        yield env
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        server.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(10)
        if server.poll() is None:
            server.kill()
        _refresh_portaudio()


def _refresh_portaudio() -> None:
    """PortAudio lists devices once, at start: make it look again (ALSA's pulse hook too)."""
    import sounddevice  # lazy: optional, checked by the skip above

    sounddevice._terminate()
    sounddevice._initialize()


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The first turns of a sample call as a 16 kHz WAV, and their reference text."""
    audio = read_audio(ROOT / "samples" / f"{SAMPLE}.flac").mono()
    sidecar = json.loads((ROOT / "samples" / f"{SAMPLE}.json").read_text(encoding="utf-8"))
    turns = [t for t in sidecar["turns"] if t["end"] <= CLIP_S]
    end = turns[-1]["end"] + 0.8
    samples = np.concatenate([np.zeros(16000, np.float32), audio[: int(end * 16000)]])
    path = tmp_path_factory.mktemp("clip") / "clip.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return path, "".join(t["text"] for t in turns)


def test_devices_lists_the_pulse_capture_device(pulse: dict[str, str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "consult_assist.cli", "devices", "--json"],
        env=pulse,
        capture_output=True,
        text=True,
        timeout=60 * UNIT,
        check=True,
    )
    names = {d["name"] for d in json.loads(done.stdout)}
    assert "pulse" in names, names


async def test_the_handler_app_streams_the_microphone_into_a_live_call(
    pulse: dict[str, str], clip: tuple[Path, str], tmp_path: Path
) -> None:
    wav, reference = clip
    tokens = tmp_path / "tokens.json"
    sato = add_token(tokens, "sato", "handler")
    async with real_server(ROOT, tokens, tmp_path / "s.db", start_s=120, stop_s=120) as running:
        url = running.url
        app = make_handler_app(
            TuiConfig(server=url, bell=False, flash_s=0, tick_s=0), WebSocketHubClient(url, sato)
        )
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("f5")
            await wait_until(lambda: isinstance(app.screen, StartScreen), 10 * UNIT)
            from textual.widgets import OptionList

            devices = app.screen.query_one("#devices", OptionList)
            await wait_until(lambda: devices.option_count > 0, 30 * UNIT)
            prompts = [
                str(devices.get_option_at_index(i).prompt) for i in range(devices.option_count)
            ]
            devices.highlighted = next(i for i, p in enumerate(prompts) if ": pulse（" in p)
            await pilot.press("enter")
            await wait_until(lambda: app.live is not None, 30 * UNIT)
            assert app.live is not None and app.live.meta.get("source") == "mic"
            player = await asyncio.create_subprocess_exec(
                "paplay", "--device=call", str(wav), env=pulse
            )
            assert await asyncio.wait_for(player.wait(), (CLIP_S + 30) * UNIT) == 0
            await asyncio.sleep(2.0)  # the last words' endpoint (0.45 s) and the decode
            await pilot.press("f6")
            await wait_until(lambda: isinstance(app.screen, ConfirmScreen), 10 * UNIT)
            await pilot.press("down", "enter")
            view = app.view
            assert view is not None
            await wait_until(lambda: view.ended, 120 * UNIT)
            finals = [line.text for line in view.lines.values() if line.final]
    text = "".join(finals)
    rate, _, _ = cer(reference, text)
    print(f"microphone path: {len(finals)} finals, CER {rate:.3f}: {text}")
    assert len(finals) >= 3
    assert rate <= CER_BOUND, f"CER {rate:.1%}: {text}"
