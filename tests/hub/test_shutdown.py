"""How a node stops: SIGINT at once; SIGTERM drains (no new calls, bounded), a second stops."""

from __future__ import annotations

import asyncio
import os
import signal

from hubtools import TIMEOUT

from consult_assist.hub.shutdown import Shutdown


class Calls:
    """A hub as the drain sees it: whether it drains, and how many calls it carries."""

    def __init__(self, live: int) -> None:
        self.draining = False
        self.live_count = live


async def test_a_stop_returns_at_once_without_draining() -> None:
    shutdown, hub = Shutdown(), Calls(live=3)
    shutdown.stop.set()
    await asyncio.wait_for(shutdown.wait(hub, drain_s=60), TIMEOUT)
    assert not hub.draining


async def test_a_drain_takes_no_new_calls_and_returns_when_the_last_call_ends() -> None:
    shutdown, hub = Shutdown(), Calls(live=2)
    waiting = asyncio.create_task(shutdown.wait(hub, drain_s=60))
    shutdown.terminate()
    await asyncio.sleep(0.3)
    assert hub.draining and not waiting.done()
    hub.live_count = 0
    await asyncio.wait_for(waiting, TIMEOUT)


async def test_a_drain_is_bounded_and_a_second_sigterm_stops_at_once() -> None:
    shutdown, hub = Shutdown(), Calls(live=1)
    shutdown.terminate()
    await asyncio.wait_for(shutdown.wait(hub, drain_s=0.2), TIMEOUT)  # the call never ends
    again, other = Shutdown(), Calls(live=1)
    waiting = asyncio.create_task(again.wait(other, drain_s=60))
    again.terminate()
    await asyncio.sleep(0.1)
    again.terminate()
    await asyncio.wait_for(waiting, TIMEOUT)
    assert again.stop.is_set()


async def test_the_signals_are_sigint_to_stop_and_sigterm_to_drain() -> None:
    shutdown = Shutdown()
    shutdown.install()
    try:
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(shutdown.drain.wait(), TIMEOUT)
        assert not shutdown.stop.is_set()
        os.kill(os.getpid(), signal.SIGINT)
        await asyncio.wait_for(shutdown.stop.wait(), TIMEOUT)
    finally:
        shutdown.remove()
