"""Risk assessment during a call: the intake assessment sheet filled in from what is said.

A pure core in the layer of :mod:`consult_assist.knowledge` (it reuses its phrase matching,
speech acts and slot values): :mod:`.spec` holds the items, tiers and rules of docs/risk.md,
:mod:`.riskfile` reads and validates ``manuals/risk.toml``, :mod:`.cues` finds the sub-items'
cues in an utterance, :mod:`.assess` keeps the sheet of one call, :mod:`.asking` turns the
items still unknown into the handler's next questions, :mod:`.model` loads it all from a
manual folder, :mod:`.feed` turns finals into ``risk`` events beside the knowledge engine,
:mod:`.similar` ranks earlier calls, and :mod:`.sheet_reload` (the one asyncio step) takes an
edited risk.toml in while the server runs. How and why: docs/risk.md §11.
"""

from __future__ import annotations

__all__: list[str] = []
