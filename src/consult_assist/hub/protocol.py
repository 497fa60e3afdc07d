"""Client-to-server messages of protocol v1, and the server's replies that are not events.

Pure: parse one text message into a command dataclass (or raise :class:`ProtocolError` with a
stable ``code``), and build the reply dicts. The full protocol is in docs/protocol.md.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from consult_assist.errors import ProtocolError
from consult_assist.wire import VERSION

__all__ = [
    "AUDIO_ENCODING",
    "CLOSE_AUTH_TIMEOUT",
    "CLOSE_FLOOD",
    "CLOSE_SHUTDOWN",
    "CLOSE_SLOW_CLIENT",
    "CLOSE_UNAUTHORIZED",
    "MAX_AUDIO_FRAME_S",
    "MAX_RATE",
    "MAX_TEXT_CHARS",
    "MIN_RATE",
    "STORE_UNAVAILABLE_TEXT",
    "Ack",
    "AdviceCmd",
    "Auth",
    "CloseRecord",
    "Command",
    "EndSession",
    "GetRecord",
    "GetSection",
    "HelpCmd",
    "ListSessions",
    "NoteCmd",
    "StartSession",
    "Subscribe",
    "error_reply",
    "parse_command",
    "recover_id",
    "reply",
    "store_state",
    "unencodable",
]

# Close codes (RFC 6455 reserves 4000-4999 for applications).
CLOSE_UNAUTHORIZED = 4001
"""Wrong or revoked token."""
CLOSE_AUTH_TIMEOUT = 4002
"""No ``auth`` message within the server's auth timeout."""
CLOSE_SLOW_CLIENT = 4008
"""The client did not read its events fast enough; its outgoing queue overflowed."""
CLOSE_FLOOD = 4009
"""The client sent messages faster than the server's rate limit allows, repeatedly."""
CLOSE_SHUTDOWN = 1001
"""The server is shutting down (websocket "going away")."""

AUDIO_ENCODING = "pcm_s16le"
MIN_RATE = 8_000
MAX_RATE = 48_000
MAX_AUDIO_FRAME_S = 1.0
"""Longest audio one binary frame may carry, in seconds."""
MAX_TEXT_CHARS = 2_000
"""Longest note, advice or help reason, in characters."""

SubscribeTarget = str
"""``"*"`` (every session the client may see: supervisors), ``"mine"``, or a session id."""


@dataclass(frozen=True)
class Auth:
    token: str


@dataclass(frozen=True)
class StartSession:
    """Open a live session whose audio this connection will send as binary frames."""

    rate: int = 16_000
    source_rate: int = 16_000
    """The rate of the recording before the client resampled it (8000 = telephone audio)."""
    channels: int = 1
    speakers: tuple[str, ...] = ("",)
    training: bool = False
    for_handler: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EndSession:
    session: str


@dataclass(frozen=True)
class Subscribe:
    """Receive the events of ``session`` after ``after`` (per session id for ``*``/``mine``).

    ``since`` (ISO 8601, ``*``/``mine`` only): also the calls started at or after it, ended
    ones included: a client resuming after an outage gets the calls that came and went while
    it was away, as a client that never left has them.
    """

    session: SubscribeTarget
    after: Mapping[str, int] = field(default_factory=dict)
    since: str = ""


@dataclass(frozen=True)
class HelpCmd:
    session: str
    reason: str = ""


@dataclass(frozen=True)
class AdviceCmd:
    session: str
    text: str


@dataclass(frozen=True)
class NoteCmd:
    """A note for the record; ``replaces`` > 0 edits that note (empty ``text`` withdraws it)."""

    session: str
    text: str
    replaces: int = 0


@dataclass(frozen=True)
class CloseRecord:
    """Make a call's record final: no note is added or edited after it."""

    session: str


@dataclass(frozen=True)
class Ack:
    """Acknowledge a ``help.request`` (supervisor) or an ``advice`` (handler) by its seq."""

    session: str
    seq: int


@dataclass(frozen=True)
class ListSessions:
    """Sessions the client may see, newest first: ``since`` (ISO 8601) and ``search`` (words
    in the transcript) narrow the list."""

    live_only: bool = True
    since: str = ""
    search: str = ""


@dataclass(frozen=True)
class GetRecord:
    session: str
    format: Literal["md", "json"] = "md"


@dataclass(frozen=True)
class GetSection:
    id: str


Command = (
    Auth
    | StartSession
    | EndSession
    | Subscribe
    | HelpCmd
    | AdviceCmd
    | NoteCmd
    | CloseRecord
    | Ack
    | ListSessions
    | GetRecord
    | GetSection
)


