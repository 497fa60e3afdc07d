"""The sheet of a call: who counts, negation, questions, severe override, corrections."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from consult_assist.events import TranscriptFinal
from consult_assist.risk.model import RiskModel
from consult_assist.risk.sheet import Assessment

Sheet = Callable[..., Assessment]


def _state(sheet: Assessment, item: str) -> str:
    return sheet.item(item).state


def test_a_caller_who_says_the_child_was_strangled_gives_the_top_tier_by_the_override(
    sheet_of: Sheet,
) -> None:
    sheet = sheet_of(("caller", "うちの子が、お父さんに首を絞められたって言うんです"))
    assert sheet.tier == "緊急一時保護を検討"
    assert sheet.rules[0] == "R0"
    assert sheet.severe == ("strangling",)
    evidence = sheet.item("likely_serious_harm").evidence[0]
    assert (evidence.speaker, evidence.act, evidence.denies) == ("caller", "reported", False)
    assert "首を絞められた" in evidence.text


@pytest.mark.parametrize(
    "text",
    ["首を閉められたんです", "しにたいって言ってます", "呼んでも反応しないんです、ぐったりしてて"],
)
def test_severe_cues_are_met_in_asr_spellings(sheet_of: Sheet, text: str) -> None:
    assert sheet_of(("caller", text)).rules[0] == "R0"


@pytest.mark.parametrize(
    ("text", "severe"),
    [
        ("首のところをぎゅって、両手でやられたって", "strangling"),
        ("泣きやまないと、口と鼻を手でふさがれるって", "strangling"),
        ("お水の中にお顔を入れられて、くるしかったって", "drowning"),
        ("お風呂でお湯の中に静められたことがあります", "drowning"),
        ("叩かれたあと、起こしても起きないんです", "unconscious"),
        ("娘が、死んだら楽になれるかなって言ってて", "child_suicidal"),
    ],
)
def test_severe_cues_are_met_in_the_words_callers_use_beyond_the_sheets_own(
    sheet_of: Sheet, text: str, severe: str
) -> None:
    """Found by the held-out set (tests/data/risk_heldout): each phrasing was missed."""
    sheet = sheet_of(("caller", text))
    assert sheet.severe == (severe,)
    assert sheet.rules[0] == "R0"


@pytest.mark.parametrize(
    ("text", "subitem"),
    [
        ("ベランダから飛び降りたら楽になるかなって、ずっと考えてる", "child_suicidal"),
        ("泣きやまないと、もう首に手がいきそうになるんです", "parent_might_kill"),
    ],
)
def test_a_thought_mused_on_is_what_is_told_for_a_thoughts_box(
    sheet_of: Sheet, text: str, subitem: str
) -> None:
    """`thoughts = true` (fifth blind set): the condition is the thought itself."""
    sheet = sheet_of(("caller", text))
    found = {e.subitem for i in sheet.items for e in i.evidence if not e.denies}
    assert subitem in found


@pytest.mark.parametrize(
    "text",
    ["もし死にたくなったら、いつでも電話してね", "死にたいって思ったら、どうすればいいですか"],
)
def test_a_thought_in_advice_or_a_question_ticks_nothing(sheet_of: Sheet, text: str) -> None:
    sheet = sheet_of(("unknown", text))
    assert all(i.state == "未確認" for i in sheet.items)


def test_a_rumour_word_is_matched_exactly_and_never_near(sheet_of: Sheet) -> None:
    """「鼻血出た」 sounds near 「って話してた」: it must not silence the child's report."""
    sheet = sheet_of(("caller", "お母さんに、グーで顔殴られた。鼻血出た。"))
    assert _state(sheet, "likely_serious_harm") == "該当"
    told = sheet_of(("caller", "近所の人たちが話してたんですけど、あの子、顔殴られたって"))
    assert _state(told, "likely_serious_harm") == "未確認"


def test_a_severe_cue_overrides_an_otherwise_low_sheet(sheet_of: Sheet) -> None:
    sheet = sheet_of(
        ("caller", "お金がなくて生活が苦しいんです"),
        ("caller", "娘が死にたいって言うんです"),
    )
    assert sheet.tier == "緊急一時保護を検討"
    assert sheet.severe == ("child_suicidal",)
    assert sheet.next[0].item == ""  # the immediate-safety check comes first


def test_a_denial_ticks_nothing_as_established(sheet_of: Sheet) -> None:
    sheet = sheet_of(("caller", "頭を叩いたりはしていないです"))
    assert _state(sheet, "likely_serious_harm") != "該当"
    assert sheet.tier == "在宅支援"
    assert all(e.denies for i in sheet.items for e in i.evidence)


def test_the_handlers_own_question_ticks_nothing_however_leading(sheet_of: Sheet) -> None:
    sheet = sheet_of(
        ("handler", "首を絞められたりしていない？"),
        ("handler", "頭を叩かれたりしたことはありますか。"),
    )
    assert all(i.state == "未確認" for i in sheet.items)
    assert sheet.rules == ("R8",)


def test_a_handlers_summary_is_not_new_evidence(sheet_of: Sheet) -> None:
    sheet = sheet_of(("handler", "ベランダに出されていたんですね。"))
    assert _state(sheet, "likely_serious_harm") == "未確認"


def test_the_callers_yes_to_the_handlers_question_establishes_what_was_asked(
    sheet_of: Sheet,
) -> None:
    sheet = sheet_of(("handler", "頭を叩かれたことある？"), ("caller", "はい、何回も"))
    assert sheet.item("likely_serious_harm").subitems == ("head_face_blow",)
    assert "habitual_abuse" in sheet.item("recurrence").subitems
    assert sheet.tier == "一時保護を検討"
    evidence = sheet.item("likely_serious_harm").evidence[0]
    assert evidence.speaker == "caller"
    assert "→ はい、何回も" in evidence.text


def test_a_no_to_the_handlers_question_is_a_denial(sheet_of: Sheet) -> None:
    sheet = sheet_of(
        ("handler", "首を絞められたことはある？"), ("caller", "いいえ、それはないです")
    )
    assert sheet.severe == ()
    assert sheet.item("likely_serious_harm").evidence[0].denies


def test_on_a_mono_call_the_speech_act_alone_decides(sheet_of: Sheet) -> None:
    sheet = sheet_of(("unknown", "首を絞められたりしてない？"), ("unknown", "してないです"))
    assert sheet.severe == ()
    sheet = sheet_of(("unknown", "頭を叩かれたりはしましたか？"), ("unknown", "はい、あります"))
    assert _state(sheet, "likely_serious_harm") == "該当"


@pytest.mark.parametrize(
    "text",
    [
        "もし叩いちゃったらどうしようって不安で",
        "あそこの家、虐待してるって噂ですよ、首を絞めてるとか",
        "テレビで見たんですけど、首を絞められた子がいて",
    ],
)
def test_hypotheticals_rumours_and_other_stories_tick_nothing(sheet_of: Sheet, text: str) -> None:
    sheet = sheet_of(("caller", text))
    assert all(i.state == "未確認" for i in sheet.items)


def test_a_later_correction_is_kept_as_conflicting_evidence(sheet_of: Sheet) -> None:
    sheet = sheet_of(
        ("caller", "3歳の男の子なんですけど、お父さんに頭を叩かれてて"),
        ("caller", "いや、叩いてはいないです"),
    )
    item = sheet.item("likely_serious_harm")
    assert item.state == "該当"
    assert item.conflicting
    assert [e.denies for e in item.evidence if e.subitem == "head_face_blow"] == [False, True]
    assert any(q.item == "likely_serious_harm" and q.reason for q in sheet.next)


def test_a_denial_followed_by_an_admission_sets_the_item(sheet_of: Sheet) -> None:
    sheet = sheet_of(
        ("caller", "ご飯を食べさせないなんてことはないです"),
        ("caller", "でも本当は、何日もご飯を食べさせてもらえないって"),
    )
    assert _state(sheet, "serious_harm") == "該当"


def test_one_denied_box_of_a_many_box_item_leaves_it_unconfirmed(sheet_of: Sheet) -> None:
    one = sheet_of(("caller", "お酒は飲まないです"))
    assert _state(one, "parent_factors") == "未確認"
    two = sheet_of(("caller", "お酒は飲まないです"), ("caller", "暴れたりもしないです"))
    assert _state(two, "parent_factors") == "非該当"
    assert _state(sheet_of(("caller", "ぐったりはしていないです")), "serious_harm") == "非該当"


