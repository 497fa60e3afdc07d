"""A process's memory and CPU time, read from /proc (Linux), for the benchmarks."""

from __future__ import annotations

import os

__all__ = ["cpu_s", "rss_mb"]


def rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` in MB (0 when /proc does not say)."""
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def cpu_s(pid: int) -> float:
    """User + system CPU seconds ``pid`` has used."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
