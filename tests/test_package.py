"""Importing the package: what it sets up for every process of ours."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

_SHOW = "import consult_assist, os; print(os.environ.get('OPENBLAS_NUM_THREADS'))"


def _fresh(env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", _SHOW], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_numpy_gets_one_blas_thread_unless_the_operator_chose() -> None:
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    assert _fresh(env) == "1"


@pytest.mark.parametrize("chosen", ["4", "16"])
def test_an_operators_blas_threads_are_kept(chosen: str) -> None:
    assert _fresh({**os.environ, "OPENBLAS_NUM_THREADS": chosen}) == chosen
