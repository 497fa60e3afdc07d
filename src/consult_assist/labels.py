"""The Japanese words a person reads for the system's internal ids: one vocabulary for all.

The apps, the command line's output and the call records all take their labels from here, so a
level, a speaker, a source or an end reason reads the same wherever a person sees it. Ids on
the wire stay English (``critical``, ``caller``, ``hangup``…); only what is shown is Japanese.
An id this module does not know is shown through :func:`label`'s fallback, never as a bare
English word in a Japanese sentence.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = [
    "ACTS",
    "END_REASONS",
    "LEVELS",
    "ROLES",
    "SOURCES",
    "SPEAKERS",
    "UNKNOWN",
    "act_label",
    "end_reason_label",
    "kind_label",
    "label",
    "level_label",
    "role_label",
    "source_label",
    "speaker_label",
]

UNKNOWN = "不明"
"""Shown for an id that has no label (a newer server, a corrupted row)."""

LEVELS: Mapping[str, str] = MappingProxyType({"critical": "緊急", "high": "重要", "notice": "注意"})
"""Attention-word levels, most urgent first."""

SPEAKERS: Mapping[str, str] = MappingProxyType(
    {"caller": "相談者", "handler": "対応者", "unknown": "話者不明", "": "話者不明"}
)
"""Who spoke. A mixed mono source does not know, and says so: never guessed."""

ACTS: Mapping[str, str] = MappingProxyType(
    {
        "question": "質問",
        "answer": "回答",
        "statement": "発言",
        "reported": "伝聞",
        "hypothetical": "仮定",
        "request": "依頼・助言",
        "negated": "否定",
    }
)
"""Speech acts of an utterance (and ``negated`` for a denial), as tags beside alerts and lines."""

ROLES: Mapping[str, str] = MappingProxyType(
    {"handler": "対応者", "supervisor": "スーパーバイザー", "trainer": "研修担当"}
)

SOURCES: Mapping[str, str] = MappingProxyType(
    {
        "sip": "電話（SIP）",
        "siprec": "電話（SIPREC 録音連携）",
        "mic": "マイク",
        "websocket": "WebSocket 接続",
        "file": "音声ファイル",
        "client": "クライアント",
    }
)
"""Where a call's audio came from (``meta.source`` of ``session.started``)."""

END_REASONS: Mapping[str, str] = MappingProxyType(
    {
        "end": "終了",
        "hangup": "終話（電話が切れた）",
        "cancel": "取り消し",
        "timeout": "タイムアウト",
        "error": "エラーにより中断",
        "rejected": "受付不可",
        "disconnected": "接続が切れたため終了",
        "interrupted": "サーバー停止により中断",
        "shutdown": "サーバー停止により終了",
        "node_lost": "担当サーバー停止により終了",
    }
)
"""Why a call ended (``session.ended`` ``reason``)."""


def label(table: Mapping[str, str], key: str, *, fallback: str = UNKNOWN) -> str:
    """The Japanese label of ``key`` in ``table``, or ``fallback`` for an id it does not know."""
    return table.get(key, fallback)


def level_label(level: str) -> str:
    """緊急 / 重要 / 注意."""
    return label(LEVELS, level)


def speaker_label(speaker: str) -> str:
    """相談者 / 対応者 / 話者不明."""
    return label(SPEAKERS, speaker, fallback=SPEAKERS["unknown"])


def act_label(act: str, *, negated: bool = False) -> str:
    """否定 for a denial, else 質問 / 回答 / 発言 / 伝聞 / 仮定 / 依頼・助言 ("" when unknown)."""
    if negated:
        return ACTS["negated"]
    return label(ACTS, act, fallback="")


def role_label(role: str) -> str:
    """対応者 / スーパーバイザー / 研修担当."""
    return label(ROLES, role)


def source_label(source: str) -> str:
    """電話（SIP）, マイク, 音声ファイル…"""
    return label(SOURCES, source)


def end_reason_label(reason: str) -> str:
    """終話（電話が切れた）, 接続が切れたため終了…"""
    return label(END_REASONS, reason)


def kind_label(training: bool) -> str:
    """研修 for a training (replayed) call, 本番 for a real one."""
    return "研修" if training else "本番"