def test_a_carer_who_wants_to_die_is_a_carer_in_crisis_not_a_suicidal_child(
    sheet_of: Sheet,
) -> None:
    sheet = sheet_of(("caller", "母親です。育児に疲れて、私が死にたいんです"))
    assert sheet.severe == ()
    assert "parent_psychiatric_crisis" in sheet.item("parent_factors").subitems


def test_an_everyday_word_needs_its_context(sheet_of: Sheet) -> None:
    assert _state(sheet_of(("caller", "毎日夜泣きがひどくて")), "recurrence") == "未確認"
    assert _state(sheet_of(("caller", "毎日叩かれてるみたいです")), "recurrence") == "該当"


def test_the_age_said_makes_the_child_an_infant_and_a_guess_does_not(sheet_of: Sheet) -> None:
    assert _state(sheet_of(("caller", "二歳の娘がいます")), "likely_serious_harm") == "該当"
    assert _state(sheet_of(("caller", "夜泣きがひどくて")), "likely_serious_harm") == "未確認"
    assert _state(sheet_of(("caller", "小学4年の息子です")), "likely_serious_harm") == "未確認"


def test_states_never_go_back_and_the_sheet_changes_only_with_new_evidence(
    model: RiskModel,
) -> None:
    assessor = model.assessor()

    def say(number: int, speaker: str, text: str) -> Assessment | None:
        return assessor.observe(
            TranscriptFinal(
                session="s",
                at=number,
                utterance=number,
                start=number,
                end=number,
                text=text,
                speaker=speaker,
            )
        )

    first = say(0, "caller", "ベランダに出されて家に入れてもらえないんです")
    assert first is not None and first.tier == "集中的援助"
    assert say(1, "handler", "それは心配ですね。") is None
    later = say(2, "caller", "前にも児童相談所に保護されたことがあるんです")
    assert later is not None
    assert later.tier == "一時保護を検討" and later.rules[0] == "R4"
    assert say(3, "caller", "でも大丈夫かもしれません") is None
    final = assessor.assessment()
    assert final.item("likely_serious_harm").state == "該当"
    assert final.item("recurrence").state == "該当"


def test_the_json_has_the_promised_shape_and_no_score(sheet_of: Sheet) -> None:
    data = sheet_of(("caller", "夫が酒を飲むと暴れるんです")).to_json()
    assert set(data) >= {"tier", "items", "next"}
    item = data["items"][6]  # type: ignore[index]
    assert item["id"] == "parent_factors" and item["state"] == "該当"
    assert set(item["evidence"][0]) >= {"text", "at", "speaker"}
    text = str(data)
    assert "%" not in text and "score" not in text and "probab" not in text


def test_a_callers_plea_phrased_as_a_question_asks_for_protection(sheet_of: Sheet) -> None:
    sheet = sheet_of(("caller", "しばらくこの子を預かってもらえないでしょうか。"))
    assert _state(sheet, "protection_request") == "該当"
    assert sheet.tier == "一時保護を検討"
    asked = sheet_of(("handler", "どこかで預かってほしいというお気持ちはありますか。"))
    assert _state(asked, "protection_request") == "未確認"


def test_a_clause_said_before_a_question_still_counts(sheet_of: Sheet) -> None:
    sheet = sheet_of(("caller", "つい赤ちゃんを強く揺さぶっちゃって、大丈夫ですかね"))
    assert "shaking_infant" in sheet.item("likely_serious_harm").subitems


def test_a_yes_after_an_unpunctuated_question_answers_it(sheet_of: Sheet) -> None:
    sheet = sheet_of(("handler", "あたま叩かれたことある"), ("caller", "はい 何回も"))
    assert sheet.tier == "一時保護を検討"
    closing = sheet_of(
        ("handler", "何かあったら、いつでもご相談ください。"), ("caller", "はい、そうします。")
    )
    assert all(i.state == "未確認" for i in closing.items)


def test_a_reason_given_before_a_plea_is_said_too(sheet_of: Sheet) -> None:
    sheet = sheet_of(
        ("caller", "もう無理なんで、施設でもいいので子どもを引き取ってもらえませんか。")
    )
    assert _state(sheet, "parent_factors") == "該当"
    assert _state(sheet, "protection_request") == "該当"


def test_a_few_times_answers_the_question_and_says_it_recurs(sheet_of: Sheet) -> None:
    """「何度か」 ends in か but asks nothing: it is the answer, and a repetition."""
    sheet = sheet_of(("handler", "頭とか顔を叩かれたことはある？"), ("caller", "…はい、何度か。"))
    assert _state(sheet, "likely_serious_harm") == "該当"
    assert _state(sheet, "recurrence") == "該当"


def test_how_often_answers_what_was_being_talked_about(sheet_of: Sheet) -> None:
    sheet = sheet_of(
        ("caller", "お父さんに叩かれた"),
        ("handler", "そういうことは、前にもあったの？"),
        ("caller", "…しょっちゅう。"),
    )
    assert _state(sheet, "recurrence") == "該当"
    alone = sheet_of(("handler", "前にもあったの？"), ("caller", "しょっちゅう。"))
    assert _state(alone, "recurrence") == "未確認"


def test_a_parent_named_as_subject_is_the_parent_in_crisis_not_the_child(
    sheet_of: Sheet,
) -> None:
    mother = sheet_of(("caller", "お母さんが、最近、死にたいってよく言ってて"))
    assert mother.severe == ()
    assert _state(mother, "parent_factors") == "該当"
    child = sheet_of(("caller", "お母さんは知らないけど、死にたい"))
    assert child.severe == ("child_suicidal",)


@pytest.mark.parametrize(
    ("text", "severe"),
    [
        (
            "弟が、お父さんに蹴られて、そのまま起きなくなっちゃった。息はしてるけど、動かない",
            "unconscious",
        ),
        (
            "赤ちゃんが、さっきから呼んでも目を開けなくて、ぐにゃっとしてて、どうしたら…",
            "unconscious",
        ),
        ("首のところに赤いのがあって、本人に聞いたら『ママにしめられた』って", "strangling"),
        ("首をつかまれて、壁に押しつけられて", "strangling"),
        (
            "先生から聞いたんですけど、その子が『いなくなりたい』ってずっと言ってるらしくて",
            "child_suicidal",
        ),
    ],
)
def test_severe_cues_found_by_the_third_set(sheet_of: Sheet, text: str, severe: str) -> None:
    assert sheet_of(("caller", text)).severe == (severe,)


def test_a_denied_wish_to_die_is_no_severe_cue(sheet_of: Sheet) -> None:
    assert sheet_of(("caller", "死にたいとかは、思ってないよ。ただ、話したかっただけ")).severe == ()


def test_a_thought_of_covering_the_mouth_is_not_a_strangling(sheet_of: Sheet) -> None:
    sheet = sheet_of(
        ("caller", "さっき、この子の口をふさいだら静かになるかなって、一瞬、思っちゃって…")
    )
    assert sheet.severe == ()


@pytest.mark.parametrize(
    ("text", "severe"),
    [
        (
            "年中さんの男の子が、パパにお風呂で顔をお湯の中に入れられて、息ができなかったって",
            "drowning",
        ),
        ("男の子がパパにお風呂で顔お湯の中入れられて。息ができなかったって", "drowning"),
        ("さっきまで、ベランダから下ずっと見てて。飛び降りたら楽になるかなって", "child_suicidal"),
        ("赤ちゃんが床に倒れてて息はしてるんですけど。揺すっても全然本能がなくて", "unconscious"),
        ("揺すっても全然反応がなくて", "unconscious"),
    ],
)
def test_severe_cues_found_by_the_fourth_set(sheet_of: Sheet, text: str, severe: str) -> None:
    assert severe in sheet_of(("caller", text)).severe


def test_someone_who_answers_when_called_is_not_unconscious(sheet_of: Sheet) -> None:
    assert sheet_of(("caller", "呼んだら、ちゃんと反応はあります。")).severe == ()


