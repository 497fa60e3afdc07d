"""How many decode workers, threads and requests per batch a machine gets (``--workers auto``).

Pure: the device and the core count are passed in (:func:`available_cpus` reads them).

* **CPU.** A worker runs one batch at a time on ``threads`` cores. CTranslate2's threads scale
  well up to about four cores per decode and poorly past that, while batching across calls
  gives the gain that more workers would: so up to four cores make one worker with every core
  (two cores: one worker × two threads, the whole machine on each batch), and larger machines
  one worker per four cores. Batches of up to 8.
* **GPU.** Two workers per GPU: while one batch computes on the device, the other worker
  prepares the next (mel features, prompts) on the CPU. Batches of up to 32.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

__all__ = ["WorkerPlan", "available_cpus", "plan_workers"]

_THREADS_PER_WORKER = 4
_CPU_BATCH = 8
_GPU_BATCH = 32
_GPU_WORKERS = 2


@dataclass(frozen=True)
class WorkerPlan:
    """The decode workers of one server and why."""

    device: str
    """``cpu`` or ``cuda``."""
    workers: int
    """Batches that may run at once (CTranslate2 model replicas sharing the weights)."""
    threads: int
    """CPU threads per worker (0 on a GPU: CTranslate2's default)."""
    max_batch: int
    """Most requests decoded together."""
    auto: bool
    """Whether the sizes were chosen for the machine (``--workers auto``)."""
    cpus: int
    """Cores available to this process."""

    def describe(self) -> str:
        """One line for the server's start-up output."""
        if self.device == "cpu":
            sizes = f"{self.workers} worker(s) × {self.threads} thread(s)"
        else:
            sizes = f"{self.workers} worker(s) on the GPU"
        how = f"auto for {self.cpus} core(s)" if self.auto else "as configured"
        if self.auto and self.device != "cpu":
            how = "auto for the GPU"
        return f"{sizes}, batches of up to {self.max_batch} ({how})"


def available_cpus() -> int:
    """Cores this process may run on (its CPU affinity, else the machine's count)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def plan_workers(device: str, *, workers: int = 0, threads: int = 0, cpus: int = 1) -> WorkerPlan:
    """Workers for ``device`` (``cpu``/``cuda``, already resolved) on ``cpus`` cores.

    ``workers`` 0 sizes them for the machine; ``threads`` 0 divides the cores among them.
    """
    cpus = max(1, cpus)
    auto = workers <= 0
    if device != "cpu":
        count = _GPU_WORKERS if auto else workers
        return WorkerPlan(device, count, max(0, threads), _GPU_BATCH, auto, cpus)
    if auto:
        per = min(cpus, _THREADS_PER_WORKER)
        workers = max(1, cpus // per)
    if threads <= 0:
        threads = max(1, cpus // workers)
    return WorkerPlan(device, workers, threads, _CPU_BATCH, auto, cpus)
