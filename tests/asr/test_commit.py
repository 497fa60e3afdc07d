from __future__ import annotations

from consult_assist.asr.commit import Agreement, common_prefix


def test_common_prefix() -> None:
    assert common_prefix("となりの部屋", "となりの家") == "となりの"
    assert common_prefix("", "abc") == ""


def test_first_hypothesis_commits_nothing() -> None:
    a = Agreement()
    assert a.update("となりの部屋から") == "となりの部屋から"
    assert a.stable == ""


def test_agreed_prefix_becomes_stable_and_never_shrinks() -> None:
    a = Agreement(back_off=False)
    a.update("となりの部屋から")
    a.update("となりの部屋から毎晩")
    assert a.stable == "となりの部屋から"
    # A later hypothesis that disagrees earlier cannot take back what was agreed.
    shown = a.update("となりの家から枚板")
    assert shown.startswith("となりの部屋から")
    assert a.stable == "となりの部屋から"


def test_back_off_does_not_cut_inside_a_kana_run() -> None:
    a = Agreement(back_off=True)
    a.update("大人のどなる声")
    a.update("大人のどなり声")
    # They agree up to 大人のど; the difference falls inside a hiragana run, so the stable
    # text backs off to the last script boundary.
    assert a.stable == "大人"


def test_respelled_stable_part_is_aligned() -> None:
    a = Agreement(back_off=False)
    a.update("隣の部屋から")
    a.update("隣の部屋から毎晩")
    assert a.stable == "隣の部屋から"
    shown = a.update("となりの部屋から毎晩すごい")
    assert shown == "隣の部屋から毎晩すごい"


def test_shown_text_always_starts_with_stable_and_stable_only_grows() -> None:
    a = Agreement()
    previous = ""
    for hyp in ["も", "もしもし", "もしもし、あの", "もしもしあの隣", "もしもし、あの、隣の部屋"]:
        shown = a.update(hyp)
        assert a.stable.startswith(previous)
        assert shown.startswith(a.stable)
        previous = a.stable
    assert previous.startswith("もしもし")
