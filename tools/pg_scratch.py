"""Run one command against a throwaway PostgreSQL: initdb + pg_ctl in a temporary folder.

    python tools/pg_scratch.py -- consult-assist bench hub --nodes 3 --store {url}

Starts a cluster on a free loopback port (as the ``postgres`` user when run as root, like the
tests' fixture in tests/pgtools.py) with PostgreSQL's durable defaults (an fsync per commit;
``--fast`` turns fsync off as the tests do), creates an empty database, runs the command with
``{url}`` replaced by its URL, then stops the cluster and removes the folder. Exits with the
command's status. Needs Debian's ``postgresql`` package (or CONSULT_ASSIST_PG_BIN).
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from pgtools import pg_missing, running_pg


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fast", action="store_true", help="fsync off (as in the tests)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND … {url} …")
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command to run after --")
    missing = pg_missing()
    if missing:
        print(f"pg_scratch: {missing}", file=sys.stderr)
        return 1
    # SIGTERM (timeout, kill): stop the command, then the cluster is stopped and removed.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))
    with running_pg(durable=not args.fast) as server:
        url = server.create_database()
        print(f"pg_scratch: PostgreSQL at {url}", file=sys.stderr, flush=True)
        child = subprocess.Popen([part.replace("{url}", url) for part in command])
        try:
            return child.wait()
        finally:
            if child.poll() is None:
                child.terminate()
                child.wait()


if __name__ == "__main__":
    sys.exit(main())
