"""The sheet of a call on what the seventy-fourth to seventy-seventh blind sets showed:
phrasings it missed, and everyday words it ticked.

Each case failed before the change it names (manuals/risk.toml, risk/cues.py or
risk/assess.py).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from consult_assist.risk.sheet import Assessment

Sheet = Callable[..., Assessment]


def _state(sheet: Assessment, item: str) -> str:
    return sheet.item(item).state


def test_a_word_denied_at_once_after_no_is_taken_back(sheet_of: Sheet) -> None:
    # The seventy-sixth set's by001: 「ぐったり…いや、ぐったりってほどじゃない」.
    sheet = sheet_of(
        ("caller", "もう三日目で、ぐったり…いや、ぐったりってほどじゃないんですけど、水も")
    )
    assert not sheet.severe and _state(sheet, "serious_harm") != "該当"


@pytest.mark.parametrize(
    "text",
    [
        # by088 and bw141: another family's story, heard.
        "友達の職場の人の子が、首を絞められて意識なくなったって聞いて、ぞっとして",
        "ママ友の家の話なんですけど、旦那さんが子どもの首を絞めたって、その人から聞いて",
        # by068 and bw139: words the child might say one day.
        "この子が大きくなって、死にたいなんて言い出したらって思うと怖くて",
        "この子が大きくなって、思春期に『死にたい』とか言い出したら、どう対応したらいいのかなって",
    ],
)
def test_another_familys_story_or_words_that_might_come_are_no_severe_cue(
    sheet_of: Sheet, text: str
) -> None:
    assert not sheet_of(("caller", text)).severe


def test_a_carer_thinking_of_dying_with_the_child_is_the_carers_crisis(sheet_of: Sheet) -> None:
    # bw107: the mother's thought, and a thought of killing the child; not the child's wish.
    sheet = sheet_of(
        (
            "caller",
            "正直、昨日、この子抱いてベランダから一緒に飛び降りようかって、本気で思ったんです",
        )
    )
    assert not sheet.severe
    assert "parent_psychiatric_crisis" in sheet.item("parent_factors").subitems
    assert "parent_might_kill" in sheet.item("urgent_situation").subitems


@pytest.mark.parametrize(
    ("text", "severe"),
    [
        (
            "生徒がLINEで『今からしにます』って送ってきて、そのあと既読もつかなくて",
            "child_suicidal",
        ),
        ("おふろでね、あたまをね、ざぶんってされて、おみず、いっぱいのんだの", "drowning"),
        ("救急隊からの連絡で、2歳の男児が反応なし、呼吸も弱いとのことです", "unconscious"),
        # The recognizer's words for severe cues in the 74th to 77th sets.
        ("母が妹の頭を 湯舟に 惜しこんで ブクブクって 妹 ゲホゲホ言ってて", "drowning"),
        ("船路見てると ふって とび込んだら 楽かなって毎日思う", "child_suicidal"),
        ("なんかもうぜんぶ嫌で寝る前に木絵ちゃいたいなって枚晩おもう", "child_suicidal"),
        ("孫がなばあちゃんうちもう4んでしまいたい言うてなわんわん泣きよったんよ", "child_suicidal"),
        ("ベランダ越しにのぞいたら男の子が床に倒れたままピクリとも市内んです", "unconscious"),
        # bz006: 「手でぎゅうっとふさいで」, more words between the hand and the act.
        ("隣の奥さんが、二歳の娘さんの口と鼻を手でぎゅうっとふさいでて", "strangling"),
    ],
)
def test_severe_phrasings_of_the_seventies(sheet_of: Sheet, text: str, severe: str) -> None:
    assert severe in sheet_of(("caller", text)).severe


@pytest.mark.parametrize(
    ("text", "subitem", "item"),
    [
        (
            "夫はお酒が入ると人が変わって、毎晩のように私に手をあげるんです。子どもが見てる前で",
            "domestic_violence",
            "environment",
        ),
        (
            "妻が、子どもたちの見てる前で、包丁を持って僕を追いかけ回すんです",
            "domestic_violence",
            "environment",
        ),
        ("あの人、子どもを蹴るのはもう日常茶飯事で", "habitual_abuse", "recurrence"),
        (
            "物差しでお尻をたたくのが、うちではもう日課みたいになってて",
            "habitual_abuse",
            "recurrence",
        ),
        (
            "初めて会った職員さんにも、べったり抱きついて離れないんです",
            "child_withdrawn",
            "child_signs",
        ),
        (
            "警察が前に一回来たことあるんですよ、あの家。夜中にパトカーが止まってて",
            "prior_reports_or_protection",
            "recurrence",
        ),
        # bx02, below its label: a twisted arm that snapped, and a child afraid to go home.
        (
            "『お父さんに腕をぐいってひねられた、ぽきって音がした』って",
            "serious_injury",
            "serious_harm",
        ),
        ("先週入院しました。足の骨が、ぽっきりいってて", "serious_injury", "serious_harm"),
        (
            "『言ったらまた怒られる、帰ったらおこられる』って、何度も",
            "child_fears_parent",
            "child_signs",
        ),
        ("帰りたくない。帰ったらまた殴られるから、たすけて", "child_fears_parent", "child_signs"),
        # bz13, below its label: a father kicking a bike over, a boy who talks to no one.
        (
            "お父さん、自転車を蹴り倒して、『なめとんのかコラ』って",
            "parent_impulsive_aggressive",
            "parent_factors",
        ),
        (
            "登校班で見ると、いつも下向いてて、ほかの子とも話さないんですよね",
            "child_withdrawn",
            "child_signs",
        ),
        ("先月、別の住人さんが警察呼んだことがあって", "prior_reports_or_protection", "recurrence"),
    ],
)
def test_everyday_words_of_the_seventies(
    sheet_of: Sheet, text: str, subitem: str, item: str
) -> None:
    assert subitem in sheet_of(("caller", text)).item(item).subitems


def test_how_often_a_child_is_left_alone_is_a_habit(sheet_of: Sheet) -> None:
    # bx06, below its label: the frequency answers how often the child is left.
    sheet = sheet_of(
        ("caller", "夜になるとお母さんが出かけて、子どもだけ置いていくみたいで"),
        ("handler", "それは、どのくらいの頻度でありますか。"),
        ("caller", "週に三回は。ここ二か月くらい、ずっとです"),
    )
    assert "habitual_abuse" in sheet.item("recurrence").subitems


def test_naming_who_did_it_answers_yes(sheet_of: Sheet) -> None:
    # bz022: the question asks who; naming someone says it was done.
    sheet = sheet_of(
        ("handler", "首のところ、誰かに押さえられたの？"),
        ("caller", "…ママの、あたらしいパパ。りょうてで"),
    )
    assert "strangling" in sheet.severe
    kind = sheet_of(
        ("handler", "首のところ、誰かに押さえられたの？"),
        ("caller", "ううん、ママが抱っこしてくれただけ"),
    )
    assert not kind.severe


def test_a_neck_caught_as_the_recognizer_spells_it_is_asked_about(sheet_of: Sheet) -> None:
    # bw005: 掴まれ heard as 捕まれ, in a question without its question mark.
    sheet = sheet_of(
        ("handler", "お父さんに首を捕まれたりしたことはある"),
        ("caller", "うん ぎゅっとされて 生きできなくなった"),
    )
    assert "strangling" in sheet.severe


@pytest.mark.parametrize(
    "text",
    [
        # bz077 and by087: a worry that it might be done.
        "もし私が家を出たら、妹がお風呂で沈められたりしないかなって、そういう心配",
        "夏休みになったら一日中二人きりだから、手が出ないか心配なだけで、今はなんともないです",
        # bz083: said, then 「あ、違った」 after the verb went on.
        "子どもが裸で外に出されてて…あ、違った、水着でした",
        # bz100: the family who lived there before.
        "前に住んでた人の話ですけど、その家では子どもがよくベランダに出されてたらしいです",
    ],
)
def test_worries_corrections_and_former_neighbours_tick_nothing(sheet_of: Sheet, text: str) -> None:
    sheet = sheet_of(("caller", text))
    assert not sheet.severe
    assert {sheet.item(i).state for i in ("likely_serious_harm", "parent_factors")} == {"未確認"}


def test_a_request_that_ends_in_kato_omotte_is_still_a_request(sheet_of: Sheet) -> None:
    sheet = sheet_of(("caller", "正直、しばらく子どもを預かってもらえないかと思って電話しました。"))
    assert sheet.item("protection_request").state == "該当"


def test_words_a_named_mother_cried_to_the_caller_are_hers(sheet_of: Sheet) -> None:
    # by08, above its label: a nursery head tells what the mother cried at the door.
    mother = sheet_of(
        (
            "caller",
            "お母さんが、最近すごくやつれてて。先週、『もう何もかもどうでもいい、消えたい』って"
            "玄関で泣かれて",
        )
    )
    assert not mother.severe
    assert "parent_psychiatric_crisis" in mother.item("parent_factors").subitems
    daughter = sheet_of(
        ("caller", "娘が、最近すごく元気なくて。先週、『もう消えたい』って泣かれて")
    )
    assert "child_suicidal" in daughter.severe


@pytest.mark.parametrize(
    ("text", "subitem", "item"),
    [
        # A child hit by her mother's husband: no DV, though a partner's blows to a wife are.
        ("お母さんの旦那は、夜になると私を叩くの", "domestic_violence", "environment"),
        # by08: a withdrawn child, not one who cannot be woken.
        ("ぼんやり宙を見てて、呼んでも返事がないことが多くて", "unconscious", "serious_harm"),
        # bx02 and bo022: 「…って、何度も」 is how often the child said it.
        (
            "『言ったらまた怒られる、帰ったらおこられる』って、何度も",
            "habitual_abuse",
            "recurrence",
        ),
    ],
)
def test_words_that_are_not_what_they_sound_like(
    sheet_of: Sheet, text: str, subitem: str, item: str
) -> None:
    assert subitem not in sheet_of(("caller", text)).item(item).subitems