@pytest.mark.parametrize(
    ("text", "item"),
    [
        ("孫が腕の骨を折って入院してるんです", "serious_harm"),
        ("おでこが切れて、病院で何針か縫いました。夫が投げたリモコンが当たって", "serious_harm"),
        (
            "おでこが切れて、病院で何針か縫いました。夫が投げたリモコンが当たって",
            "likely_serious_harm",
        ),
        ("お母さんの新しい彼氏が来てから、たたかれるようになった。顔とか。", "likely_serious_harm"),
        ("ママ、きのうの夜から帰ってこない。弟と二人だけで、ごはんもない。", "likely_serious_harm"),
        ("お前なんかいらない、出ていけって、毎日のように母親に言われてます。", "recurrence"),
        ("本気で殺しちゃうんじゃないかって、自分が怖いんです", "urgent_situation"),
        ("上の子も叩かれてます", "recurrence"),
    ],
)
def test_phrasings_found_by_the_fourth_set(sheet_of: Sheet, text: str, item: str) -> None:
    assert _state(sheet_of(("caller", text)), item) == "該当"


def test_a_child_threatened_with_death_tonight_is_urgent(sheet_of: Sheet) -> None:
    sheet = sheet_of(
        ("handler", "今夜、おうちにいて危ないことはありそう？"),
        ("caller", "うん。今日帰ったら、殺すって言われてる。"),
    )
    assert _state(sheet, "urgent_situation") == "該当"


@pytest.mark.parametrize(
    ("text", "item"),
    [
        ("ベランダにいたのは、よく見たら洗濯物を取り込むお手伝いをしてたみたいで。", "recurrence"),
        ("上の子が発達障害の診断を受けてて、パニックになると叫び続けるんです。", "recurrence"),
        (
            "仮に、仮にですよ、子どもを施設に預けるってなったら、どういう手続きに？",
            "protection_request",
        ),
    ],
)
def test_words_that_only_look_like_a_cue_tick_nothing(
    sheet_of: Sheet, text: str, item: str
) -> None:
    assert _state(sheet_of(("caller", text)), item) == "未確認"


@pytest.mark.parametrize(
    ("text", "item"),
    [
        ("姉が、言うこと聞かないと湯船に顔をつけさせるんです。", "likely_serious_harm"),
        ("弟が、お母さんに突き飛ばされて、頭打って、起きないの。", "serious_harm"),
        ("このままだと、あの子に何しちゃうか、自分でもわからなくて……", "urgent_situation"),
        ("いま、お父さんが包丁持って、ドアの前にいる。", "urgent_situation"),
        ("兄に、無理やり、そういうことをされて……最後まで。", "serious_harm"),
        ("お父さんとお風呂に入ったあと股が痛いと言っていて。", "urgent_situation"),
        ("お母さんの彼氏に、タバコの火を腕に押しつけられて、もう何回も。", "recurrence"),
        ("この子のことで通告するのは、今年に入って3回目になります。", "recurrence"),
        ("前にも一回、110番したことがあるんです、あの家のことで。", "recurrence"),
        (
            "夜中の2時ごろ、子どもがコンビニの前にいて、家には誰もいないって言うんです。",
            "likely_serious_harm",
        ),
        ("最近、表情が全然なくて、話しかけても反応が薄くて。", "child_signs"),
        ("主人が、娘にお前なんか生まれてこなければよかったって言ったんです。", "parent_factors"),
        ("お母さんが、あんたのせいで人生めちゃくちゃって、毎日言う。", "recurrence"),
        ("産後から、ずっと気分が落ち込んでて、育児が全然できなくて。", "parent_factors"),
        ("夫に、子どもの前で髪をつかまれて引きずられたこともあって。", "environment"),
        ("給食費も何か月も未納で、お母さんは仕事を掛け持ちしても足りないって。", "environment"),
        ("ママがまた、知らない男の人を連れてきて、一緒に住むって。", "environment"),
        ("お父さんと一緒にいたくない。", "child_signs"),
    ],
)
def test_phrasings_found_by_the_sixth_set(sheet_of: Sheet, text: str, item: str) -> None:
    assert _state(sheet_of(("caller", text)), item) == "該当"


def test_a_parents_you_should_never_have_been_born_is_no_wish_of_the_child_to_die(
    sheet_of: Sheet,
) -> None:
    sheet = sheet_of(
        ("caller", "主人が、娘にお前なんか生まれてこなければよかったって言ったんです。")
    )
    assert sheet.severe == ()


def test_what_the_child_told_a_teacher_counts_however_the_telling_is_worded(
    sheet_of: Sheet,
) -> None:
    # 「…と話しています」 was silenced as a rumour (「…って話してた」 was one of its words).
    sheet = sheet_of(("caller", "本人が、首を絞められたと話しています。"))
    assert sheet.severe == ("strangling",)
    assert sheet.item("likely_serious_harm").evidence[0].act == "reported"


def test_a_yes_that_goes_on_in_the_callers_own_negated_words_still_answers(
    sheet_of: Sheet,
) -> None:
    sheet = sheet_of(
        ("handler", "おうちに帰るのは怖い？"),
        ("caller", "うん……帰りたくない。"),
    )
    assert _state(sheet, "child_signs") == "該当"
    assert _state(sheet, "protection_request") == "該当"
    no = sheet_of(("handler", "おうちに帰るのは怖い？"), ("caller", "うん、怖くない。"))
    assert _state(no, "child_signs") == "非該当"


def test_the_sheets_own_question_about_before_is_answered_by_a_few_times(
    sheet_of: Sheet,
) -> None:
    sheet = sheet_of(
        ("handler", "前にも同じようなことはありましたか？"),
        ("caller", "はい、何度か。"),
    )
    assert _state(sheet, "recurrence") == "該当"


@pytest.mark.parametrize(
    ("text", "item"),
    [
        ("転んだけど痛くない。", "protection_request"),  # not 家にいたくない
        ("小学1年の子なんですが、この2か月で体重がかなり落ちて。", "likely_serious_harm"),
        ("30分くらい前から、窓をたたいて泣いてたんです。", "recurrence"),
        ("あの、しつけのことで、ちょっと聞きたいことがありまして。", "recurrence"),
        ("子どもにはなんとか食べさせてます。叩いたりはしてません。", "recurrence"),
        (
            "ママ友から聞いたんですけど、別の保育園で子どもが車に置き去りにされたって。",
            "likely_serious_harm",
        ),
    ],
)
def test_words_the_sixth_set_showed_only_look_like_a_cue(
    sheet_of: Sheet, text: str, item: str
) -> None:
    assert _state(sheet_of(("caller", text)), item) == "未確認"


@pytest.mark.parametrize(
    ("text", "item"),
    [
        ("隣の部屋の赤ちゃん、息が変で、全然動かないんです。", "serious_harm"),
        (
            "もう自分で終わりにしようかなって。ベランダから飛び下りようかなって考えてる",
            "urgent_situation",
        ),
        ("お父さんがお風呂の時、写真とってくる。", "likely_serious_harm"),
        ("姉が最近おかしくて、夜中に誰かに見張られてるって叫んだりするんです。", "parent_factors"),
        ("お父さんの話になると震えだすんです。", "child_signs"),
        ("お父さんがお母さんのこと突き飛ばしたりするの。", "environment"),
        (
            "もう、あの家にいるのがいやで。どこか、子どもが住めるところとか、連れてってもらえないかなって。",
            "protection_request",
        ),
        ("このままだと何をするかわからない。", "urgent_situation"),
    ],
)
def test_phrasings_found_by_the_seventh_set(sheet_of: Sheet, text: str, item: str) -> None:
    assert _state(sheet_of(("caller", text)), item) == "該当"


def test_a_child_afraid_of_what_will_be_done_at_home_fears_the_parent(
    sheet_of: Sheet,
) -> None:
    sheet = sheet_of(
        ("handler", "今日は、おうちに帰れそう？"),
        ("caller", "帰りたくない。帰ったらまた何されるかわかんないし、助けてほしい。"),
    )
    assert _state(sheet, "child_signs") == "該当"
    assert _state(sheet, "urgent_situation") == "未確認"


