"""The knowledge engine: manual suggestions, attention words and checklist coverage for a call.

Pure and synchronous: :class:`~consult_assist.knowledge.engine.KnowledgeEngine` takes
transcript events and returns suggestion, alert and checklist events. Modules, one concept
each: ``manual`` (load and validate), ``text`` (normalisation and readings), ``terms`` and
``postings`` and ``index`` (ranked retrieval), ``phrase`` (robust phrase finding),
``alerts``, ``checklist``, ``suggest``, ``engine``, ``reload``, ``evaluate`` (labelled
evaluation; ``consult-assist bench lookup`` lives in :mod:`consult_assist.bench.lookup`).
"""

from __future__ import annotations

from consult_assist.knowledge.engine import EngineOptions, KnowledgeBase, KnowledgeEngine
from consult_assist.knowledge.manual import Manual, Section, check_manual, load_manual

__all__ = [
    "EngineOptions",
    "KnowledgeBase",
    "KnowledgeEngine",
    "Manual",
    "Section",
    "check_manual",
    "load_manual",
]
