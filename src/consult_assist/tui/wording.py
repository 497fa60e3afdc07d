"""What the apps say when something did not work, or about the connection: Japanese sentences.

Errors travel with an English message (for the command line and the logs) and a stable code;
the apps show the Japanese sentence of the code (:data:`consult_assist.labels.PROBLEMS`), so
no ``[Errno 111]``, ``closed (1006)`` or English timeout message reaches a Japanese screen.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from consult_assist.errors import AccessError, AuthError, ConsultAssistError
from consult_assist.hub.client import ConnectionState, Identity
from consult_assist.labels import local_time, problem_label, role_label, time_label

__all__ = ["call_name", "connection_sentence", "moment", "problem", "problem_code"]


def problem_code(exc: ConsultAssistError) -> str:
    """The stable code of an error the apps met (``timeout``, ``forbidden``, ``no_portaudio``…)."""
    code = getattr(exc, "code", "")
    if isinstance(code, str) and code:
        return code
    if isinstance(exc, AuthError):
        return "auth"
    if isinstance(exc, AccessError):
        return "forbidden"
    return ""


def problem(exc: ConsultAssistError) -> str:
    """One Japanese sentence saying what went wrong (the English message stays in the log)."""
    return problem_label(problem_code(exc))


def connection_sentence(state: ConnectionState | None, identity: Identity | None) -> str:
    """The connection line: who we are and whether the server is there, in Japanese."""
    who = f"{identity.name}（{role_label(identity.role)}）" if identity else ""
    if state is None or state.state == "connected":
        return f"● 接続中 {who}".rstrip()
    if state.state == "disconnected":
        retry = f"{state.retry_in_s:g} 秒後に再接続します" if state.retry_in_s else "再接続中"
        return f"⚠ {problem_label(state.code or 'lost')} — {retry}"
    return f"✖ {problem_label(state.code or 'unreachable')}"


def moment(started_at: str, seconds: float) -> str:
    """The local wall-clock time ``seconds`` into a call that started at ``started_at``
    (``14:33``); ``mm:ss`` into the call when its start is unknown."""
    start = local_time(started_at)
    if start is None:
        minutes, secs = divmod(int(max(0.0, seconds)), 60)
        return f"{minutes:02d}:{secs:02d}"
    return time_label(start + timedelta(seconds=max(0.0, seconds)))


def call_name(handler: str, started_at: str, *, now: datetime | None = None) -> str:
    """How a person names a call: ``佐藤 14:30〜`` (the date too when not today)."""
    start = local_time(started_at)
    who = handler or "（担当なし）"
    if start is None:
        return who
    today = (now or datetime.now().astimezone()).astimezone(start.tzinfo).date()
    day = "" if start.date() == today else f"{start.month}/{start.day} "
    return f"{who} {day}{time_label(start)}〜"