def test_how_often_is_a_yes_to_a_question_about_drinking(sheet_of: Sheet) -> None:
    sheet = sheet_of(
        ("handler", "お酒は、どのくらい飲まれますか。"),
        ("caller", "…毎日です。一本じゃ足りなくて、朝から飲んじゃう日もあります。"),
    )
    assert _state(sheet, "parent_factors") == "該当"


def test_a_reason_before_a_plea_counts_without_the_comma_a_recogniser_leaves_out(
    sheet_of: Sheet,
) -> None:
    text = "正直もう私じゃ無理なんでしばらくの間この子を預かってもらえないでしょうか"
    sheet = sheet_of(("caller", text))
    assert _state(sheet, "parent_factors") == "該当"
    assert _state(sheet, "protection_request") == "該当"


@pytest.mark.parametrize(
    "text", ["死にたいって思う。", "死にたいと思うことがある", "うん。毎晩、死にたいって思う。"]
)
def test_wanting_to_die_with_a_verb_of_thinking_is_the_severe_cue(
    sheet_of: Sheet, text: str
) -> None:
    """The eighth set's one severe miss: the exception 「死ぬかと思」 has the lemmas of
    「死にたいと思う」 and silenced the commonest way of saying it. Exceptions now count only as
    written or read, never by lemmas."""
    assert sheet_of(("caller", text)).severe == ("child_suicidal",)


def test_a_yes_to_the_question_of_wanting_to_die_is_the_severe_cue(sheet_of: Sheet) -> None:
    sheet = sheet_of(
        ("handler", "死にたいって思うことはある？"),
        ("caller", "うん。毎晩思う。手首も切ったことある。"),
    )
    assert sheet.severe == ("child_suicidal",)
    assert sheet.tier == "緊急一時保護を検討"


def test_a_fright_still_ticks_nothing(sheet_of: Sheet) -> None:
    assert sheet_of(("caller", "階段から落ちて、本当に死ぬかと思いました")).severe == ()


@pytest.mark.parametrize(
    ("text", "item"),
    [
        ("えっと、僕、施設とかでもいいんで、あの家から出してほしいんです。", "protection_request"),
        ("このままだと本当にこの子に何かしてしまいそうって思って", "urgent_situation"),
        ("頭を縫って、二日くらい入院しました。", "serious_harm"),
        ("腕の骨が置れてたみたいで病院でギブスしてもらったって", "serious_harm"),
        ("八か月の娘がいるんですけど、もう三日くらい寝てなくて", "likely_serious_harm"),
        ("うちの子、二千グラムちょっとで生まれて、体が弱いんです。", "likely_serious_harm"),
        ("産後から、赤ちゃんのお世話もできない日があって。", "likely_serious_harm"),
        ("お母さんは、殴ったのは私が悪いからだって。", "recurrence"),
        ("お父さんが帰ってくる時間になると、震えが止まらなくなる。", "child_signs"),
        ("夫が酔っぱらって、私の髪をつかんで引きずり回すのを、娘が見てたんです。", "environment"),
    ],
)
def test_phrasings_found_by_the_eighth_set(sheet_of: Sheet, text: str, item: str) -> None:
    assert _state(sheet_of(("caller", text)), item) == "該当"


@pytest.mark.parametrize(
    ("text", "item"),
    [
        ("三千グラムで生まれて、元気な子です。", "likely_serious_harm"),  # not a low weight
        ("うちの主人は、お酒は一滴も飲まないんです。", "parent_factors"),
        ("お兄ちゃんがお父さんに殴られて倒れて、目をあけないの。", "recurrence"),
    ],
)
def test_words_the_eighth_set_showed_tick_no_item(sheet_of: Sheet, text: str, item: str) -> None:
    assert _state(sheet_of(("caller", text)), item) != "該当"


def test_an_answer_that_opens_with_a_denial_is_no_yes_to_what_was_asked(sheet_of: Sheet) -> None:
    sheet = sheet_of(
        ("handler", "娘さんを、どこかで預かってほしいというお気持ちはありますか。"),
        ("caller", "そういうのは考えてないです。私と娘で、どうしたらいいか知りたくて。"),
    )
    assert _state(sheet, "protection_request") != "該当"


def test_a_child_who_says_yes_to_being_afraid_of_the_people_at_home_fears_the_parent(
    sheet_of: Sheet,
) -> None:
    sheet = sheet_of(("handler", "おうちの人のこと、怖い？"), ("caller", "……うん。すごく怖い。"))
    assert _state(sheet, "child_signs") == "該当"


@pytest.mark.parametrize(
    ("text", "severe"),
    [
        (
            "生きてても意味ないっていうか。さっき、駅のホームで、このまま飛び込んだら楽かなって",
            "child_suicidal",
        ),
        ("俺が居なくなった方が、皆、楽なんじゃないかなって。", "child_suicidal"),
        ("口やハナをふさがれた", "strangling"),
        ("昨日よくそうに顔を押し付けられて、なかなか上げてもらえなかったそうなんです", "drowning"),
    ],
)
def test_severe_phrasings_found_by_the_ninth_set(sheet_of: Sheet, text: str, severe: str) -> None:
    assert severe in sheet_of(("caller", text)).severe


@pytest.mark.parametrize(
    ("text", "item"),
    [
        ("正直、次に口ごたえされたら、何をするか自分でもわかりません", "urgent_situation"),
        (
            "泣き止まないと、もう、この子を…窓から落としてしまいそうで、自分がこわいんです",
            "urgent_situation",
        ),
        (
            "お義父さんと一緒にお風呂に入るのがいやだとか、夜に部屋に来るのがこわいとか",
            "urgent_situation",
        ),
        ("甥っ子が、腕と肋骨を折って入院してるんです", "serious_harm"),
        ("お迎えの時に腕がブランとしてて病院で見てもらったら骨が降れてるって", "serious_harm"),
        ("あそこの子、すごく痩せてて、ごみ箱をあさって食べてたんです", "serious_harm"),
        ("最近、夜になると3歳の子どもを置いて出かけちゃうみたいで", "likely_serious_harm"),
        (
            "お父さんが、着替えてるときに、わざとドア開けて、スマホで撮ってくる",
            "likely_serious_harm",
        ),
        ("悪いことすると、ベランダに出されて、鍵しめられる。夜も", "recurrence"),
        ("古いのと新しいのがあって", "recurrence"),
        ("しつけの範囲だ、学校が口出しすることじゃないって", "recurrence"),
        ("言ったわよ。そしたら、寝てるから平気だって、逆に怒られちゃって", "recurrence"),
        ("妻が、薬を飲まなくなってから、夜中に誰かに見られてるって騒いで", "parent_factors"),
        ("もう、ごはんも作れなくて、朝起きられなくて", "parent_factors"),
        ("下校の時間になると泣き出して、『お母さんに怒られるから帰りたくない』って", "child_signs"),
        ("お父さんの車の音がすると、心臓がばくばくして、布団にもぐっちゃう", "child_signs"),
    ],
)
def test_phrasings_found_by_the_ninth_set(sheet_of: Sheet, text: str, item: str) -> None:
    assert _state(sheet_of(("caller", text)), item) == "該当"


def test_often_is_not_read_in_a_bathtub_written_in_kana(sheet_of: Sheet) -> None:
    sheet = sheet_of(("caller", "昨日よくそうに顔を押し付けられたそうなんです"))
    assert "habitual_abuse" not in sheet.item("recurrence").subitems


def test_what_a_witness_says_they_never_saw_is_denied(sheet_of: Sheet) -> None:
    sheet = sheet_of(("caller", "夜に外に出されてるとか、そういうのは見たことないです"))
    assert _state(sheet, "likely_serious_harm") != "該当"


@pytest.mark.parametrize(
    ("turns", "severe"),
    [
        (
            (
                ("handler", "そのとき、首のところをつかまれたりした？"),
                ("caller", "…うん。両手で。すごく苦しかった"),
            ),
            "strangling",
        ),
        ((("caller", "男の子の口も鼻も手で押さえつけて、声が出ないようにしてる"),), "strangling"),
        ((("caller", "妻が、娘の首にタオルを巻いて、引っ張ってたんです"),), "strangling"),
        ((("caller", "言うこときかないから、頭を、お湯の中に、ぐって…何秒か"),), "drowning"),
        (
            (("caller", "娘がね孫の顔を洗面機の水に押し付けて反省しなさいって孫は咽て泣いてて"),),
            "drowning",
        ),
    ],
)
def test_severe_phrasings_found_by_the_tenth_set(
    sheet_of: Sheet, turns: tuple[tuple[str, str], ...], severe: str
) -> None:
    assert severe in sheet_of(*turns).severe


