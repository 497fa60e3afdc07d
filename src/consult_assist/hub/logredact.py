"""Keep access tokens out of log lines, whatever the log level.

websockets logs every frame at DEBUG, abbreviated to its first 48 and last 24 characters: the
``auth`` message then shows most of a token, in two pieces, the second without its ``ca_``
prefix. :class:`TokenRedactor` rewrites such records before any handler sees them: everything
after ``"token"`` is cut, and anything shaped like a token (``ca_`` and more) is masked.
:func:`redacting_logger` is the logger to hand websockets (client and server side).
"""

from __future__ import annotations

import logging
import re

__all__ = ["REDACTED", "TokenRedactor", "redact", "redacting_logger"]

REDACTED = "ca_<hidden>"
_TOKEN = re.compile(r"ca_[A-Za-z0-9_\-]{2,}")
_FIELD = re.compile(r"""(["']?token["']?\s*[:=]\s*).*""", re.DOTALL)


def redact(text: str) -> str:
    """``text`` with every token, and everything after a ``token`` field, hidden."""
    text = _FIELD.sub(lambda m: m.group(1) + REDACTED, text)
    return _TOKEN.sub(REDACTED, text)


class TokenRedactor(logging.Filter):
    """A filter that rewrites each record's message with :func:`redact` (never drops one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


def redacting_logger(name: str) -> logging.Logger:
    """The logger ``name`` with a :class:`TokenRedactor` (added once)."""
    logger = logging.getLogger(name)
    if not any(isinstance(f, TokenRedactor) for f in logger.filters):
        logger.addFilter(TokenRedactor())
    return logger
