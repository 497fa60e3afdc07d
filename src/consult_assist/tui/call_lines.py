"""How a call reads in one line: the handler's status line and the rows of the call list.

Pure functions over a :class:`CallView` (or a listed :class:`SessionInfo`), returning Rich
:class:`~rich.text.Text` built from cleaned strings (names and caller numbers come from the
network: text, never markup).
"""

from __future__ import annotations

from datetime import timedelta

from rich.text import Text

from consult_assist.hub.client import SessionInfo
from consult_assist.labels import (
    end_reason_label,
    kind_label,
    level_label,
    local_time,
    source_label,
    time_label,
)
from consult_assist.tui.callview import CallView
from consult_assist.tui.widgets.richtext import clean

__all__ = ["live_row", "past_row", "record_state", "status_line"]


def _about(meta_source: str, caller: str) -> str:
    source = source_label(meta_source) if meta_source else ""
    parts = [p for p in (source, clean(caller)) if p]
    return "・".join(parts)


def record_state(closed: bool) -> str:
    """記録確定済み / 記録未確定."""
    return "記録確定済み" if closed else "記録未確定"


def status_line(view: CallView | None) -> Text:
    """The handler's status line for the call on screen."""
    if view is None:
        return Text("待機中 — F5 で通話を開始")
    kind = kind_label(view.training)
    about = _about(str(view.meta.get("source", "")), str(view.meta.get("caller", "")))
    if not view.ended:
        line = Text(f"● {kind}通話中" + (f"・{about}" if about else ""))
        if view.risk is not None:
            line.append(f"・緊急度 {view.risk.tier}（F10）")
        return line
    if view.closed:
        return Text(f"通話終了（{kind}）・{record_state(True)} — F5 で次の通話")
    return Text(f"通話終了（{kind}）・{record_state(False)} — F9 で記録、F5 で次の通話")


def live_row(view: CallView, *, current: bool, alerted: bool) -> Text:
    """A call going on now, in the handler's call list."""
    start = local_time(view.started_at)
    about = _about(str(view.meta.get("source", "")), str(view.meta.get("caller", "")))
    out = Text(f"  ● {time_label(start) if start else '--:--'}〜 {kind_label(view.training)}")
    if about:
        out.append(f"・{about}")
    if view.highest:
        out.append(f"・{level_label(view.highest)}", style="bold red" if alerted else "")
    if current:
        out.append("（表示中）", style="dim")
    return out


def past_row(info: SessionInfo) -> Text:
    """An ended call of today, in the handler's call list."""
    start = local_time(info.started_at)
    begin = time_label(start) if start else "--:--"
    end = (
        time_label(start + timedelta(seconds=info.duration_s))
        if start is not None and info.duration_s is not None
        else ""
    )
    about = _about(str(info.meta.get("source", "")), str(info.meta.get("caller", "")))
    # The list cuts a row to one line (…) on a narrow screen: the record's state comes first,
    # it is what a handler comes back for.
    out = Text(f"  {begin}〜{end} ")
    out.append(record_state(info.closed), style="" if info.closed else "bold")
    out.append(f"・{kind_label(info.training)}")
    if about:
        out.append(f"・{about}")
    if info.end_reason:
        out.append(f"・{end_reason_label(info.end_reason)}")
    return out