@pytest.mark.parametrize(
    ("text", "item"),
    [
        (
            "妻が出て行ってから、一人で三人はもう無理で…一時保護っていうんですか、それをお願いしたいんです",
            "protection_request",
        ),
        ("4歳の子が、お絵かきで、大人の男の人の体を、すごく具体的に描いて", "urgent_situation"),
        ("このままだと私この子に何するか分かんないです", "urgent_situation"),
        ("正直、この子がいなくなればって…", "parent_factors"),
        ("兄に…その、されて…最後まで。", "serious_harm"),
        ("目の下の骨にひびが入ってるって", "serious_harm"),
        ("お母さんが、たばこの火を、腕に、ジュッて…。いたかった", "serious_harm"),
        (
            "お母さんが、玄関の前で、男の子のほっぺを、バシッて、二回、平手で。",
            "likely_serious_harm",
        ),
        ("お父さんが、お風呂に入ってるとき、わざと開けて見てくるし", "likely_serious_harm"),
        ("お母さんは自分で転んだって言ってるけど、2か月前も足にギプスしてたのよ", "recurrence"),
        (
            "私自身が、もう消えたいって、毎日思ってて…病院の薬も、ここ何週間か飲めてないんです",
            "parent_factors",
        ),
        ("毎日、子どもの前で私を怒鳴りつけるんです", "environment"),
        ("大声出して、テーブルひっくり返したりする", "parent_factors"),
    ],
)
def test_phrasings_found_by_the_tenth_set(sheet_of: Sheet, text: str, item: str) -> None:
    assert _state(sheet_of(("caller", text)), item) == "該当"


def test_a_game_console_thrown_is_no_child_who_passed_out(sheet_of: Sheet) -> None:
    """「ゲーム機を投げて」 read as 気を失 gave a father's single slap the top tier."""
    sheet = sheet_of(("caller", "弟のゲーム機を投げて壊したので、注意したら、カッとなって、つい"))
    assert sheet.severe == ()


def test_hitting_written_in_kana_is_no_limp_child(sheet_of: Sheet) -> None:
    sheet = sheet_of(
        ("caller", "お父さんが、お母さんのこと、なぐったり、けったりする。ぼくたちの前で")
    )
    assert sheet.severe == ()
    assert _state(sheet, "environment") == "該当"


def test_a_child_who_thinks_home_is_better_without_him_is_no_rejecting_parent(
    sheet_of: Sheet,
) -> None:
    sheet = sheet_of(
        ("handler", "今、どんな気持ちでいる？"),
        ("caller", "…もう、いなくなりたい。ぼくがいなければ、家もうまくいくし"),
    )
    assert sheet.severe == ("child_suicidal",)
    assert _state(sheet, "parent_factors") != "該当"


@pytest.mark.parametrize("text", ["首をつって死のうと思った", "昨日、死のうとした"])
def test_a_way_of_dying_told_is_the_severe_cue(sheet_of: Sheet, text: str) -> None:
    assert sheet_of(("caller", text)).severe == ("child_suicidal",)


def test_a_mouth_made_small_is_no_smothering(sheet_of: Sheet) -> None:
    """The cue 口を塞 was read クチヲセ (塞 as in 塞き止める) and met 口をせまく."""
    assert sheet_of(("caller", "口をせまくして、小さい声で話してって")).severe == ()


@pytest.mark.parametrize(
    ("text", "severe"),
    [
        ("主人が、娘の口を手で押さえて、鼻もふさいで、泣きやむまで離さないんです", "strangling"),
        ("あのね昨日お父さんに靴をぎゅって両手でされて息できなくなった", "strangling"),
        ("姉が言うこと聞かないからっておいっこの顔を欲槽に付き込んでるのを見たんです", "drowning"),
        ("…正直、死んだほうが楽かなって、ずっと考えてて", "child_suicidal"),
    ],
)
def test_severe_phrasings_found_by_the_eleventh_set(
    sheet_of: Sheet, text: str, severe: str
) -> None:
    assert severe in sheet_of(("caller", text)).severe


@pytest.mark.parametrize(
    ("text", "item"),
    [
        ("もうこのままだとこの子のところしちゃうかもしれない", "urgent_situation"),
        ("腕なんか骨と皮みたいで、おむつもずっと替えてないみたいで", "serious_harm"),
        ("熱が40度近くあるのに、3日も病院に連れて行ってもらえてないって", "serious_harm"),
        ("母が全然ミルクあげなくて、すごい痩せてきてて", "serious_harm"),
        ("2歳の子が、お腹にすごく大きい内出血があって", "serious_harm"),
        (
            "去年の秋にも、おでこにこぶを作ってきて、そのときも市の子ども家庭課に通告しています",
            "recurrence",
        ),
        ("右のほっぺたと目の下です。色が、紫と、黄色くなりかけのがあって", "recurrence"),
        ("レントゲンで、治りかけの肋骨の骨折が何か所も見つかって", "recurrence"),
        ("前にも一回、警察呼んだことあるんですよ、あの家", "recurrence"),
        ("妻が、赤ん坊を、泣くたびに上下に強く振ってるんです", "recurrence"),
        ("お母さんが、テストの点悪いと、頭をげんこつでなぐる", "recurrence"),
        ("しつけの何が悪いんだ、うちの教育方針に口出すなって", "recurrence"),
        ("お義父さんが、昨日の夜、部屋に入ってきて、服の中に手入れてきて…", "likely_serious_harm"),
        (
            "夜中の2時ごろ、玄関の前に裸足の男の子が座ってて。外にいろって言われたって",
            "likely_serious_harm",
        ),
        ("お母さんが、殺してやるって包丁持ってきて、今、トイレに隠れてる", "child_signs"),
        ("もう家に戻りたくないんです。親に殴られるから", "child_signs"),
        ("父が、なんか、白い粉みたいなの吸ってて…部屋に注射器もあって", "parent_factors"),
        ("シングルで三人見てて、もう毎日いっぱいいっぱいで、限界かなって", "parent_factors"),
        ("下の子だけ、夫が、ご飯抜きにしたり、物置に閉じ込めたりするんです", "parent_factors"),
    ],
)
def test_phrasings_found_by_the_eleventh_set(sheet_of: Sheet, text: str, item: str) -> None:
    assert _state(sheet_of(("caller", text)), item) == "該当"


def test_a_correction_away_from_the_neck_is_no_strangling(sheet_of: Sheet) -> None:
    text = "お父さんに首…あ、ちがう、首じゃなくて、肩をぎゅってつかまれただけ"
    assert sheet_of(("caller", text)).severe == ()


def test_a_mother_who_hit_her_child_is_not_domestic_violence(sheet_of: Sheet) -> None:
    sheet = sheet_of(
        ("caller", "妻が子どもを叩いたあと、息子がぐったりして、今、目を開けないんです")
    )
    assert sheet.severe == ("unconscious",)
    assert _state(sheet, "environment") != "該当"


def test_trying_to_wake_a_child_is_neither_shaking_nor_a_blow(sheet_of: Sheet) -> None:
    sheet = sheet_of(
        ("handler", "今、お子さんは目を開けていますか？"),
        ("caller", "いえ…目つぶったまんまで、揺すっても起きないんです"),
    )
    assert sheet.severe == ("unconscious",)
    assert _state(sheet, "likely_serious_harm") != "該当"


@pytest.mark.parametrize(
    "text",
    [
        "風邪で鼻ふさがってて苦しそうなんです",  # a stuffy nose, not a hand over it
        "鼻もふさがってて",
        "ご飯あげないといけないので、もう切りますね",  # an errand, not food withheld
        "青と黄色の服を着てて",  # colours, not bruises of two ages
        "色が違う靴を履いてきた",
    ],
)
def test_everyday_words_near_the_new_cues_tick_nothing(sheet_of: Sheet, text: str) -> None:
    """Read against this session's new patterns as an outsider would: each once ticked a box."""
    sheet = sheet_of(("caller", text))
    assert sheet.severe == ()
    assert all(item.state != "該当" for item in sheet.items), text


