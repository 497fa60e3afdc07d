"""``bench hub`` end to end, briefly: a server process, a call, supervisors, one cut off."""

from __future__ import annotations

import json

import pytest

from consult_assist.bench.delivery import run_hub_bench


@pytest.mark.slow
async def test_a_short_run_loses_nothing_and_says_the_recognizer_is_fake() -> None:
    said: list[str] = []
    summary = await run_hub_bench(
        calls=1, supervisors=3, duration_s=4.0, kill=1, progress=said.append
    )
    json.dumps(summary)  # JSON-able, as the command prints it
    assert summary["asr"].startswith("fake: FakeTranscriber")
    assert summary["sessions"] == 1 and summary["events_stored"] >= 2
    assert summary["lost_events"] == 0 and summary["duplicated_events"] == 0
    assert summary["session_lists_differing_from_store"] == 0
    assert summary["supervisors_killed_and_resumed"] == 1
    assert any(text.startswith("server up at ws://") for text in said)
