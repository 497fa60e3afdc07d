"""The two apps against the real server and the real model, with a replayed sample call.

The handler app receives finals, suggestions and an alert; its help request reaches the
supervisor app, which picks it up; the handler app shows who did.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest
from realserver import real_server, wait_until

from consult_assist.hub.auth import add_token
from consult_assist.hub.client import WebSocketHubClient
from consult_assist.hub.replay import replay_file
from consult_assist.tui.handler import make_handler_app
from consult_assist.tui.settings import TuiConfig
from consult_assist.tui.supervisor import make_supervisor_app

pytestmark = pytest.mark.model
ROOT = Path(__file__).resolve().parents[2]
UNIT = float(os.environ.get("CONSULT_ASSIST_TEST_UNIT", "1.0"))


async def test_handler_and_supervisor_apps_on_a_real_server(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens.json"
    sato = add_token(tokens, "sato", "handler")
    tanaka = add_token(tokens, "tanaka", "supervisor")
    kato = add_token(tokens, "kato", "trainer")
    async with real_server(ROOT, tokens, tmp_path / "s.db") as running:
        url = running.url
        handler_client = WebSocketHubClient(url, sato)
        handler = make_handler_app(TuiConfig(server=url, bell=False, tick_s=0), handler_client)
        supervisor_client = WebSocketHubClient(url, tanaka)
        supervisor = make_supervisor_app(
            TuiConfig(server=url, flash_s=0, tick_s=0), supervisor_client
        )
        trainer = WebSocketHubClient(url, kato, reconnect=False)
        helped = asyncio.Event()
        picked_up = asyncio.Event()
        seen: dict[str, Any] = {}

        async def run_handler() -> None:
            async with handler.run_test(size=(120, 40)) as pilot:
                await trainer.connect()
                sample = ROOT / "samples" / "neighbour-night.flac"
                seen["session"] = await replay_file(trainer, sample, speed=1.5, for_handler="sato")

                def heard() -> bool:
                    view = handler.view
                    finals = [line for line in view.lines.values() if line.final] if view else []
                    return bool(view and len(finals) >= 3 and view.suggestions and view.alerts)

                await wait_until(heard, 120 * UNIT)
                view = handler.view
                assert view is not None and view.meta.get("training") is True
                seen["alert"] = view.alerts[0].word
                await pilot.press("f2")
                await pilot.pause()
                for key in "cry":
                    await pilot.press(key)
                await pilot.press("enter")
                await wait_until(lambda: bool(view.help), 20 * UNIT)
                helped.set()
                await asyncio.wait_for(picked_up.wait(), 60 * UNIT)
                await wait_until(lambda: any(h.acked_by for h in view.help), 20 * UNIT)
                seen["acked_by"] = [h.acked_by for h in view.help]

        async def run_supervisor() -> None:
            async with supervisor.run_test(size=(120, 40)) as pilot:
                await asyncio.wait_for(helped.wait(), 180 * UNIT)
                session = seen["session"]

                def has_help() -> bool:
                    view = supervisor.views.get(session)
                    return bool(view and view.help)

                await wait_until(has_help, 20 * UNIT)
                seen["help_reason"] = supervisor.views[session].help[0].reason
                await pilot.press("enter")  # watch the (only) call
                await pilot.pause()
                await pilot.press("f3")  # pick up its help request
                await wait_until(
                    lambda: supervisor.views[session].help[0].acked_by != "", 20 * UNIT
                )
                picked_up.set()

        try:
            await asyncio.gather(run_handler(), run_supervisor())
        finally:
            await trainer.close()
    assert seen["help_reason"] == "cry"
    assert seen["acked_by"] == ["tanaka"]
    assert seen["alert"]