@pytest.mark.parametrize(
    ("text", "severe"),
    [
        ("カッとなって、息子の首に手をかけてしまいました。すぐ離したんですけど", "strangling"),
        ("泣き止まなくて、気がついたら首に手を…", "strangling"),
        ("妹がお父さんに口と花をタオルで抑えられて息できなくて", "strangling"),
        ("お風呂でね、ママにあたまを押さえられて、お湯の中に入れられたの", "drowning"),
        ("お風呂で顔を湯舟に漬けられて何秒もあげさせてもらえなくて", "drowning"),
        ("お風呂でね、ママに頭大湯の中に入れられて苦しかった", "drowning"),
        ("息子がさっき柱に頭を打って 呼んでも変じしないんです", "unconscious"),
        ("弟、床に倒れたまま動かない。お母さんが突き飛ばして", "unconscious"),
        (
            "息子が昨日の夜ベランダの手すりに足かけてもう行きてても意味ないって私どうしたらいいか",
            "child_suicidal",
        ),
    ],
)
def test_severe_phrasings_found_by_the_twelfth_and_thirteenth_sets(
    sheet_of: Sheet, text: str, severe: str
) -> None:
    assert severe in sheet_of(("caller", text)).severe


@pytest.mark.parametrize(
    ("text", "item"),
    [
        ("お父さんが、タバコ、手にジュッてやって…ここ、まだ痛い", "serious_harm"),
        ("あれ、たばこの火だと思うの", "serious_harm"),
        ("パパがたばこでやった、言っちゃだめって言われた", "serious_harm"),
        ("あそこの子すごく痩せてて ゴミ箱を朝って食べてたんです", "serious_harm"),
        ("両腕に丸い跡がいくつも。古いのも新しいのも混じってて", "recurrence"),
        ("赤いのと、もう茶色くなって固まってるのと", "recurrence"),
        ("甥っ子、去年も腕を骨折して入院してて、今年また足の骨が折れて", "recurrence"),
        ("上の子のときも、叩いてるって通報されて、児童相談所の人が家に来た", "recurrence"),
        ("宿題やってないと、夜、外に出されて、鍵しめられるの", "recurrence"),
        ("お父さんが、ぼくのあたま、湯船にしずめた。なんかいも", "recurrence"),
        ("元夫との面会から帰ってくると、娘が股のところを痛がって", "urgent_situation"),
        ("昨日は『みんなで死のう』って言ってた", "urgent_situation"),
        ("正直このままだとあいつのこと殴り越してしまうんじゃないかって", "urgent_situation"),
        ("ベランダに、小さい子が、まだ3つくらいかな、裸足で出されてて", "likely_serious_harm"),
        ("お父さんが昨日の夜部屋に入ってきて福の中に手入れてきて", "likely_serious_harm"),
        ("父親がしょっちゅう怒鳴ってて、この前は窓ガラスを割ってました", "parent_factors"),
        ("下の子にだけは話しかけもしないし、いないものみたいに扱ってて", "parent_factors"),
        ("もう体が動かないんです。子どもに優しくできない", "parent_factors"),
        ("娘を引き取ってもらえないでしょうか。私ひとりではもう見られません", "parent_factors"),
        ("お昼にはもう、ろれつが回ってなくて", "parent_factors"),
        ("弟の嫁さんがどうも役物をやってるみたいで", "parent_factors"),
        ("お父さんが帰ってくる時間になるとお中痛くなって吐いちゃう", "child_signs"),
        ("夜も寝られないし、誰も手伝ってくれないし", "environment"),
        ("親はもう亡くなってるし、きょうだいとも連絡とってないし", "environment"),
        ("ミルク代も足りなくて、頼れる親も近くにいなくて", "environment"),
        ("電気も泊められちゃって", "environment"),
        ("1500グラムで生まれて、発達もゆっくりで", "environment"),
    ],
)
def test_phrasings_found_by_the_twelfth_and_thirteenth_sets(
    sheet_of: Sheet, text: str, item: str
) -> None:
    assert _state(sheet_of(("caller", text)), item) == "該当"


@pytest.mark.parametrize(
    ("text", "item"),
    [
        ("お母さんが叩くんです", "environment"),  # a mother hitting her child is no DV
        ("実家とも縁が切れてて", "parent_factors"),  # 切れて is no キレて
        ("それから孫の様子がおかしいんです", "parent_factors"),  # the child's state, not a carer's
        ("ごはんはちゃんと毎日食べてる", "recurrence"),
        ("物なげたりする。きのうも缶ビールいっぱいのんでた", "recurrence"),  # drinking again
    ],
)
def test_words_the_twelfth_and_thirteenth_sets_showed_tick_no_item(
    sheet_of: Sheet, text: str, item: str
) -> None:
    assert _state(sheet_of(("caller", text)), item) != "該当"


def test_an_urge_to_put_hands_on_the_neck_is_a_carer_who_might_kill_not_strangling(
    sheet_of: Sheet,
) -> None:
    sheet = sheet_of(("caller", "首に手をかけそうになったんです、さっき"))
    assert sheet.severe == ()
    assert _state(sheet, "urgent_situation") == "該当"


def test_as_usual_is_no_habit_of_abuse(sheet_of: Sheet) -> None:
    sheet = sheet_of(
        ("caller", "昨日の夜、つい、ぱちんと叩いてしまったって"),
        ("handler", "今日の様子はどうですか。"),
        ("caller", "いつも通りです。お友だちと元気に遊んでますし"),
    )
    assert _state(sheet, "recurrence") != "該当"


@pytest.mark.parametrize(
    ("text", "severe"),
    [
        ("お風呂で…あたま、おさえつけて、しずめる", "drowning"),
        ("息子がね、孫を、水を張った洗面器に顔を押しつけてたんですよ", "drowning"),
        ("お母さんが抱いてて、赤ちゃんの手がだらんとして、全然動いてないの", "unconscious"),
    ],
)
def test_severe_phrasings_found_by_the_fourteenth_and_fifteenth_sets(
    sheet_of: Sheet, text: str, severe: str
) -> None:
    assert severe in sheet_of(("caller", text)).severe


@pytest.mark.parametrize(
    ("text", "item"),
    [
        ("太ももにも、古い黄色いあざと、新しい紫のあざが、いくつも。", "recurrence"),
        ("母の再婚相手に、無理やり、その…されました。一回じゃないです", "recurrence"),
        ("嫁がね、生まれて2か月の孫を、泣くと両手でつかんでガクガク揺らすのよ", "recurrence"),
        (
            "隣のベランダに子どもが出されてて、ずっと、ごめんなさい、入れてって泣いてる",
            "likely_serious_harm",
        ),
        (
            "ベランダに小学生くらいの子が裸足で立ってて。中から鍵かけられてるみたいで",
            "likely_serious_harm",
        ),
        ("お父さんが男の子の顔を平手で、バシッて、二発", "likely_serious_harm"),
        ("夫が、娘に、その、アダルトビデオを一緒に見せてたって", "likely_serious_harm"),
        ("頭を縫ったんです、5針。夜中に救急で", "serious_harm"),
        ("2歳の子が太ももの骨を折って入院してるんです", "serious_harm"),
        ("どんどん痩せてきて、給食をものすごい勢いで食べて、家では何も食べてない", "serious_harm"),
        ("年長さんの女の子が、お人形で、その、大人がするようなことをしてて", "urgent_situation"),
        ("姪がね、「おじさんとの秘密だから言えない」って", "urgent_situation"),
        ("お父さんが夜になると部屋に来るのが嫌だって。泣いてしまって", "child_signs"),
        ("お父さんが、お母さんを、けったり、なぐったりする。ぼく、へやでかくれてる", "child_signs"),
        ("一時保護っていうんですか、あれ、お願いできないですかね", "protection_request"),
        ("僕一人じゃ、もう見きれなくて", "parent_factors"),
        ("面談のときに、お父さんが急に机をドンって叩いて怒鳴り出して", "parent_factors"),
        ("兄が昼間っから坂飲んで子供の面倒なんか全然見てない", "parent_factors"),
        ("正直、限界です。一人で二人見てて、誰も代わってくれなくて", "environment"),
        ("夫は子どもには手を出さないんです。でも私には、ええ、殴ったり", "environment"),
        ("家賃、3か月分たまってて、電気も、もうすぐ止められそうで", "environment"),
    ],
)
def test_phrasings_found_by_the_fourteenth_and_fifteenth_sets(
    sheet_of: Sheet, text: str, item: str
) -> None:
    assert _state(sheet_of(("caller", text)), item) == "該当"


