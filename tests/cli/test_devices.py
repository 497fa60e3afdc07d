"""``consult-assist devices``: the table, JSON, no device, no PortAudio, this machine."""

from __future__ import annotations

import importlib.abc
import io
import json
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from consult_assist.audio.mic import InputDevice, list_devices, open_microphone
from consult_assist.cli import main
from consult_assist.cli.devices import devices
from consult_assist.errors import AudioError


class FakePortAudioError(Exception):
    pass


class FakeSoundDevice:
    """The ``sounddevice`` calls a device listing makes, over a fixed device table."""

    PortAudioError = FakePortAudioError

    def __init__(self, inputs: list[tuple[int, str, int, float]], default: int) -> None:
        self.devices = [
            {
                "index": index,
                "name": name,
                "hostapi": 0,
                "max_input_channels": channels,
                "max_output_channels": 2,
                "default_samplerate": rate,
            }
            for index, name, channels, rate in inputs
        ]
        self.default = default

    def query_devices(self, device: Any = None, kind: str | None = None) -> Any:
        if kind == "input":
            if self.default < 0:
                raise FakePortAudioError("Error querying device -1")
            return next(d for d in self.devices if d["index"] == self.default)
        return list(self.devices)

    def query_hostapis(self) -> tuple[dict[str, Any], ...]:
        return ({"name": "ALSA"},)


LAPTOP = FakeSoundDevice(
    [
        (0, "HDA Intel PCH: ALC3246 Analog (hw:0,0)", 2, 48000.0),
        (1, "HDMI 0 (hw:0,3)", 0, 48000.0),
        (2, "USB Headset: Audio (hw:1,0)", 1, 44100.0),
        (4, "default", 32, 48000.0),
    ],
    default=4,
)


def test_the_table_marks_the_default_and_skips_outputs() -> None:
    out = io.StringIO()
    assert devices(out, backend=LAPTOP) == 0
    lines = out.getvalue().splitlines()
    assert "index" in lines[0] and "name" in lines[0] and "rate" in lines[0]
    assert len(lines) == 1 + 3 + 1  # header, three inputs (no HDMI), the footnote
    assert lines[3].startswith("*") and "default" in lines[3] and "48000" in lines[3]
    assert "USB Headset" in lines[2] and "44100" in lines[2]


def test_json_lists_every_input() -> None:
    out = io.StringIO()
    assert devices(out, as_json=True, backend=LAPTOP) == 0
    listed = json.loads(out.getvalue())
    assert listed[1] == {
        "index": 2,
        "name": "USB Headset: Audio (hw:1,0)",
        "channels": 1,
        "default_rate": 44100,
        "is_default": False,
        "hostapi": "ALSA",
    }


def test_no_device_is_a_sentence_not_an_error() -> None:
    out = io.StringIO()
    assert devices(out, backend=FakeSoundDevice([], default=-1)) == 0
    assert out.getvalue() == "no microphones found: this machine has no audio input device.\n"


class _RaiseOnImport(importlib.abc.MetaPathFinder):
    def find_spec(self, name: str, path: Any, target: Any = None) -> None:
        if name == "sounddevice":
            raise OSError("PortAudio library not found")
        return None


@pytest.fixture
def no_portaudio(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``import sounddevice`` fails the way it does without libportaudio2."""
    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)
    finder = _RaiseOnImport()
    sys.meta_path.insert(0, finder)
    yield
    sys.meta_path.remove(finder)


@pytest.mark.usefixtures("no_portaudio")
def test_without_portaudio_exits_1_with_one_sentence(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["devices"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and "libportaudio2" in captured.err


def test_real_portaudio_on_this_machine(capsys: pytest.CaptureFixture[str]) -> None:
    """Whatever this machine has (headless CI: nothing), ``devices`` answers and exits 0."""
    pytest.importorskip("sounddevice", exc_type=OSError)
    found = list_devices()
    assert all(isinstance(d, InputDevice) for d in found)
    assert main(["devices"]) == 0
    out = capsys.readouterr().out
    if found:
        assert "index" in out.splitlines()[0]
    else:
        assert out.startswith("no microphones found")
        with pytest.raises(AudioError, match="no microphone found"):
            open_microphone()
    assert main(["devices", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == len(found)
