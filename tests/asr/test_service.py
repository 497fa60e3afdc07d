from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Sequence

from test_scheduler import req

from consult_assist.asr.decoding import DecodeRequest, DecodeResult
from consult_assist.asr.scheduler import SchedulerOptions
from consult_assist.asr.service import AsrService
from consult_assist.testing import FakeTranscriber

UNIT = float(os.environ.get("CONSULT_ASSIST_TEST_UNIT", "1.0"))


class Gate(FakeTranscriber):
    """A model whose batches wait until the test opens the gate; it keeps every batch."""

    def __init__(self) -> None:
        super().__init__(compute_s=0.0)
        self.gate = threading.Event()
        self.entered = threading.Event()

    def decode_batch(self, requests: Sequence[DecodeRequest]) -> list[DecodeResult]:
        self.entered.set()
        self.gate.wait(10 * UNIT)
        return super().decode_batch(requests)


def collect(service: AsrService, streams: Sequence[str]) -> list[DecodeResult]:
    got: list[DecodeResult] = []
    for stream in streams:
        service.register(stream, lambda: 0.0, got.append)
    return got


async def until(predicate, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(timeout * UNIT):
        while not predicate():
            await asyncio.sleep(0.005)


async def test_requests_arriving_while_the_worker_is_busy_form_one_batch() -> None:
    model = Gate()
    async with AsrService(model, scheduler=SchedulerOptions(max_batch=4)) as service:
        got = collect(service, [f"s{i}" for i in range(6)])
        first = req("s0", "final", session="c0")
        service.submit([first])
        await asyncio.to_thread(model.entered.wait, 5 * UNIT)
        rest = [req(f"s{i}", "final", session=f"c{i}") for i in range(1, 6)]
        service.submit(rest)
        model.gate.set()
        await until(lambda: len(got) == 6)
    assert [len(b) for b in model.batches] == [1, 4, 1]  # a lone request never waited
    assert [r.request for r in got] == [first, *rest]
    assert service.scheduler.stats.batch_sizes == {1: 2, 4: 1}


async def test_a_failed_batch_answers_each_request_with_an_error() -> None:
    class Broken(FakeTranscriber):
        def decode_batch(self, requests: Sequence[DecodeRequest]) -> list[DecodeResult]:
            raise RuntimeError("CUDA out of memory")

    async with AsrService(Broken()) as service:
        got = collect(service, ["a", "b"])
        service.submit([req("a", "final", session="x"), req("b", "partial", session="y")])
        await until(lambda: len(got) == 2)
    assert all(r.error == "RuntimeError: CUDA out of memory" for r in got)
    assert service.scheduler.stats.failed_batches >= 1


async def test_closing_answers_queued_finals_with_an_error_and_later_ones_at_once() -> None:
    model = Gate()
    service = AsrService(model)
    service.start()
    got = collect(service, ["a", "b", "c"])
    running = req("a", "final")
    service.submit([running])
    await asyncio.to_thread(model.entered.wait, 5 * UNIT)
    queued = req("b", "final")
    service.submit([queued])
    closing = asyncio.create_task(service.close())
    await until(lambda: len(got) == 1)
    assert got[0].request is queued and got[0].error == "the server is stopping"
    late = req("c", "final")
    service.submit([late])
    assert got[-1].request is late and got[-1].error
    model.gate.set()  # the batch in flight still completes
    await closing
    assert got[-1].request is running and not got[-1].error
