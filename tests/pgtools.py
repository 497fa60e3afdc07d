"""A real PostgreSQL for tests: Debian's initdb + pg_ctl into a temporary folder, on a free port.

One server per test run (session fixture ``pg_server`` in tests/conftest.py), a fresh database
per test (``pg_url``). When the tests run as root, the server runs as the unprivileged
``postgres`` user that Debian's package creates (else ``nobody``), owning the folder: PostgreSQL
refuses to run as root. Without the binaries the PostgreSQL tests skip with the reason.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ports import free_port

__all__ = ["PG_BIN", "PgServer", "pg_missing", "running_pg"]

PG_BIN = Path(os.environ.get("CONSULT_ASSIST_PG_BIN", "/usr/lib/postgresql/15/bin"))


def pg_missing() -> str | None:
    """Why PostgreSQL tests cannot run here, or None when they can."""
    for tool in ("initdb", "pg_ctl", "postgres"):
        if not (PG_BIN / tool).is_file():
            return f"PostgreSQL binaries not found in {PG_BIN} (apt-get install postgresql)"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed"
    return None


class PgServer:
    """One PostgreSQL cluster in a temporary folder; :meth:`stop`/:meth:`start` keep the port."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "data"
        self.log = root / "postgres.log"
        self.port = free_port(udp=False)
        self._user: pwd.struct_passwd | None = None
        if os.geteuid() == 0:
            for name in ("postgres", "nobody"):
                with contextlib.suppress(KeyError):
                    self._user = pwd.getpwnam(name)
                    break
        self._names = itertools.count(1)

    def _run(self, *args: str) -> None:
        kwargs: dict[str, object] = {}
        if self._user is not None:
            kwargs = {"user": self._user.pw_uid, "group": self._user.pw_gid, "extra_groups": []}
        proc = subprocess.run(
            [str(a) for a in args],
            capture_output=True,
            text=True,
            cwd=self.root,
            env={**os.environ, "LC_ALL": "C.UTF-8"},
            timeout=120,
            **kwargs,  # type: ignore[call-overload]
        )
        if proc.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(f"{args[0]} failed: {proc.stderr}{proc.stdout}\n{log[-2000:]}")

    def init(self) -> None:
        if self._user is not None:
            os.chown(self.root, self._user.pw_uid, self._user.pw_gid)
        self._run(
            PG_BIN / "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )

    def start(self, *, durable: bool = False) -> None:
        # fsync off: tests need a clean shutdown to keep data, not power-cut safety, and it
        # saves seconds per test; synchronous_commit stays on, so a commit still means stored.
        # ``durable`` (benchmarks): PostgreSQL's defaults, an fsync per commit.
        safety = "" if durable else " -c fsync=off -c full_page_writes=off"
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root}{safety}"
            " -c max_connections=200"
        )
        self._run(PG_BIN / "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options,
                  "-w", "-t", "60", "start")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: ``fast`` (clients disconnected) or ``immediate`` (like a crash)."""
        self._run(PG_BIN / "pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """A new empty database; returns its URL."""
        import psycopg

        name = f"t{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)


@contextlib.contextmanager
def running_pg(*, durable: bool = False) -> Iterator[PgServer]:
    """A started cluster, stopped and removed after."""
    root = Path(tempfile.mkdtemp(prefix="consult-assist-pg-"))
    server = PgServer(root)
    try:
        server.init()
        server.start(durable=durable)
        yield server
    finally:
        with contextlib.suppress(Exception):
            server.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)
