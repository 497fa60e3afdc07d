"""Risk assessment during a call: the intake assessment sheet filled in from what is said.

A pure core in the layer of :mod:`consult_assist.knowledge` (it reuses its phrase matching,
speech acts and slot values): :mod:`.spec` holds the items, tiers and rules of docs/risk.md,
:mod:`.riskfile` reads and validates ``manuals/risk.toml``, :mod:`.cues` finds the sub-items'
cues in an utterance, :mod:`.assess` keeps the sheet of one call, and :mod:`.asking` turns
the items still unknown into the handler's next questions.
"""

from __future__ import annotations

__all__: list[str] = []