def parse_command(text: str) -> tuple[Command, str | None]:
    """Parse one client text message; returns the command and its optional ``id``.

    A refusal (:class:`ProtocolError`) carries the message's ``id`` as ``ref`` whenever it
    could be read, even from malformed JSON (:func:`recover_id`).
    """
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        msg = (
            f"malformed JSON: {exc.msg} at position {exc.pos}"
            if isinstance(exc, json.JSONDecodeError)
            else "malformed JSON: nested too deeply"
        )
        raise ProtocolError(msg, "bad_json", ref=recover_id(text)) from None
    if not isinstance(data, dict):
        raise ProtocolError("a message must be a JSON object", "bad_message")
    msg_id = data.get("id")
    usable = isinstance(msg_id, str | int) and not isinstance(msg_id, bool)
    ref = str(msg_id) if usable and not _BAD_TEXT.search(str(msg_id)) else None
    try:
        if msg_id is not None and ref is None:
            raise ProtocolError("id must be a string (of valid text) or a number", "bad_message")
        if data.get("v") != VERSION:
            raise ProtocolError(
                f"unsupported protocol version {data.get('v')!r} (expected {VERSION})",
                "bad_version",
            )
        kind = data.get("type")
        parser = _PARSERS.get(kind) if isinstance(kind, str) else None
        if parser is None:
            raise ProtocolError(f"unknown message type {kind!r}", "unknown_type")
        where = unencodable(data)
        if where is not None:
            raise ProtocolError(
                f"{kind}: {where} is not valid text (a lone surrogate or a NUL character)",
                "bad_field",
            )
        return parser(data), ref
    except ProtocolError as exc:
        exc.ref = ref
        raise


_BAD_TEXT = re.compile("[\ud800-\udfff\x00]")
"""What cannot be stored or sent as text: lone UTF-16 surrogates (JSON's ``\\ud800`` escapes
decode to them, UTF-8 cannot encode them) and NUL (PostgreSQL refuses it in text)."""


def unencodable(data: Any) -> str | None:
    """The path (``meta.caller``) of the first string in ``data``, key or value, that is not
    storable text; None if all are. Iterative: a deeply nested message cannot exhaust the stack.
    """
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            # Plain ASCII without NUL (most strings) needs no search.
            if (not value.isascii() or "\x00" in value) and _BAD_TEXT.search(value):
                return path or "the message"
        elif isinstance(value, dict):
            for key, item in value.items():
                here = f"{path}.{key}" if path else str(key)
                if _BAD_TEXT.search(key):
                    return f"{path or 'the message'}: a key"
                stack.append((here, item))
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", item) for i, item in enumerate(value))
    return None


_ID = re.compile(r'"id"\s*:\s*("(?:[^"\\]|\\.){0,200}"|-?\d{1,20})[\s,}]')


def recover_id(raw: str) -> str | None:
    """The top-level ``id`` of a message that is not (valid) JSON, when it can be read safely.

    Only the first 4 kB are looked at, and only an ``id`` before any nested object or list,
    so a nested ``"id"`` is never taken for the message's own.
    """
    head = raw[:4096]
    found = _ID.search(head)
    if found is None:
        return None
    before = head[: found.start()]
    if before.count("{") != 1 or "[" in before or not before.lstrip().startswith("{"):
        return None
    try:
        value = json.loads(found.group(1))
    except ValueError:
        return None
    text = str(value)
    return None if _BAD_TEXT.search(text) else text


def reply(kind: str, ref: str | None = None, **fields: Any) -> dict[str, Any]:
    """A server reply that is not a session event (``auth.ok``, ``session.created``…)."""
    out: dict[str, Any] = {"v": VERSION, "type": kind}
    if ref is not None:
        out["re"] = ref
    out.update(fields)
    return out


def error_reply(
    code: str, message: str, *, ref: str | None = None, session: str = ""
) -> dict[str, Any]:
    """A connection-level ``error`` (not stored; ``seq`` 0): the request was refused."""
    return reply("error", ref, session=session, seq=0, code=code, message=message)


STORE_UNAVAILABLE_TEXT = "記録できません"
"""What a client shows while the server cannot store events (the store is unavailable)."""


def store_state(available: bool, held: int) -> dict[str, Any]:
    """The connection-level ``store.state`` message: the store went away, or came back."""
    if available:
        return reply("store.state", state="available", held=held)
    return reply(
        "store.state",
        state="unavailable",
        held=held,
        message=f"{STORE_UNAVAILABLE_TEXT}: サーバーが記録を保存できません。復旧まで保持しています",
    )


# --- field readers ---------------------------------------------------------------------------


def _str(data: Mapping[str, Any], key: str, *, required: bool = True, limit: int = 200) -> str:
    value = data.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value):
        raise ProtocolError(f"{data.get('type')}: {key} must be a non-empty string", "bad_field")
    if len(value) > limit:
        raise ProtocolError(
            f"{data.get('type')}: {key} is longer than {limit} characters", "too_long"
        )
    return value


def _int(data: Mapping[str, Any], key: str, default: int, low: int, high: int) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ProtocolError(
            f"{data.get('type')}: {key} must be an integer from {low} to {high}", "bad_field"
        )
    return value


