"""A plain SIP call from SIPp (μ-law, mono) through the real server and model: the handler
gets manual help, and the call record lists the sections (issue 11); a child's death wish on
such a line fills the risk sheet at the top tier, with the child's words as evidence (issue 14).

Marked ``model`` and ``sipp``; CI installs SIPp (Debian ``sip-tester``) and runs these.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from test_sip_hub import ROOT, _until_ended, hub_with_sip, transcriber  # noqa: F401
from test_sipp import run_sipp, ulaw_clip

from consult_assist.asr.whisper import WhisperTranscriber
from consult_assist.events import Event, Risk, SessionStarted, Suggestion, TranscriptFinal

pytestmark = [
    pytest.mark.model,
    pytest.mark.sipp,
    pytest.mark.skipif(shutil.which("sipp") is None, reason="SIPp is not installed"),
]


async def test_a_mulaw_sipp_call_gets_relevant_suggestions_and_a_record_with_sections(
    tmp_path: Path,
    transcriber: WhisperTranscriber,  # noqa: F811
) -> None:
    name, seconds = "neighbour-night", 48.0
    sidecar = json.loads((ROOT / "samples" / f"{name}.json").read_text(encoding="utf-8"))
    raised = {t["topic"] for t in sidecar["topic_times"] if t["at"] is not None and t["at"] < 40}
    events, record = await _sipp_call(tmp_path, transcriber, name, seconds)
    assert isinstance(events[0], SessionStarted)
    finals = [e for e in events if isinstance(e, TranscriptFinal)]
    assert finals and all(f.speaker == "unknown" for f in finals)  # a mixed mono line
    assert all(f.act for f in finals)  # every utterance has its speech act
    shown = {i.id for e in events if isinstance(e, Suggestion) for i in e.items}
    print(f"SIP call: suggested {sorted(shown)}; raised in the clip {sorted(raised)}")
    assert shown & raised, "no suggestion of a topic the call raised"
    sections = {s["id"] for s in record["sections"]}
    assert sections & raised, f"the record lists {sorted(sections)}"


async def test_a_childs_death_wish_on_a_mulaw_sipp_call_fills_the_sheet_at_the_top_tier(
    tmp_path: Path,
    transcriber: WhisperTranscriber,  # noqa: F811
) -> None:
    # The first 36 s of teen-suicidal: the handler's questions (「今、どこにいるのかな」「体を
    # 傷つけるものはあるかな」) and the girl's 「中学二年なんですけど、もう、死にたいって、毎日
    # 思ってて」, all on one mono μ-law line with no speakers told apart.
    name, seconds = "teen-suicidal", 36.0
    events, record = await _sipp_call(tmp_path, transcriber, name, seconds)
    sheets = [e for e in events if isinstance(e, Risk)]
    assert sheets, "no risk event on the SIP call"
    last = sheets[-1]
    print(f"SIP call: tier {last.tier}, severe {last.severe}, rules {last.rules}")
    assert "child_suicidal" in last.severe
    assert last.tier == "緊急一時保護を検討" and "R0" in last.rules
    evidence = [
        e for i in last.items for e in i.evidence if e.subitem == "child_suicidal" and not e.denies
    ]
    assert evidence and all(e.speaker != "handler" for e in evidence)
    assert any("たい" in e.text for e in evidence), [e.text for e in evidence]
    # Nothing on the sheet rests on the handler's questions alone.
    assert all(e.act != "question" for i in last.items for e in i.evidence)
    assert record["risk"]["tier"] == "緊急一時保護を検討"


async def _sipp_call(
    tmp_path: Path, recognizer: WhisperTranscriber, name: str, seconds: float
) -> tuple[list[Event], dict[str, Any]]:
    """The first ``seconds`` of samples/<name> as one SIPp μ-law call through the real server:
    every event of the call, and its record as JSON."""
    ulaw = ulaw_clip(name, seconds, offset_s=0.0)
    (tmp_path / "call.ulaw").write_bytes(ulaw)
    async with hub_with_sip(tmp_path, recognizer) as hub:
        port = hub.running.sip_server.port
        rc, logs = await run_sipp(
            "uac_stream.xml", port, tmp_path, pause_ms=len(ulaw) // 8 + 400, timeout_s=seconds + 20
        )
        assert rc == 0, logs
        events = await _until_ended(hub.events)
        session = events[0].session
        record = json.loads(await hub.supervisor.record(session, "json"))
    return events, record
