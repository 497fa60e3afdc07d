"""Notice changed tokens while the server runs, and apply them (revoked tokens stop working).

:class:`TokenWatcher` polls its :class:`~consult_assist.hub.auth.TokenSource`'s cheap
fingerprint (a file's inode, mtime and size; a hash of the store's ``tokens`` table) every
``interval_s`` and, when it changed, loads the tokens and hands them to ``apply`` (the websocket
server: new connections check against them, live ones whose token is gone are closed with 4001).
:meth:`TokenWatcher.check` looks at once: a node told of a change (NOTIFY) can call it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from consult_assist.errors import ConsultAssistError
from consult_assist.hub.auth import TokenBook, TokenSource

__all__ = ["POLL_S", "TokenWatcher"]

log = logging.getLogger(__name__)

POLL_S = 0.5
"""Seconds between looks at the tokens: a change is applied within about twice this."""


class TokenWatcher:
    """Reloads the tokens when they change and applies them."""

    def __init__(
        self,
        source: TokenSource,
        apply: Callable[[TokenBook], None],
        *,
        interval_s: float = POLL_S,
    ) -> None:
        self.source = source
        self.interval_s = interval_s
        self._apply = apply
        self._last: object = source.fingerprint()
        self._failing = False

    def check(self) -> bool:
        """Look now; apply the tokens if they changed. True if they were applied."""
        try:
            seen = self.source.fingerprint()
            if seen == self._last:
                return False
            book = self.source.load()
        except ConsultAssistError as exc:
            if not self._failing:
                log.error("cannot read the tokens in %s (keeping the last ones): %s",
                          self.source.where, exc)  # fmt: skip
            self._failing = True
            return False
        self._failing = False
        self._last = seen
        self._apply(book)
        log.info("tokens reloaded from %s: %d", self.source.where, len(book.entries))
        return True

    async def run(self) -> None:
        """Check every ``interval_s`` until cancelled."""
        while True:
            await asyncio.sleep(self.interval_s)
            self.check()
