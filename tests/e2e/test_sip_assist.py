"""A plain SIP call from SIPp (μ-law, mono) through the real server and model: the handler
gets manual help, and the call record lists the sections (issue 11).

Marked ``model`` and ``sipp``; CI installs SIPp (Debian ``sip-tester``) and runs these.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from test_sip_hub import ROOT, _until_ended, hub_with_sip, transcriber  # noqa: F401
from test_sipp import run_sipp, ulaw_clip

from consult_assist.asr.whisper import WhisperTranscriber
from consult_assist.events import SessionStarted, Suggestion, TranscriptFinal

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
    ulaw = ulaw_clip(name, seconds, offset_s=0.0)
    (tmp_path / "call.ulaw").write_bytes(ulaw)
    async with hub_with_sip(tmp_path, transcriber) as hub:
        port = hub.running.sip_server.port
        rc, logs = await run_sipp(
            "uac_stream.xml", port, tmp_path, pause_ms=len(ulaw) // 8 + 400, timeout_s=seconds + 20
        )
        assert rc == 0, logs
        events = await _until_ended(hub.events)
        session = events[0].session
        record = json.loads(await hub.supervisor.record(session, "json"))
    assert isinstance(events[0], SessionStarted)
    finals = [e for e in events if isinstance(e, TranscriptFinal)]
    assert finals and all(f.speaker == "unknown" for f in finals)  # a mixed mono line
    assert all(f.act for f in finals)  # every utterance has its speech act
    shown = {i.id for e in events if isinstance(e, Suggestion) for i in e.items}
    print(f"SIP call: suggested {sorted(shown)}; raised in the clip {sorted(raised)}")
    assert shown & raised, "no suggestion of a topic the call raised"
    sections = {s["id"] for s in record["sections"]}
    assert sections & raised, f"the record lists {sorted(sections)}"
