"""Look at the apps without a server: a FakeHubClient plays a short Japanese call into them.

    .venv/bin/python tools/tui_preview.py handler       # F2/F3/F4/F6 are answered by the fake
    .venv/bin/python tools/tui_preview.py supervisor    # two calls, a help request that flashes

Dev-only (not part of the product); the events are those of tests/tui/sample_call.py.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "tui"))

from sample_call import call_events  # noqa: E402

from consult_assist.events import Advice, HelpRequest, TranscriptFinal  # noqa: E402
from consult_assist.testing import FakeHubClient  # noqa: E402
from consult_assist.tui.settings import TuiConfig  # noqa: E402

TASKS: set[asyncio.Task[None]] = set()
"""The event players (kept so they are not garbage-collected mid-call)."""


class FakeStarter:
    """Starts a call on the fake hub and plays the sample call into it."""

    def __init__(self, client: FakeHubClient, step_s: float) -> None:
        self.client, self.step_s = client, step_s

    def devices(self) -> list[object]:
        from consult_assist.errors import AudioError

        raise AudioError("no microphone found: this machine has no audio input device")

    async def microphone(self, client: object, device: str | int | None) -> str:
        return await self.file(client, Path("mic"), speed=1.0)

    async def file(self, client: object, path: Path, *, speed: float) -> str:
        session = await self.client.start_session(training=True, meta={"source": str(path)})
        asyncio.get_running_loop().create_task(play(self.client, session, self.step_s, skip=1))
        return session


async def play(
    client: FakeHubClient,
    session: str,
    step_s: float,
    *,
    skip: int = 0,
    handler: str = "佐藤",
    training: bool = False,
) -> None:
    started = datetime.now(UTC).isoformat()
    for event in call_events(session, handler=handler, training=training, started_at=started)[
        skip:
    ]:
        await asyncio.sleep(step_s)
        client.emit(event)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("app", choices=("handler", "supervisor"))
    parser.add_argument("--step", type=float, default=0.4, help="seconds between events")
    args = parser.parse_args()
    config = TuiConfig(server="ws://preview/")
    if args.app == "handler":
        from consult_assist.tui.handler import make_handler_app

        client = FakeHubClient(name="佐藤")
        app = make_handler_app(config, client, starter=FakeStarter(client, args.step))
        TASKS.add(asyncio.get_running_loop().create_task(play(client, "call-1", args.step)))
    else:
        from consult_assist.tui.supervisor import make_supervisor_app

        client = FakeHubClient(name="田中", role="supervisor")
        app = make_supervisor_app(config, client)  # type: ignore[assignment]
        loop = asyncio.get_running_loop()
        TASKS.add(loop.create_task(play(client, "call-1", args.step)))
        TASKS.add(
            loop.create_task(play(client, "call-2", args.step * 1.3, handler="鈴木", training=True))
        )

        async def later() -> None:
            await asyncio.sleep(args.step * 16)
            client.emit(
                HelpRequest(session="call-1", reason="虐待の疑い、判断を相談したい", by="佐藤")
            )
            client.emit(
                TranscriptFinal(
                    session="call-2",
                    utterance=9,
                    start=40,
                    end=42,
                    text="わかりました。少し落ち着きました。",
                    speaker="caller",
                )
            )
            client.emit(Advice(session="call-2", text="年齢を確認してください", by="田中"))

        TASKS.add(loop.create_task(later()))
    await app.run_async()


if __name__ == "__main__":
    asyncio.run(main())
