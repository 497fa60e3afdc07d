"""``bench hub`` end to end, briefly: a server process, a call, supervisors, one cut off."""

from __future__ import annotations

import asyncio
import json
import random
import time
from pathlib import Path
from typing import Any

import pytest

from consult_assist.bench import delivery
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
    assert summary["drained"] is True  # every supervisor had every end before the count
    assert summary["callers_stuck"] == 0
    assert summary["supervisors_killed_and_resumed"] == 1
    assert any(text.startswith("nodes up at ws://") for text in said)


@pytest.mark.slow
async def test_two_nodes_on_postgresql_beside_one_sqlite_node(pg_url: str) -> None:
    halves: list[dict[str, Any]] = []
    summary = await run_hub_bench(
        calls=2,
        supervisors=2,
        duration_s=3.0,
        kill=0,
        nodes=2,
        store=pg_url,
        store_connections=2,
        on_phase=halves.append,
    )
    json.dumps(summary)
    # The PostgreSQL half was handed out before the SQLite run began.
    [half] = halves
    assert half["postgres"] == summary["postgres"] and half["sqlite_one_node"] is None
    assert summary["asr"].startswith("fake: FakeTranscriber") and summary["nodes"] == 2
    for run in (summary["postgres"], summary["sqlite_one_node"]):
        assert run["sessions"] == 2 and run["lost_events"] == 0
        assert run["duplicated_events"] == 0 and run["session_lists_differing_from_store"] == 0
    on_pg = summary["postgres"]
    assert sorted(on_pg["nodes"]) == ["bench-1", "bench-2"]
    assert on_pg["nodes"]["bench-1"]["store_writes"]["count"] >= 2
    assert summary["store_connections_per_node"] == 2
    assert on_pg["nodes"]["bench-1"]["store_writes"]["connections"] == 2
    # One supervisor per node, one call per node: each sees a call of the other node.
    assert on_pg["delivery_latency_ms_by_path"]["other_node"]["p50"] > 0
    assert set(summary["postgres_over_sqlite"]) == {
        "delivery_p50", "delivery_p99", "server_cpu_cores"
    }  # fmt: skip


async def test_a_caller_stuck_past_the_grace_is_cancelled_and_counted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(delivery, "CALLER_GRACE_S", 0.2)
    plan = delivery._Plan(1, 0, 0.1, 0, 7, [Path("x.flac")], [], 1)
    done = asyncio.create_task(asyncio.sleep(0))
    stuck = asyncio.create_task(asyncio.Event().wait())  # a replay that never ends
    said: list[str] = []
    count = await delivery._watch(
        [], [done, stuck], [], plan, random.Random(1), time.monotonic(), [], said.append
    )
    assert count == 1 and stuck.cancelled() and not done.cancelled()
    assert any("cancelled" in line for line in said)
