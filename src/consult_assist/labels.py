"""The Japanese words a person reads for the system's internal ids: one vocabulary for all.

The apps, the command line's output and the call records all take their labels from here, so a
level, a speaker, a source or an end reason reads the same wherever a person sees it. Ids on
the wire stay English (``critical``, ``caller``, ``hangup``…); only what is shown is Japanese.
An id this module does not know is shown through :func:`label`'s fallback, never as a bare
English word in a Japanese sentence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from types import MappingProxyType

__all__ = [
    "ACTS",
    "END_REASONS",
    "LEVELS",
    "PROBLEMS",
    "ROLES",
    "SOURCES",
    "SPEAKERS",
    "UNKNOWN",
    "WEEKDAYS",
    "act_label",
    "date_label",
    "end_reason_label",
    "heard_label",
    "kind_label",
    "label",
    "level_label",
    "local_time",
    "problem_label",
    "role_label",
    "source_label",
    "speaker_label",
    "time_label",
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
        "stopped": "文字起こしを停止（電話は継続）",
    }
)
"""Why a call ended (``session.ended`` ``reason``). ``stopped``: the handler stopped the
transcription of a phone call (SIP) from the app; the phone call itself went on."""

PROBLEMS: Mapping[str, str] = MappingProxyType(
    {
        # The connection (hub/client.py's codes).
        "unreachable": "サーバーに接続できません。"
        "サーバーが動いているか、アドレスを確認してください",
        "tls": "サーバーの証明書を確認できません。管理者に証明書（--ca-file）を確認してください",
        "auth": "このトークンは受け付けられませんでした。管理者に確認してください",
        "timeout": "サーバーから応答がありません。少し待ってからもう一度お試しください",
        "lost": "サーバーとの接続が切れました",
        "busy": "サーバーが混み合っていて接続できませんでした。自動でつなぎ直します",
        "closed": "接続を閉じました",
        "not_connected": "サーバーに接続していません",
        # Refusals from the server (``error`` codes, docs/protocol.md).
        "forbidden": "この操作は許可されていません",
        "no_session": "この通話は見つかりません",
        "session_ended": "この通話はすでに終了しています",
        "session_live": "通話中の記録は確定できません。通話の終了後に確定してください",
        "record_closed": "この通話記録は確定済みのため、変更できません",
        "no_note": "修正するメモが見つかりません",
        "not_your_note": "自分のメモだけを修正できます",
        "unknown_handler": "その対応者は登録されていません",
        "no_section": "このマニュアル項目は見つかりません",
        "rate_limited": "操作が多すぎます。少し待ってからお試しください",
        "too_long": "長すぎます（2000 文字まで）",
        "bad_field": "入力の形式が正しくありません",
        "internal": "サーバー内部でエラーが起きました。管理者に連絡してください",
        "failed": "サーバーでこの操作を完了できませんでした",
        # The microphone (audio/mic.py's codes).
        "no_portaudio": "マイクを使うための PortAudio がありません"
        "（管理者へ: apt-get install libportaudio2）",
        "no_sounddevice": "マイクを使うための部品がありません"
        "（管理者へ: pip install 'consult-assist[mic]'）",
        "no_microphone": "マイク（音声入力デバイス）が見つかりません",
        "microphone": "マイクを開けませんでした。別の入力デバイスを選んでください",
        "audio": "音声を読めませんでした。ファイルを確認してください",
    }
)
"""Why something a person asked for did not happen: one Japanese sentence per stable code.
The apps show these instead of the English message that travels with the code (which is for
operators and logs)."""

WEEKDAYS = "月火水木金土日"
"""Monday first, as :meth:`datetime.weekday` counts."""


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


def heard_label(words: Sequence[str], text: str) -> str:
    """What a suspicion was heard in, as shown: its evidence words joined by ・, or the whole
    utterance ``text`` when it names none (the second reader's 要確認, docs/risk.md §13)."""
    return "・".join(words) or text


def kind_label(training: bool) -> str:
    """研修 for a training (replayed) call, 本番 for a real one."""
    return "研修" if training else "本番"


def problem_label(code: str) -> str:
    """One Japanese sentence for a problem code; a general one for a code it does not know."""
    return label(PROBLEMS, code, fallback="うまくいきませんでした。もう一度お試しください")


def local_time(text: str | None) -> datetime | None:
    """An ISO 8601 time in this machine's time zone (``TZ``); None when absent or unreadable.

    The server stamps times with its own offset; a person reads them in the local zone, so a
    record made on a UTC server still reads in Japan time at a Japanese centre. A time without
    an offset is taken as UTC.
    """
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone()


def date_label(moment: datetime) -> str:
    """2026年11月23日（月）."""
    return f"{moment.year}年{moment.month}月{moment.day}日（{WEEKDAYS[moment.weekday()]}）"


def time_label(moment: datetime) -> str:
    """14:30."""
    return f"{moment:%H:%M}"