@pytest.mark.parametrize(
    "text",
    [
        "首を絞めたとか、そういうのは絶対ないです。ほんとに、一度も。",
        "私が子どものころ、父親にお風呂に沈められたことがあって…今は絶対しないって決めてる",
        "下の子はまだ成功3か月で2000グラムなくて生まれた子なんです",  # 成功 is no 性交
    ],
)
def test_no_severe_cue_from_what_the_fifteenth_set_showed(sheet_of: Sheet, text: str) -> None:
    sheet = sheet_of(("caller", text))
    assert sheet.severe == ()
    assert _state(sheet, "serious_harm") != "該当"


def test_a_child_who_will_not_say_now_ticks_nothing(sheet_of: Sheet) -> None:
    sheet = sheet_of(
        ("handler", "お父さんに叩かれたりしていない？"),
        ("caller", "……えっと、いまは、言いたくない。"),
    )
    assert all(item.state == "未確認" for item in sheet.items)


@pytest.mark.parametrize(
    ("text", "item"),
    [
        ("夫はお酒はいっさい飲まない人です", "parent_factors"),
        ("夫はお酒はいっさい飲まない人です", "likely_serious_harm"),  # いっさい is no 1歳
        ("あざとかけがは、一度もないんです。服もいつもきれいですし", "recurrence"),
        ("仕事クビになって、家賃も三か月ためてて、追い出されそうなんです", "likely_serious_harm"),
    ],
)
def test_words_the_fourteenth_and_fifteenth_sets_showed_tick_no_item(
    sheet_of: Sheet, text: str, item: str
) -> None:
    assert _state(sheet_of(("caller", text)), item) != "該当"


@pytest.mark.parametrize(
    "text",
    [
        "ご飯を作ってあげる",
        "ママが泣いてるから、ぼくが頭をなでてあげるんだって",
        "学校で、友達に手が出ちゃったりして",  # the child's own behaviour
        "お母さんが学校に来て、廊下で急に泣き出して",  # 泣き出して is no child put out
    ],
)
def test_everyday_words_the_fourteenth_set_showed_tick_nothing(sheet_of: Sheet, text: str) -> None:
    sheet = sheet_of(("caller", text))
    assert _state(sheet, "parent_factors") != "該当"
    assert _state(sheet, "likely_serious_harm") != "該当"


@pytest.mark.parametrize(
    ("text", "severe"),
    [
        ("おじいちゃんに、ひもで、こうやって、ぎゅってされた", "strangling"),
        ("隣の奥さんが男の子の靴と花を手でふさいで黙れって", "strangling"),
        ("きのうね、おふろで、ママがぼくのあたまをおさえて、おゆのなかにいれたの", "drowning"),
        ("ゆに顔をつけられる頭をおさえられて苦しくて", "drowning"),
        ("弟ぐったいしてて動かないの", "unconscious"),
        ("弟が壁に頭ぶつけて。今呼んでも変事しないんです目も開かない", "unconscious"),
        ("夜中に『ママ、わたし死んだほうがいい？』って聞いてきて", "child_suicidal"),
        ("もう消えちゃ痛い。ぼくなんかいなくなればいいって毎日おもう", "child_suicidal"),
        ("正直生きてる意味とかわかんないしいっそ時察したほうが。楽かなって", "child_suicidal"),
        ("ベランダから飛んだら楽になるかなって、ずっと考えてる", "child_suicidal"),
    ],
)
def test_severe_phrasings_found_by_the_sixteenth_and_seventeenth_sets(
    sheet_of: Sheet, text: str, severe: str
) -> None:
    assert severe in sheet_of(("caller", text)).severe


@pytest.mark.parametrize(
    ("text", "item"),
    [
        ("できれば、家から離れたいです。保護とか、してもらえるなら", "protection_request"),
        ("一時保護っていうんですか、あれをお願いしたくて", "protection_request"),
        ("このままだと、この子のこと、どうにかしちゃいそうで", "urgent_situation"),
        ("わたし、もう死にたいんです。子どもと一緒に……", "urgent_situation"),
        (
            "4歳の女の子が、ほかの子の体をさわって、『パパとこうやって遊ぶの』って",
            "urgent_situation",
        ),
        ("赤ちゃんが、すごく痩せてて、おむつも何日も替えてないみたいで", "serious_harm"),
        ("タバコの火腕におし付けられた丸い跡が三つある", "serious_harm"),
        ("登校してきた子の目の周りが青黒くなってて", "likely_serious_harm"),
        ("服ぬげって言われて、体じろじろ見られる", "likely_serious_harm"),
        ("ママ、きのうからいない。ごはんない。いもうとと、ふたり", "likely_serious_harm"),
        ("わるいことしたら、ベランダに出されて、鍵かけられる", "recurrence"),
        ("あざを作ってくるのが、今学期だけでもう四回目なんです", "recurrence"),
        ("夫は、息子が言うことを聞かないからだって、全然認めないんです", "recurrence"),
        ("うちの子なんだから何しようと勝手でしょ、悪いのはあの子だ", "recurrence"),
        ("小学校のときに一度、通告が出ていると引き継ぎで聞いています", "recurrence"),
        ("お迎えのお母さんを見ると、5歳の子が固まっちゃって", "child_signs"),
        ("夜中に何回も目が覚めちゃって", "child_signs"),
        ("夫が怒鳴り散らすようになってから", "parent_factors"),
        ("お父さん、おこると、リモコンとかコップとか、かべになげる", "parent_factors"),
        ("隣の母親が、ベランダで腕に注射してるのを見ちゃったんです", "parent_factors"),
        ("朝起き上がれない日が続いてて、何も手につかないんです", "parent_factors"),
        ("生後3か月の子がいて、夜中ずっと泣かれて、もう、頭がおかしくなりそうで", "parent_factors"),
    ],
)
def test_phrasings_found_by_the_sixteenth_and_seventeenth_sets(
    sheet_of: Sheet, text: str, item: str
) -> None:
    assert _state(sheet_of(("caller", text)), item) == "該当"


def test_an_exhausted_parent_near_breaking_is_no_psychiatric_crisis(sheet_of: Sheet) -> None:
    """Four labellers read 「頭がおかしくなりそう」 from a sleepless parent as exhaustion."""
    sheet = sheet_of(
        ("caller", "生後3か月の子がいて、夜中ずっと泣かれて、もう、頭がおかしくなりそうで")
    )
    assert _state(sheet, "recurrence") != "該当"


def test_how_often_points_back_past_a_question_about_age(sheet_of: Sheet) -> None:
    sheet = sheet_of(
        ("caller", "ちっちゃい子がベランダに出されてて"),
        ("handler", "お子さんはどのくらいの年の子か、わかりますか。"),
        ("caller", "2歳です。ゴミ出しのときにお母さんが、この子もう2歳なのにって話してたので"),
        ("handler", "ありがとうございます。こういうことは、前にもありましたか。"),
        ("caller", "しょっちゅうです。"),
    )
    assert _state(sheet, "recurrence") == "該当"


def test_a_grandmother_who_often_helps_is_no_habit_of_abuse(sheet_of: Sheet) -> None:
    sheet = sheet_of(
        ("caller", "つい大きな声で怒鳴っちゃって、叩きそうになったこともあって"),
        ("handler", "周りに頼れる方はいますか。"),
        ("caller", "夫も協力的だし、実家も近くて、母がよく手伝ってくれるんです。"),
    )
    assert _state(sheet, "recurrence") != "該当"


def test_a_few_times_seen_in_the_lift_is_no_habit_of_abuse(sheet_of: Sheet) -> None:
    """Only a how-often question points back at the abuse talked about before it."""
    sheet = sheet_of(
        ("caller", "同じマンションの人が、5階の家の子、虐待されてるんじゃないかって"),
        ("handler", "お子さんを見かけたことはありますか。"),
        ("caller", "エレベーターで何回か。普通の、元気そうな男の子でしたよ。"),
    )
    assert _state(sheet, "recurrence") != "該当"


