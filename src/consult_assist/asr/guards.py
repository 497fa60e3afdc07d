"""Hallucination guards for Whisper output (pure): known phantom phrases, loops, thresholds.

Whisper invents text in silence and noise (broadcast sign-offs learnt from subtitles) and can
fall into repetition loops, especially with a prompt. Each guard is cheap and explainable; the
decision is returned with a reason so it can be counted and logged.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "GuardOptions",
    "Verdict",
    "check",
    "compression_ratio",
    "cut_repetitions",
    "is_phantom",
    "normalise_for_match",
]

# Phrases Whisper emits on silence, music and noise in Japanese (learnt from video subtitles).
PHANTOM_PHRASES: tuple[str, ...] = (
    "ご視聴ありがとうございました",
    "ご視聴ありがとうございます",
    "チャンネル登録",
    "高評価",
    "ご清聴ありがとうございました",
    "最後までご覧いただきありがとうございます",
    "次回もお楽しみに",
    "字幕",
    "おやすみなさい",
    "お疲れ様でした",
    "ありがとうございました",
    "はい",
    "うん",
    "んー",
    "ん",
    "おーい",
    "ワンワン",
    "ブーン",
)
_PUNCT = re.compile(r"[\s\u3000、。，．,.!?！？…・「」『』（）()\[\]~〜ー-]+")


def normalise_for_match(text: str) -> str:
    """NFKC, lower case, punctuation and spaces removed."""
    return _PUNCT.sub("", unicodedata.normalize("NFKC", text)).lower()


def is_phantom(text: str) -> bool:
    """True if the text is nothing but one or more known phantom phrases."""
    rest = normalise_for_match(text)
    if not rest:
        return True
    phrases = sorted((normalise_for_match(p) for p in PHANTOM_PHRASES), key=len, reverse=True)
    changed = True
    while rest and changed:
        changed = False
        for p in phrases:
            if p and p in rest:
                rest = rest.replace(p, "")
                changed = True
    return not rest


def _repeat(times: int) -> Callable[[re.Match[str]], str]:
    return lambda m: m.group(1) * times


def cut_repetitions(
    text: str, *, max_repeats: int = 2, max_unit: int = 40, long_unit: int = 6
) -> str:
    """Collapse a unit repeated more than ``max_repeats`` times in a row to ``max_repeats``.

    ``ワイ、ワイ、ワイ、ワイ…`` becomes ``ワイ、ワイ、``. Units of 1 character need 5+ repeats
    (Japanese has legitimate doubled kana such as ここ or まあまあ). A unit of ``long_unit``
    characters or more is never said twice in a row in conversation, so a second copy
    (``女の子が女の子が``: Whisper re-reading its window) is cut.
    """
    out = text
    for unit in range(max_unit, 0, -1):
        if unit == 1:
            limit = max(max_repeats, 4)
        elif unit >= long_unit:
            limit = 1
        else:
            limit = max_repeats
        pattern = re.compile(rf"(.{{{unit}}})\1{{{limit},}}", re.DOTALL)
        out = pattern.sub(_repeat(limit), out)
    return out


def compression_ratio(text: str) -> float:
    """zlib compression ratio of the UTF-8 text, as Whisper computes it (high = repetitive)."""
    data = text.encode("utf-8")
    if not data:
        return 0.0
    return len(data) / len(zlib.compress(data))


@dataclass(frozen=True, kw_only=True)
class GuardOptions:
    """Thresholds of the hallucination guards (Whisper's own defaults where it has them)."""

    no_speech_threshold: float = 0.6
    """Above this no-speech probability, with a low log-prob, the text is dropped."""
    log_prob_threshold: float = -1.0
    """Average token log-probability below which the decode is considered unreliable."""
    compression_ratio_threshold: float = 2.4
    """Above this, the text is a loop; it is cut back with :func:`cut_repetitions`."""
    weak_speech_ratio: float = 0.5
    """Share of speech chunks below which a phantom phrase is dropped as invented."""


@dataclass(frozen=True)
class Verdict:
    """What the guards made of one hypothesis: the text to keep ('' = drop) and why."""

    text: str
    reason: str = ""


def check(
    text: str,
    *,
    avg_logprob: float,
    no_speech_prob: float,
    speech_ratio: float,
    options: GuardOptions | None = None,
) -> Verdict:
    """Apply every guard to one decoded text; ``speech_ratio`` is the VAD speech share."""
    opts = options or GuardOptions()
    if no_speech_prob > opts.no_speech_threshold and avg_logprob < opts.log_prob_threshold:
        return Verdict("", "no_speech")
    cleaned = cut_repetitions(text.strip())
    reason = "loop" if cleaned != text.strip() else ""
    if compression_ratio(cleaned) > opts.compression_ratio_threshold:
        cleaned = cut_repetitions(cleaned, max_repeats=1)
        reason = "loop"
    if is_phantom(cleaned) and (
        speech_ratio < opts.weak_speech_ratio
        or avg_logprob < opts.log_prob_threshold
        or no_speech_prob > opts.no_speech_threshold / 2
        or _is_signoff(cleaned)
    ):
        return Verdict("", "phantom")
    if not normalise_for_match(cleaned):
        return Verdict("", "empty")
    return Verdict(cleaned, reason)


_SIGNOFFS = tuple(normalise_for_match(p) for p in PHANTOM_PHRASES[:8])


def _is_signoff(text: str) -> bool:
    """Broadcast sign-offs never occur in a hotline call, whatever the evidence."""
    norm = normalise_for_match(text)
    return any(s in norm for s in _SIGNOFFS)
