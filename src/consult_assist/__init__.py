"""consult_assist: streaming call transcription and manual lookup for consultation hotlines."""

from __future__ import annotations

__version__ = "0.1.0"