def test_a_child_afraid_of_papa_and_an_earlier_report_at_nursery(sheet_of: Sheet) -> None:
    """The tier was right for a wrong reason: 「何度も言っていて」 (a child repeating "don't
    tell") was read as habitual abuse, while the fear and the earlier report were missed."""
    sheet = sheet_of(
        ("handler", "これまでにも、同じようなことはありましたか。"),
        ("caller", "実は、この子、保育園のときにも一度、顔のあざで通告されていると聞いています"),
        ("handler", "お子さんの様子はいかがですか。"),
        (
            "caller",
            "話したあと、パパには言わないで、と何度も言っていて。すごくおびえている感じでした",
        ),
    )
    recurrence = next(item for item in sheet.items if item.id == "recurrence")
    assert [e.subitem for e in recurrence.evidence] == ["prior_reports_or_protection"]
    assert _state(sheet, "child_signs") == "該当"


@pytest.mark.parametrize(
    ("text", "severe"),
    [
        (
            "お風呂でね、ママがね、頭をぐーって押して、お湯の中に入れられたの。くるしかった",
            "drowning",
        ),
        (
            "4歳の男の子が、お母さんにお風呂に沈められたって、今朝ぽつっと話してくれまして",
            "drowning",
        ),
        ("さっきからお風呂場で『やめて、沈めないで』って叫んでるんです", "drowning"),
        ("ママにお風呂でお顔をお湯にじゃぼんってされる、くるしい", "drowning"),
        ("あのお父さんにくびぎゅってされていきできなくなったきのうのよる", "strangling"),
        ("床におさえつけられて、首のところを両手でぐって……", "strangling"),
        ("弟がお父さんに投げられて頭打って置きないの目つぶったままうごかない", "unconscious"),
        ("息はしてるんですけど、ゆすっても目を冷まさなくて", "unconscious"),
        ("もう生きてんのしんどい。今日、屋上行こうかなって", "child_suicidal"),
        ("……いなくなっちゃえば楽かなって。さっきまで、ベランダから下を見てた", "child_suicidal"),
    ],
)
def test_severe_phrasings_found_by_the_eighteenth_and_nineteenth_sets(
    sheet_of: Sheet, text: str, severe: str
) -> None:
    assert severe in sheet_of(("caller", text)).severe


def test_a_tense_grip_elsewhere_is_no_strangling(sheet_of: Sheet) -> None:
    assert sheet_of(("caller", "肩をぐって押された")).severe == ()


@pytest.mark.parametrize(
    ("text", "item"),
    [
        ("髪の毛が、頭のてっぺんのあたりだけごっそり抜けてて", "child_signs"),
        ("朝、吐き気がするって保健室に行くことが多いです", "child_signs"),
        ("今は一日中ほとんど口をきかなくて", "child_signs"),
    ],
)
def test_phrasings_found_by_the_eighteenth_and_nineteenth_sets(
    sheet_of: Sheet, text: str, item: str
) -> None:
    assert _state(sheet_of(("caller", text)), item) == "該当"


@pytest.mark.parametrize(
    ("text", "item"),
    [
        ("もう、ほんとに限界で……", "parent_factors"),
        ("お母さんの彼氏が、みんなが寝たあとに部屋に入ってくるって", "urgent_situation"),
        ("『パパにないしょって言われた』って。中身はどうしても言わないんです", "urgent_situation"),
        ("……義理の父に、中学のころから、その、無理やりされてて", "recurrence"),
        ("夫が、言うことを聞かないと、息子の顔を洗面器の水に押しつけるんです", "recurrence"),
        ("夫が娘にだけ、毎日のように顔をひっぱたくんです", "recurrence"),
        ("『あいつが悪いんだから当然だ』って、全然聞く耳もたなくて", "recurrence"),
        ("『うちのやり方に口出すな、子どもは殴られて育つもんだ』と言われまして", "recurrence"),
        ("小2の男の子が、給食だけが一日の食事みたいで", "serious_harm"),
        ("嫁がね、まだ首もすわってない孫を、がくがく揺すってたの", "likely_serious_harm"),
        ("弟が、お父さんに投げられて、頭打って", "likely_serious_harm"),
        ("息子が泣きやまないと、正直、ぶっ殺してやろうかって思う瞬間があって", "urgent_situation"),
        ("お母さんが、夜中に急に叫んだり、誰もいないのに話しかけたりしてて", "parent_factors"),
        ("男手ひとつで三人見てて、仕事もあって、もうへとへとなんすよ", "parent_factors"),
        ("シングルで3人見てて、もう気力が残ってないっていうか……", "parent_factors"),
        ("下の子は低出生体重で生まれて、正直、手がまわらないです", "parent_factors"),
        ("生まれたばかりの双子がいて、夫は単身赴任で、もう誰にも頼れなくて", "environment"),
        ("ママ友もいないし、一日誰ともしゃべらない日ばっかりです", "environment"),
        ("隣で、男の人が女の人を怒鳴りつけて、ドンって何かにぶつかる音がして", "environment"),
    ],
)
def test_more_phrasings_found_by_the_eighteenth_and_nineteenth_sets(
    sheet_of: Sheet, text: str, item: str
) -> None:
    assert _state(sheet_of(("caller", text)), item) == "該当"


def test_a_child_who_talks_to_no_one_is_withdrawn_not_denied(sheet_of: Sheet) -> None:
    sheet = sheet_of(("caller", "前は元気な子だったのに、最近は誰とも話さないで"))
    assert _state(sheet, "child_signs") == "該当"
    assert _state(sheet, "environment") != "該当"


@pytest.mark.parametrize(
    ("text", "item"),
    [
        ("もし下の子が生まれたら、上の子に手が回らなくなるんじゃないかって", "parent_factors"),
        (
            "毎晩、母親が「あんたなんか産まなきゃよかった」って怒鳴ってるのが聞こえるんです",
            "recurrence",
        ),
    ],
)
def test_what_this_rounds_fixes_first_overreached_on(sheet_of: Sheet, text: str, item: str) -> None:
    """A worry about later is no exhaustion now; a neighbour hearing nightly rejection is no
    habit of abuse by itself (the tuning set's labellers)."""
    assert _state(sheet_of(("caller", text)), item) != "該当"


def test_a_pillow_almost_pressed_is_a_carer_who_might_kill_not_smothering(sheet_of: Sheet) -> None:
    sheet = sheet_of(
        ("caller", "この子に何するかわかんないです。さっきも枕を顔に押しつけそうになって")
    )
    assert sheet.severe == ()
    assert _state(sheet, "urgent_situation") == "該当"
    assert sheet_of(("caller", "夜中に枕を顔に押しつけられて息ができなかった")).severe == (
        "strangling",
    )


@pytest.mark.parametrize(
    ("text", "severe"),
    [
        ("孫が言うにはね父親に 湯船に 顔を漬けられて 上げてもらえなかったって", "drowning"),
        ("お風呂で、ママに頭をおさえられて、お湯の中にずっと入れられた", "drowning"),
        ("夫が言うこと聞かないからって 息子の顔を 翼層に押し付けてたんです", "drowning"),
        ("昨日お父さんに首しめられて 行きできなくなった", "strangling"),
        (
            "なんかもう、疲れちゃって。消えてなくなりたいなって、最近ずっと思ってて。",
            "child_suicidal",
        ),
    ],
)
def test_severe_phrasings_found_by_the_twentieth_and_twenty_first_sets(
    sheet_of: Sheet, text: str, severe: str
) -> None:
    assert severe in sheet_of(("caller", text)).severe


def test_a_suicidal_wish_called_a_joke_a_moment_later_still_stands(sheet_of: Sheet) -> None:
    sheet = sheet_of(
        ("caller", "なんかもう、疲れちゃって。消えてなくなりたいなって、最近ずっと思ってて。"),
        ("handler", "消えてなくなりたいって思うくらい、つらいんだね。"),
        ("caller", "あ、いや、冗談です。そこまでじゃないです、たぶん。"),
    )
    assert sheet.severe == ("child_suicidal",)
