"""``bench capacity``'s call plan and clips (no model, no server)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from consult_assist.audio.file import read_pcm16
from consult_assist.bench.capacity import CapacityBenchOptions, _Recording, _recordings, _slots


def test_every_step_replays_every_file_spread_over_its_slots() -> None:
    recs = [_Recording(f"f{i}", Path(f"f{i}.wav"), "", 10.0) for i in range(5)]
    assert [[r.name for r in s] for s in _slots(recs, 2)] == [["f0", "f2", "f4"], ["f1", "f3"]]
    assert [len(s) for s in _slots(recs, 1)] == [5]
    # More slots than files: every slot gets a call, files are reused.
    seven = _slots(recs, 7)
    assert [len(s) for s in seven] == [1] * 7 and seven[5][0].name == "f0"


def test_a_clip_keeps_the_turns_that_end_in_time_with_the_file_s_own_samples(
    root: Path, tmp_path: Path
) -> None:
    sample = root / "samples" / "anonymous-reporter.flac"
    options = CapacityBenchOptions(files=(sample,), seconds=12.0)
    [rec] = _recordings(options, tmp_path)
    original, clip = read_pcm16(sample), read_pcm16(rec.path)
    assert clip.rate == original.rate and clip.exact
    n = clip.channels.shape[1]
    assert np.array_equal(clip.channels, original.channels[:, :n])  # the same samples
    assert rec.duration_s <= 12.0 + 0.8
    assert rec.reference.startswith("はい") and len(rec.reference) < 100
