"""User-facing recognition options: the recognizer options of one source, the model loader."""

from __future__ import annotations

from pathlib import Path

import pytest

from consult_assist.asr.options import ModelOptions, StreamOptions, load_transcriber
from consult_assist.asr.recognizer import RecognizerOptions
from consult_assist.asr.vad import NARROWBAND_THRESHOLD, WIDEBAND_THRESHOLD
from consult_assist.errors import ModelError


def test_the_vad_threshold_follows_the_source_bandwidth() -> None:
    stream = StreamOptions()
    assert stream.recognizer_options(16000).segmenter.threshold == WIDEBAND_THRESHOLD
    assert stream.recognizer_options(8000).segmenter.threshold == NARROWBAND_THRESHOLD
    assert stream.recognizer_options().segmenter.threshold == WIDEBAND_THRESHOLD


def test_a_given_threshold_holds_for_every_source() -> None:
    stream = StreamOptions(vad_threshold=0.42)
    assert {stream.recognizer_options(r).segmenter.threshold for r in (8000, 48000)} == {0.42}


def test_the_soft_split_is_65_percent_of_the_longest_utterance_at_most_9_s() -> None:
    short = StreamOptions(min_silence_s=0.3, max_utterance_s=10.0, partials=False)
    options = short.recognizer_options()
    assert options.segmenter.soft_max_s == pytest.approx(6.5)
    assert (options.segmenter.min_silence_s, options.segmenter.max_utterance_s) == (0.3, 10.0)
    assert options.partials is False
    assert StreamOptions(max_utterance_s=20.0).recognizer_options().segmenter.soft_max_s == 9.0


def test_the_defaults_match_the_recognizer_defaults() -> None:
    assert StreamOptions().recognizer_options() == RecognizerOptions()


def test_a_missing_model_directory_is_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="does not exist"):
        load_transcriber(ModelOptions(model=str(tmp_path / "nope") + "/", models_dir=tmp_path))


@pytest.mark.model
def test_the_default_model_loads_with_the_options_given(root: Path) -> None:
    options = ModelOptions(models_dir=root / "models", device="cpu", beam_size=3, hotwords="血")
    transcriber = load_transcriber(options, num_workers=2)
    assert (transcriber.device, transcriber.compute_type) == ("cpu", "int8")
    assert transcriber.options.beam_size == 3 and transcriber.options.num_workers == 2
    assert transcriber.options.hotwords == "血"
    expected = (root / "models" / "whisper-base").resolve()
    assert Path(transcriber.options.model).resolve() == expected
