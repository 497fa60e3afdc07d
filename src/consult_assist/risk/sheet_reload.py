"""Reloading ``manuals/risk.toml`` while calls go on: the thin asyncio step beside the manual's.

The manual watcher (:func:`consult_assist.knowledge.reload.watch_manuals`, told to watch
risk.toml too) reloads the manual on a settled change; :func:`reload_risk` then loads the sheet
in a worker thread and hands it to the feed, which assesses calls that start from then on with
it. A broken edit is logged and the last good sheet stays in use.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from consult_assist.errors import ManualError
from consult_assist.knowledge.manual import Manual
from consult_assist.risk.feed import RiskFeed
from consult_assist.risk.model import RiskModel

__all__ = ["reload_risk"]

log = logging.getLogger(__name__)


async def reload_risk(feed: RiskFeed, root: Path, manual: Manual) -> bool:
    """Load ``root``'s risk sheet (with ``manual``'s 聞くこと lines) into ``feed``.

    Returns whether it was taken: False (and one error logged) when the file is missing or
    invalid, and the feed keeps the sheet it had.
    """
    try:
        model = await asyncio.to_thread(RiskModel.load, root, manual)
    except ManualError as exc:
        log.error("risk sheet in %s not reloaded; keeping the last good one: %s", root, exc)
        return False
    feed.use(model)
    log.info("risk sheet reloaded from %s: new calls use it", root)
    return True
