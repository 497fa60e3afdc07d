"""The shared flag groups become frozen options; nothing below the CLI sees argparse."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from consult_assist.asr.options import ModelOptions, StreamOptions
from consult_assist.cli import build_parser
from consult_assist.cli.recognition import model_options, resolve_hotwords, stream_options


def test_defaults_are_the_options_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MODEL", "DEVICE", "COMPUTE_TYPE", "LANGUAGE"):
        monkeypatch.delenv(f"CONSULT_ASSIST_{name}", raising=False)
    args = build_parser().parse_args(["transcribe", "call.wav"])
    assert model_options(args) == ModelOptions()
    assert stream_options(args) == StreamOptions()


def test_every_model_and_stream_flag_lands_in_its_field(tmp_path: Path) -> None:
    argv = ["transcribe", "call.wav", "--model", "large-v3", "--device", "cuda"]
    argv += ["--compute-type", "int8_float16", "--language", "en", "--beam-size", "3"]
    argv += ["--threads", "2", "--hotwords", "児童相談所", "--models-dir", str(tmp_path)]
    argv += ["--min-silence", "0.6", "--max-utterance", "10", "--vad-threshold", "0.4"]
    argv += ["--no-partials"]
    args = build_parser().parse_args(argv)
    assert model_options(args) == ModelOptions(
        model="large-v3",
        models_dir=tmp_path,
        device="cuda",
        compute_type="int8_float16",
        language="en",
        beam_size=3,
        threads=2,
        hotwords="児童相談所",
    )
    assert stream_options(args) == StreamOptions(
        min_silence_s=0.6, max_utterance_s=10.0, vad_threshold=0.4, partials=False
    )


def test_the_model_flags_read_their_environment_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CONSULT_ASSIST_DEVICE", "cpu")
    monkeypatch.setenv("CONSULT_ASSIST_MODEL", "/srv/models/kotoba")
    args = build_parser().parse_args(["demo"])
    options = model_options(args)
    assert (options.device, options.model) == ("cpu", "/srv/models/kotoba")


def test_serve_takes_the_model_from_its_merged_config() -> None:
    args = build_parser().parse_args(["serve", "--beam-size", "2"])
    assert (args.model, args.device, args.compute_type) == (None, None, None)
    options = model_options(args, model="whisper-base", device="cpu", compute_type="int8")
    assert dataclasses.astuple(options)[:4] == ("whisper-base", None, "cpu", "int8")
    assert options.beam_size == 2


def test_hotwords_off_auto_or_given(manual_dir: Path) -> None:
    assert resolve_hotwords(None, manual_dir) == ""
    assert resolve_hotwords("off", manual_dir) == ""
    assert resolve_hotwords("児童相談所、一時保護", manual_dir) == "児童相談所、一時保護"
    auto = resolve_hotwords("auto", manual_dir)
    assert auto and all(len(term) >= 2 for term in auto.split("、"))


def test_options_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        ModelOptions().device = "cuda"  # type: ignore[misc]
