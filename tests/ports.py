"""Free loopback ports for servers a test starts as another process.

A port asked of the system with ``bind(('127.0.0.1', 0))`` comes from the ephemeral range
(32768-60999 on Linux), the same range outgoing connections take their local ports from: a
port found free can be taken by any client socket before the server binds it. These ports
are drawn below that range instead, where only a listener would take them, and above the
SIP server's default RTP ports (20000-29999), which calls under test take.
"""

from __future__ import annotations

import random
import socket

_LOW, _HIGH = 30000, 30990


def free_port(*, udp: bool = True, tcp: bool = True, even: bool = False) -> int:
    """A loopback port free right now for the protocols asked (both by default)."""
    rng = random.Random()
    for _ in range(200):
        port = rng.randrange(_LOW, _HIGH)
        if even and port % 2:
            port += 1
        if _bindable(port, udp=udp, tcp=tcp):
            return port
    raise RuntimeError(f"no free port found in {_LOW}-{_HIGH}")


def _bindable(port: int, *, udp: bool, tcp: bool) -> bool:
    kinds = ([socket.SOCK_DGRAM] if udp else []) + ([socket.SOCK_STREAM] if tcp else [])
    held: list[socket.socket] = []
    try:
        for kind in kinds:
            sock = socket.socket(socket.AF_INET, kind)
            held.append(sock)
            sock.bind(("127.0.0.1", port))
    except OSError:
        return False
    finally:
        for sock in held:
            sock.close()
    return True
