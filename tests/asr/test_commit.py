from __future__ import annotations

from consult_assist.asr.commit import Agreement, common_prefix


def test_common_prefix() -> None:
    assert common_prefix("となりの部屋", "となりの家") == "となりの"
    assert common_prefix("", "abc") == ""


def test_first_hypothesis_commits_nothing() -> None:
    a = Agreement()
    assert a.update("となりの部屋から") == ""


def test_agreed_prefix_becomes_stable_and_never_shrinks() -> None:
    a = Agreement(back_off=False)
    a.update("となりの部屋から")
    assert a.update("となりの部屋から毎晩") == "となりの部屋から"
    # A later hypothesis that disagrees earlier cannot take back what was agreed.
    assert a.update("となりの部屋から枚板") == "となりの部屋から"
    assert a.update("となりの部屋から枚板すごい") == "となりの部屋から枚板"


def test_back_off_does_not_cut_inside_a_kana_run() -> None:
    a = Agreement(back_off=True)
    a.update("大人のどなる声")
    # The two agree up to 大人のど; the next characters differ inside a hiragana run, so the
    # stable text backs off to the last script boundary (大人).
    assert a.update("大人のどなり声") == "大人"


def test_stable_only_grows_across_many_updates() -> None:
    a = Agreement()
    previous = ""
    for hyp in [
        "も",
        "もしもし",
        "もしもし、あの",
        "もしもし、あの、隣",
        "もしもし、あの、隣の部屋",
    ]:
        stable = a.update(hyp)
        assert stable.startswith(previous)
        assert hyp.startswith(stable)
        previous = stable
    assert previous.startswith("もしもし")
