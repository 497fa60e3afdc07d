"""A manual section opens at once however busy the recognizer is (real server, real websockets).

Several calls stream at once into a server whose (fake) recognizer is slow: every decode holds
a worker for a while (the GIL released, as CTranslate2 does) plus a little pure-Python work (the
GIL held). A handler then opens manual sections, through the client and through the app; each
must come back within one ``CONSULT_ASSIST_TEST_UNIT`` (a second by default: "well under a
second" on an idle machine). The times are printed, not asserted (docs/benchmarks.md: speed is
for the benchmarks; this is a bound that a queued-behind-the-recognizer answer would miss).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from inprocess import in_process_server
from textual.widgets import Markdown
from tuitools import UNIT, until

from consult_assist.asr.decoding import DecodeRequest, DecodeResult
from consult_assist.config import ServerConfig
from consult_assist.hub.auth import add_token
from consult_assist.hub.client import WebSocketHubClient
from consult_assist.hub.replay import pcm_frames
from consult_assist.knowledge.manual import load_manual
from consult_assist.testing import EnergyDetector, FakeTranscriber, tone_call
from consult_assist.tui.handler import make_handler_app
from consult_assist.tui.screens.section_screen import SectionScreen
from consult_assist.tui.settings import TuiConfig

ROOT = Path(__file__).resolve().parents[2]
CALLS = 4


class BusyTranscriber(FakeTranscriber):
    """A slow recognizer: each decode waits ``wait_s`` (GIL free), spins ``spin_s`` (GIL held)."""

    def __init__(self, *, wait_s: float = 0.25, spin_s: float = 0.02) -> None:
        super().__init__(keep_requests=False)
        self.wait_s, self.spin_s = wait_s, spin_s
        self.decodes = 0

    def decode(self, request: DecodeRequest) -> DecodeResult:
        time.sleep(self.wait_s)
        until_s = time.perf_counter() + self.spin_s
        while time.perf_counter() < until_s:
            pass
        self.decodes += 1
        return super().decode(request)


@pytest.fixture
async def busy_server(tmp_path: Path) -> AsyncIterator[tuple[str, str, BusyTranscriber]]:
    """A server with ``CALLS`` calls streaming and its recognizer busy."""
    tokens = tmp_path / "tokens.json"
    sato = add_token(tokens, "sato", "handler")
    config = ServerConfig(port=0, tokens=tokens, db=tmp_path / "s.db", manuals=ROOT / "manuals")
    busy = BusyTranscriber()
    frames = pcm_frames(
        (tone_call([(0.3 + 1.5 * i, 1.3 + 1.5 * i) for i in range(40)], total_s=61.0),), 0.1
    )
    async with in_process_server(config, busy, start_s=30, detector_factory=EnergyDetector) as srv:
        callers = [WebSocketHubClient(srv.url, sato, reconnect=False) for _ in range(CALLS)]

        async def stream(client: WebSocketHubClient) -> None:
            await client.connect()
            await client.start_session(meta={"source": "mic"})
            for frame in frames:  # 2 × real time, for the whole test
                await client.send_audio(frame)
                await asyncio.sleep(0.05)

        streams = [asyncio.create_task(stream(c)) for c in callers]
        try:
            while busy.decodes < 2 * CALLS:  # the recognizer is busy now
                await asyncio.sleep(0.05)
            yield srv.url, sato, busy
        finally:
            for s in streams:
                s.cancel()
            await asyncio.gather(*streams, return_exceptions=True)
            for c in callers:
                await c.close()


def section_ids() -> list[str]:
    return [s.id for s in load_manual(ROOT / "manuals").sections][:10]


async def test_sections_come_back_at_once_while_the_recognizer_is_busy(
    busy_server: tuple[str, str, BusyTranscriber],
) -> None:
    url, token, busy = busy_server
    client = WebSocketHubClient(url, token)
    await client.connect()
    took: list[float] = []
    try:
        for section_id in section_ids() * 2:
            started = time.perf_counter()
            section = await asyncio.wait_for(client.section(section_id), 1 * UNIT)
            took.append(time.perf_counter() - started)
            assert section.id == section_id and section.body
    finally:
        await client.close()
    print(
        f"section under load ({CALLS} calls, {busy.decodes} decodes so far): median "
        f"{statistics.median(took) * 1000:.1f} ms, max {max(took) * 1000:.1f} ms"
    )


async def test_the_app_opens_a_section_at_once_during_a_loaded_call(
    busy_server: tuple[str, str, BusyTranscriber],
) -> None:
    url, token, _ = busy_server
    app = make_handler_app(
        TuiConfig(server=url, bell=False, tick_s=0, flash_s=0), WebSocketHubClient(url, token)
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.live is not None)
        first = section_ids()[0]
        started = time.perf_counter()
        app.open_section(first, "マニュアル")

        def shown() -> bool:
            screen = app.screen
            bodies = list(screen.query(Markdown)) if isinstance(screen, SectionScreen) else []
            return bool(bodies) and "読み込み中" not in bodies[0].source

        await asyncio.wait_for(_poll(pilot, shown), 10 * UNIT)
        print(
            f"section shown in the app during a loaded call: {time.perf_counter() - started:.3f} s"
        )
        assert "マニュアルを開けません" not in app.screen.query_one(Markdown).source


async def _poll(pilot: object, ready: Callable[[], bool]) -> None:
    while not ready():
        await pilot.pause()  # type: ignore[attr-defined]
