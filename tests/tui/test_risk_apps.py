"""The risk sheet in the apps: the handler's tier and risk screen, the supervisor's tier
column (sortable) and the banner and bell when a call reaches 緊急一時保護を検討."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from rich.text import Text
from sample_call import call_events
from textual.widgets import Static
from tuitools import QUIET, clock, settle, until

from consult_assist.events import Risk, RiskSuspicion, SessionEnded, SimilarCall, TranscriptFinal
from consult_assist.knowledge.manual import load_manual
from consult_assist.risk.feed import to_event
from consult_assist.risk.model import RiskModel
from consult_assist.testing import FakeHubClient
from consult_assist.tui.handler import make_handler_app
from consult_assist.tui.screens.risk_screen import RiskScreen
from consult_assist.tui.supervisor import make_supervisor_app
from consult_assist.tui.widgets.calls_table import CallsTable
from consult_assist.tui.widgets.risk_banner import RiskBanner
from consult_assist.tui.widgets.risk_panel import RiskPanel, risk_text

ROOT = Path(__file__).resolve().parents[2]
MODEL = RiskModel.load(ROOT / "manuals", load_manual(ROOT / "manuals"))


def sheet(session: str, *said: str) -> Risk:
    """The risk event a real assessor gives after the caller said ``said``."""
    assessor = MODEL.assessor()
    for number, text in enumerate(said):
        assessor.observe(
            TranscriptFinal(
                session=session,
                at=10.0 * number,
                utterance=100 + number,
                start=10.0 * number,
                end=10.0 * number + 2,
                text=text,
                speaker="caller",
            )
        )
    return to_event(assessor.assessment(), session, at=10.0 * len(said))


async def test_the_handler_sees_the_tier_and_opens_the_sheet_with_evidence_and_questions() -> None:
    client = FakeHubClient(name="佐藤", role="handler")
    app = make_handler_app(QUIET, client)
    async with app.run_test(size=(80, 24)) as pilot:
        client.push(*call_events("call-1"))
        await settle(pilot, client)
        client.emit(sheet("call-1", "隣の3歳の子が、夜中にベランダに出されて泣いてるんです。"))
        await settle(pilot, client)
        status = str(app.query_one("#call-status", Static).render())
        assert "緊急度 集中的援助" in status
        await pilot.press("f10")
        await until(pilot, lambda: isinstance(app.screen, RiskScreen))
        text = str(app.screen.query_one(RiskPanel).render())
        assert "緊急度: 集中的援助" in text
        assert "④ 重大な結果が生じる可能性が高い: 該当" in text
        assert "[00:00] 相談者 「隣の3歳の子が、夜中にベランダに出されて泣いてるんです。」" in text
        assert "次に聞くこと:" in text and "%" not in text
        # The open sheet follows the call.
        client.emit(
            sheet(
                "call-1",
                "隣の3歳の子が、夜中にベランダに出されて泣いてるんです。",
                "前にも児童相談所に保護されたことがあるんです。",
            )
        )
        await settle(pilot, client)
        assert "緊急度: 一時保護を検討" in str(app.screen.query_one(RiskPanel).render())
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, RiskScreen))


async def test_the_supervisor_table_has_a_tier_column_sorted_highest_first_on_f4() -> None:
    client = FakeHubClient(name="田中", role="supervisor")
    app = make_supervisor_app(QUIET, client, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        client.push(*call_events("call-1", handler="佐藤"))
        client.push(*call_events("call-2", handler="鈴木"))
        await settle(pilot, client)
        client.emit(sheet("call-1", "お金がなくて、生活が苦しいんです。"))
        client.emit(sheet("call-2", "しばらくこの子を預かってもらえないでしょうか。"))
        await settle(pilot, client)
        table = app.query_one(CallsTable)
        assert [_cell(table, s, "tier") for s in ("call-1", "call-2")] == ["在宅支援", "一時保護"]
        assert table.get_row_index("call-1") == 0
        await pilot.press("f4")
        await pilot.pause()
        assert [table.get_row_index(s) for s in ("call-2", "call-1")] == [0, 1]


def _cell(table: CallsTable, session: str, column: str) -> str:
    value = table.get_cell(session, column)
    return value.plain if isinstance(value, Text) else str(value)


async def test_the_supervisor_table_marks_a_live_call_with_a_suspicion_to_confirm(
    suspicion: RiskSuspicion,
) -> None:
    client = FakeHubClient(name="田中", role="supervisor")
    app = make_supervisor_app(QUIET, client, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        said = "隣の3歳の子が、夜中にベランダに出されて泣いてるんです。"
        client.push(*call_events("call-1", handler="佐藤"), sheet("call-1", said))
        client.push(
            *call_events("call-2", handler="鈴木"),
            dataclasses.replace(sheet("call-2", said), suspected=(suspicion,)),
        )
        await settle(pilot, client)
        table = app.query_one(CallsTable)

        def cell(session: str, column: str) -> str:
            return _cell(table, session, column)

        assert cell("call-1", "tier") == "集中援助"
        assert cell("call-2", "tier") == "集中援助?"  # the tier may rise once asked
        assert cell("call-2", "last") == "要確認: 首絞め・口と鼻をふさぐの疑い「ぎゅむ」"
        assert not cell("call-1", "last").startswith("要確認")
        await pilot.press("f4")
        await pilot.pause()
        # Same tier: the call with something to confirm comes first.
        assert [table.get_row_index(s) for s in ("call-2", "call-1")] == [0, 1]
        client.emit(SessionEnded(session="call-2", reason="hangup"))
        await settle(pilot, client)
        assert cell("call-2", "tier") == "集中援助"  # an ended call has nobody left to ask
    # The help says what the mark means.
    assert "? は要確認" in dict(app.HELP_KEYS)["F4"]


async def test_a_call_reaching_the_top_tier_shows_the_banner_and_rings_once() -> None:
    client = FakeHubClient(name="田中", role="supervisor")
    app = make_supervisor_app(dataclasses.replace(QUIET, bell=True), client, clock=clock)
    rings: list[int] = []
    app.bell = lambda: rings.append(1)  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        client.push(*call_events("call-1", handler="佐藤"))
        await settle(pilot, client)
        banner = app.query_one(RiskBanner)
        assert not banner.has_class("-shown")
        rang = len(rings)  # the sample call's critical alerts ring on their own
        client.emit(sheet("call-1", "ベランダに出されてるんです。"))
        await settle(pilot, client)
        assert not banner.has_class("-shown") and len(rings) == rang
        client.emit(sheet("call-1", "ベランダに出されてるんです。", "首を絞められたって。"))
        await settle(pilot, client)
        assert banner.has_class("-shown")
        assert "緊急一時保護を検討: 佐藤 さんの通話" in str(banner.render())
        client.emit(sheet("call-1", "首を絞められたって。", "意識がないんです。"))
        await settle(pilot, client)
        assert len(rings) == rang + 1  # once per call, not per event
        client.emit(SessionEnded(session="call-1", reason="hangup"))
        await settle(pilot, client)
        assert not banner.has_class("-shown")


async def test_the_supervisor_opens_the_selected_calls_sheet_with_similar_calls() -> None:
    client = FakeHubClient(name="田中", role="supervisor")
    app = make_supervisor_app(QUIET, client, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        client.push(*call_events("call-1", handler="佐藤"))
        await settle(pilot, client)
        earlier = SimilarCall(
            session="old-1", date="2026-04-30", tier="集中的援助", notes=("翌朝に安全確認",)
        )
        risk = sheet("call-1", "ベランダに出されてるんです。")
        client.emit(dataclasses.replace(risk, similar=(earlier,)))
        await settle(pilot, client)
        await pilot.press("f10")
        await until(pilot, lambda: isinstance(app.screen, RiskScreen))
        text = str(app.screen.query_one(RiskPanel).render())
        assert "緊急度: 集中的援助" in text
        assert "似た過去の通話（参考）:" in text
        assert "2026-04-30 集中的援助・メモ「翌朝に安全確認」" in text


def test_the_risk_panel_shows_a_suspicion_to_confirm_above_the_items(
    suspicion: RiskSuspicion,
) -> None:
    risk = dataclasses.replace(
        sheet("call-9", "隣の3歳の子が、夜中にベランダに出されて泣いてるんです。"),
        suspected=(suspicion,),
    )
    text = str(risk_text(risk))
    line = "要確認 首絞め・口と鼻をふさぐの疑い「ぎゅむ」（まだ該当ではありません）"
    assert line in text and "[01:10] 「パパにぎゅむってされて」" in text
    assert text.index(line) < text.index("① ") and "%" not in text
