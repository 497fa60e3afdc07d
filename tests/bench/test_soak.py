"""``bench soak`` in miniature: a short call at 8 × real time, fake recognizer, no real phase."""

from __future__ import annotations

import pytest

from consult_assist.bench.soak import SoakOptions, run_soak


@pytest.mark.slow
async def test_a_short_soak_reports_every_measure_and_says_the_recognizer_is_fake() -> None:
    summary = await run_soak(SoakOptions(call_s=90.0, speed=8.0, real_call_s=0, supervisors=2))
    fake = summary["fake"]
    assert "real" not in summary and fake["asr"].startswith("fake: FakeTranscriber")
    assert "8x real time" in fake["asr"]
    assert fake["events_stored"] > 10 and fake["finals"] > 0
    assert fake["delivery"]["lost_events"] == 0 and fake["delivery"]["duplicated_events"] == 0
    assert fake["server_rss_mb"]["first_window_median"] > 0
    assert fake["server_rss_mb"]["window_s_of_call"] == 30.0
    for measure in ("knowledge_us_per_event", "store_commit_ms"):
        tenths = fake[measure]
        assert tenths["events"] >= 10 and tenths["first_tenth"]["mean"] > 0
        assert tenths["last_tenth"]["mean"] > 0 and tenths["last_over_first_mean"] > 0
