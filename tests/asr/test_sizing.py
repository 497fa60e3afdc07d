from __future__ import annotations

from consult_assist.asr.sizing import WorkerPlan, available_cpus, plan_workers


def test_two_cores_make_one_worker_with_both_threads() -> None:
    plan = plan_workers("cpu", cpus=2)
    assert (plan.workers, plan.threads, plan.max_batch, plan.auto) == (1, 2, 8, True)
    assert plan.describe() == "1 worker(s) × 2 thread(s), batches of up to 8 (auto for 2 core(s))"


def test_larger_machines_get_a_worker_per_four_cores() -> None:
    assert (plan_workers("cpu", cpus=4).workers, plan_workers("cpu", cpus=4).threads) == (1, 4)
    sixteen = plan_workers("cpu", cpus=16)
    assert (sixteen.workers, sixteen.threads) == (4, 4)
    assert plan_workers("cpu", cpus=1) == WorkerPlan("cpu", 1, 1, 8, True, 1)


def test_a_gpu_gets_two_workers_and_bigger_batches() -> None:
    plan = plan_workers("cuda", cpus=16)
    assert (plan.workers, plan.max_batch, plan.threads) == (2, 32, 0)
    assert "on the GPU" in plan.describe() and "auto for the GPU" in plan.describe()


def test_configured_counts_are_kept_and_threads_divide_the_cores() -> None:
    plan = plan_workers("cpu", workers=2, cpus=8)
    assert (plan.workers, plan.threads, plan.auto) == (2, 4, False)
    assert "as configured" in plan.describe()
    assert plan_workers("cpu", workers=3, threads=1, cpus=8).threads == 1


def test_available_cpus_is_at_least_one() -> None:
    assert available_cpus() >= 1