def _auth(data: Mapping[str, Any]) -> Auth:
    return Auth(_str(data, "token"))


def _start(data: Mapping[str, Any]) -> StartSession:
    encoding = data.get("encoding", AUDIO_ENCODING)
    if encoding != AUDIO_ENCODING:
        raise ProtocolError(
            f"session.start: encoding must be {AUDIO_ENCODING!r}, not {encoding!r}", "bad_audio"
        )
    rate = data.get("rate", 16_000)
    if isinstance(rate, bool) or not isinstance(rate, int) or not MIN_RATE <= rate <= MAX_RATE:
        raise ProtocolError(
            f"session.start: rate must be an integer from {MIN_RATE} to {MAX_RATE} Hz, "
            f"not {rate!r}",
            "bad_rate",
        )
    channels = _int(data, "channels", 1, 1, 2)
    speakers_raw = data.get("speakers", ["caller", "handler"][:channels] if channels == 2 else [""])
    if (
        not isinstance(speakers_raw, list)
        or len(speakers_raw) != channels
        or not all(isinstance(s, str) and len(s) <= 40 for s in speakers_raw)
    ):
        raise ProtocolError(
            "session.start: speakers must be a list of one label per channel", "bad_field"
        )
    training = data.get("training", False)
    if not isinstance(training, bool):
        raise ProtocolError("session.start: training must be true or false", "bad_field")
    meta = data.get("meta", {})
    if not isinstance(meta, dict) or len(json.dumps(meta)) > 4_000:
        raise ProtocolError("session.start: meta must be an object under 4 kB", "bad_field")
    return StartSession(
        rate=rate,
        source_rate=_int(data, "source_rate", rate, 1_000, 384_000),
        channels=channels,
        speakers=tuple(speakers_raw),
        training=training,
        for_handler=_str(data, "for", required=False, limit=80),
        meta=meta,
    )


def _subscribe(data: Mapping[str, Any]) -> Subscribe:
    target = _str(data, "session")
    after_raw = data.get("after", {})
    after: dict[str, int] = {}
    if isinstance(after_raw, int) and not isinstance(after_raw, bool):
        after = {target: after_raw}
    elif isinstance(after_raw, dict):
        for key, value in after_raw.items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ProtocolError("subscribe: after values must be seq numbers ≥ 0", "bad_field")
            after[str(key)] = value
    else:
        raise ProtocolError("subscribe: after must be a seq or an object of seqs", "bad_field")
    if any(v < 0 for v in after.values()):
        raise ProtocolError("subscribe: after must be ≥ 0", "bad_field")
    return Subscribe(target, after, _since(data, "subscribe"))


def _list(data: Mapping[str, Any]) -> ListSessions:
    live = data.get("live", True)
    if not isinstance(live, bool):
        raise ProtocolError("sessions: live must be true or false", "bad_field")
    since = _since(data, "sessions")
    return ListSessions(live, since, _str(data, "search", required=False, limit=200).strip())


def _since(data: Mapping[str, Any], command: str) -> str:
    since = _str(data, "since", required=False, limit=40)
    if since:
        try:
            datetime.fromisoformat(since)
        except ValueError:
            raise ProtocolError(f"{command}: since must be an ISO 8601 time", "bad_field") from None
    return since


def _note(data: Mapping[str, Any]) -> NoteCmd:
    replaces = _int(data, "replaces", 0, 0, 2**53)
    # An edit may empty a note (withdraw it); a new note must say something.
    text = _str(data, "text", required=replaces == 0, limit=MAX_TEXT_CHARS)
    return NoteCmd(_str(data, "session"), text, replaces)


def _record(data: Mapping[str, Any]) -> GetRecord:
    fmt = data.get("format", "md")
    if fmt not in ("md", "json"):
        raise ProtocolError("record: format must be 'md' or 'json'", "bad_field")
    return GetRecord(_str(data, "session"), fmt)


def _section(data: Mapping[str, Any]) -> GetSection:
    # The section id travels as ``section``: ``id`` is the message id every request may carry.
    # A request with only ``id`` is the first form of v1, answered as before (``re`` = that id).
    return GetSection(_str(data, "section" if "section" in data else "id"))


_PARSERS: Mapping[str, Any] = {
    "auth": _auth,
    "session.start": _start,
    "session.end": lambda d: EndSession(_str(d, "session")),
    "subscribe": _subscribe,
    "help.request": lambda d: HelpCmd(
        _str(d, "session"), _str(d, "reason", required=False, limit=MAX_TEXT_CHARS)
    ),
    "advice": lambda d: AdviceCmd(_str(d, "session"), _str(d, "text", limit=MAX_TEXT_CHARS)),
    "note": _note,
    "record.close": lambda d: CloseRecord(_str(d, "session")),
    "ack": lambda d: Ack(_str(d, "session"), _int(d, "seq", 0, 1, 2**53)),
    "sessions": _list,
    "record": _record,
    "section": _section,
}
