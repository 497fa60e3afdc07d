"""How a client command trusts a wss:// server: the system's CAs, a CA file, or (a lab) none.

``--ca-file`` trusts a server whose certificate an internal CA (or a self-signed certificate)
signed, without ``SSL_CERT_FILE``; ``--insecure-skip-verify`` turns the check off, for a lab
only, and says so on stderr.
"""

from __future__ import annotations

import ssl
import sys
from pathlib import Path

from consult_assist.errors import ConfigError

__all__ = ["client_ssl_context"]


def client_ssl_context(ca_file: Path | None, *, insecure: bool = False) -> ssl.SSLContext | None:
    """The TLS context for a client; None: the system's trust (the websocket default)."""
    if insecure:
        print(
            "consult-assist: warning: not checking the server's certificate "
            "(--insecure-skip-verify): anyone on the network could pose as the server",
            file=sys.stderr,
        )
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    if ca_file is None:
        return None
    if not ca_file.is_file():
        raise ConfigError(f"cannot use the CA file {ca_file}: no such file")
    try:
        return ssl.create_default_context(cafile=str(ca_file))
    except (ssl.SSLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise ConfigError(
            f"cannot use the CA file {ca_file}: not a PEM certificate ({reason})"
        ) from None
