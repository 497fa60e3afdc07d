"""Versioned JSON encoding of events (``"v": 1``), used on the websocket and by ``--jsonl``."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any

from consult_assist.errors import ProtocolError
from consult_assist.events import (
    EVENT_TYPES,
    CheckItem,
    Checklist,
    Event,
    Risk,
    RiskEvidence,
    RiskItemState,
    RiskQuestion,
    RiskSuspicion,
    SimilarCall,
    Suggestion,
    SuggestionItem,
)

__all__ = ["VERSION", "decode_event", "encode_event", "event_from_dict", "event_to_dict"]

VERSION = 1

# Nested item types, by (event class, field name).
_NESTED: Mapping[tuple[type[Event], str], type[Any]] = {
    (Suggestion, "items"): SuggestionItem,
    (Checklist, "covered"): CheckItem,
    (Checklist, "missing"): CheckItem,
    (Checklist, "asked"): CheckItem,
    (Risk, "items"): RiskItemState,
    (Risk, "next"): RiskQuestion,
    (Risk, "similar"): SimilarCall,
    (Risk, "suspected"): RiskSuspicion,
}
# Item types nested inside nested items, by (item class, field name).
_NESTED_ITEMS: Mapping[tuple[type[Any], str], type[Any]] = {
    (RiskItemState, "evidence"): RiskEvidence,
}


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, float):
        return round(value, 3)
    return value


def event_to_dict(event: Event) -> dict[str, Any]:
    """Return the wire dict of an event: ``v``, ``type``, then its fields."""
    out: dict[str, Any] = {"v": VERSION, "type": event.type}
    for f in dataclasses.fields(event):
        out[f.name] = _plain(getattr(event, f.name))
    return out


def encode_event(event: Event) -> str:
    """Encode an event as one line of JSON (UTF-8 text, Japanese left readable)."""
    return json.dumps(event_to_dict(event), ensure_ascii=False, separators=(",", ":"))


def event_from_dict(data: Mapping[str, Any]) -> Event:
    """Build an event from its wire dict; unknown fields are ignored (forward compatible)."""
    if data.get("v") != VERSION:
        raise ProtocolError(f"unsupported protocol version {data.get('v')!r} (expected {VERSION})")
    type_name = data.get("type")
    cls = EVENT_TYPES.get(type_name) if isinstance(type_name, str) else None
    if cls is None:
        raise ProtocolError(f"unknown event type {type_name!r}")
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name not in data:
            continue
        value = data[f.name]
        nested = _NESTED.get((cls, f.name))
        if nested is not None:
            if not isinstance(value, list):
                raise ProtocolError(f"{type_name}.{f.name} must be a list")
            value = tuple(_item(nested, v, f"{type_name}.{f.name}") for v in value)
        elif isinstance(value, list):
            value = tuple(value)
        kwargs[f.name] = value
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise ProtocolError(f"{type_name}: {exc}") from None


def _item(cls: type[Any], value: Any, where: str) -> Any:
    if not isinstance(value, Mapping):
        raise ProtocolError(f"{where} items must be objects")
    names = {f.name for f in dataclasses.fields(cls)}
    kwargs = {k: (tuple(v) if isinstance(v, list) else v) for k, v in value.items() if k in names}
    for name in names & kwargs.keys():
        inner = _NESTED_ITEMS.get((cls, name))
        if inner is not None and isinstance(kwargs[name], tuple):
            kwargs[name] = tuple(_item(inner, v, f"{where}.{name}") for v in kwargs[name])
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise ProtocolError(f"{where}: {exc}") from None


def decode_event(text: str) -> Event:
    """Decode one JSON text message into an event."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProtocolError(f"malformed JSON: {exc.msg} at position {exc.pos}") from None
    if not isinstance(data, dict):
        raise ProtocolError("a message must be a JSON object")
    return event_from_dict(data)
