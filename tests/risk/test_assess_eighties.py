"""The sheet of a call on what the seventy-eighth to eighty-first and the eighty-fifth to
ninety-third blind sets showed, and the one clean severe record the seventies left (bw096).

Each case failed before the change it names (manuals/risk.toml, risk/clauses.py or
risk/assess.py).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from consult_assist.knowledge.acts import acts_of
from consult_assist.risk.sheet import Assessment

Sheet = Callable[..., Assessment]
Ticked = Callable[[str], set[str]]


def _state(sheet: Assessment, item: str) -> str:
    return sheet.item(item).state


def test_a_yes_that_goes_on_to_what_the_child_was_not_let_do(sheet_of: Sheet) -> None:
    # bw096: the handler sums up, the caller says yes and how long; 「上げてもらえなかった」
    # closes on a negation that tells what was done (clauses.not_let), not a no.
    asked = ("handler", "そのとき、お子さんの顔はお湯につかってたってこと？")
    sheet = sheet_of(asked, ("caller", "そう、そうです、何秒も、上げてもらえなかったって"))
    assert "drowning" in sheet.severe
    assert not sheet_of(asked).severe  # the handler's summing up alone ticks nothing
    denied = sheet_of(asked, ("caller", "いえ、顔はつかってないです。すぐ上げました"))
    assert not denied.severe


@pytest.mark.parametrize(
    "text",
    [
        "首なんか絞められてへん",
        "しにたいとかは思ってへんよ。学校はつまらんけど。",  # bi074
    ],
)
def test_a_denial_in_kansai_words_is_no_severe_cue(sheet_of: Sheet, text: str) -> None:
    # 「…てへん」: the reading of acts did not know this へん as a negation (knowledge/acts.py).
    assert not sheet_of(("caller", text)).severe


def test_a_kansai_denial_of_drinking_ticks_nothing(sheet_of: Sheet) -> None:
    # aw082: 「飲まへん」「一回もないです」 deny both.
    sheet = sheet_of(
        ("caller", "うちの人は、お酒は一滴も飲まへんし、手ぇあげたことも一回もないです")
    )
    assert _state(sheet, "parent_factors") != "該当"


@pytest.mark.parametrize(
    ("text", "severe"),
    [
        # ca014: a police liaison; the face put in the bath water again and again.
        ("昨夜、同居の男性が六歳の女児の顔を浴槽の水に何度もつけたという件で", "drowning"),
        # cc007: a mother's own words; 押しつけ written with kana after 押.
        ("言うこと聞かないから、湯船に、顔を、数秒ですけど押しつけました", "drowning"),
        # ca107: a shower held on the face until the child could not breathe.
        ("ママがシャワーを顔にずっと当て続けて、妹が息できなくて", "drowning"),
        # cc009: both hands on the neck, then coughing.
        (
            "カッとなって、息子の首、両手で、こう…すぐ離しましたけど、ゲホゲホ咳こんでて",
            "strangling",
        ),
        # cc01: a crying baby's mouth held shut.
        ("抱っこしながら、口のところを、手のひらで押さえちゃったんです", "strangling"),
        # ca018, ca019, cb087, cb015: no response, in a doctor's words and a child's.
        ("生後四か月のお子さんが意識障害で救急搬送されてきて", "unconscious"),
        ("赤ちゃんがね、だらーんとして泣きもしないの", "unconscious"),
        ("そのあと、にいちゃん、よんでもおきない。", "unconscious"),
        ("いき、してるかな。つんつんしても、うごかない。", "unconscious"),
        # cb019, cb020: a child's thoughts of dying.
        (
            "なんか、もう、どうでもいい。電車来たら飛び込もうかなって、さっきホームで思ってた。",
            "child_suicidal",
        ),
        ("くすり、いっぱい飲んだら死ねるかなって、しらべた。", "child_suicidal"),
    ],
)
def test_severe_phrasings_of_the_eighties(sheet_of: Sheet, text: str, severe: str) -> None:
    assert severe in sheet_of(("caller", text)).severe


@pytest.mark.parametrize(
    ("turns", "subitem"),
    [
        # cb010: how many times; a count says it was done.
        (
            [
                ("handler", "バケツの水に顔をつけられた、というのは、何回ぐらいあったのかな。"),
                ("caller", "一回だけ。でも、すっごく長くて、もう息できなくなるかと思った。"),
            ],
            "drowning",
        ),
        # cb085: a no to 「一回だけ？」 with a count of many.
        (
            [
                ("handler", "首をぎゅっとされたのは、一回だけ？"),
                ("caller", "ううん。なんかいも。おこるとすぐ、くびもってくる。"),
            ],
            "strangling",
        ),
        # cb081: a no to 「初めて？」 says it was done before.
        (
            [
                ("handler", "ベランダに出されるのは、今日が初めて？"),
                ("caller", "ううん、いっつも。怒られたら、ベランダ。"),
            ],
            "left_outside",
        ),
        # cb051: what time it was, answered.
        (
            [
                ("handler", "外に出されたのは何時ごろ？"),
                ("caller", "夜の十一時くらい。はだしで、ベランダ。あさまで。"),
            ],
            "left_outside",
        ),
        # cc013: what happened to the neck, answered with how.
        (
            [
                ("handler", "首のところ、赤くなってるけど、どうしたの？"),
                ("caller", "ぎゅって、されたの。おとうさんに。りょうてで"),
            ],
            "strangling",
        ),
        # cb080: the handler sums up, without a question mark; the caller confirms.
        (
            [
                (
                    "handler",
                    "まとめると、ご主人がお酒を飲むと奥さんを殴って、お子さんもそれを見ている、"
                    "ということですね。",
                ),
                ("caller", "はい、そうです。"),
            ],
            "domestic_violence",
        ),
        # cc09: a hedged answer to how often (「ですかね」) asks nothing back.
        (
            [
                ("caller", "ほっぺです。平手で。痛くないと覚えないから"),
                ("handler", "そういうことは、どのくらいの頻度でありますか。"),
                ("caller", "ほぼ毎日ですかね。一日に何回かの日もあるし"),
            ],
            "habitual_abuse",
        ),
        # cd06: 「どこかしらに」 is somewhere, not a question.
        (
            [
                ("caller", "会いに行くたびに、おでこやほっぺに青いのができてて"),
                ("handler", "それは何回くらい見ていますか。"),
                ("caller", "行くたびですから、この三か月で五回か六回か、いつもどこかしらに"),
            ],
            "habitual_abuse",
        ),
        # cb07: a count of more than ten, to a how-many question.
        (
            [
                ("handler", "五歳のお子さんが、夜、ベランダに出されている、ということですね。"),
                ("caller", "はい。昨日は、夜中の一時過ぎまで。"),
                ("handler", "それは、何回くらい見たり聞いたりしていますか。"),
                ("caller", "ここひと月で、もう十回は超えてます。寒い日も、薄着で。"),
            ],
            "habitual_abuse",
        ),
        # cc09: a flinch, in a hedged answer.
        (
            [
                (
                    "handler",
                    "お母さんとしては、しつけのつもりなんですね。お子さんは、叩かれたあとどんな様子ですか。",
                ),
                (
                    "caller",
                    "最近は、私が手を上げると、ぎゅっと目をつぶって縮こまるようになったかな",
                ),
            ],
            "child_fears_parent",
        ),
        # ca07: candour before a yes (「……正直、あります」).
        (
            [
                ("caller", "うちの子たち、二人なんですけど、私、うつで通院してて"),
                ("handler", "気持ちがしんどくて、消えてしまいたいと思うようなことはありますか。"),
                ("caller", "……正直、あります。でも子どもがいるから、って、なんとか"),
            ],
            "parent_psychiatric_crisis",
        ),
    ],
)
def test_answers_of_the_eighties(
    sheet_of: Sheet, turns: list[tuple[str, str]], subitem: str
) -> None:
    sheet = sheet_of(*turns)
    assert any(subitem in item.subitems for item in sheet.items)


@pytest.mark.parametrize(
    ("text", "subitem"),
    [
        (
            "去年の夏にね、一度そちらに電話したことがあるんですよ、同じ家のことで",
            "prior_reports_or_protection",
        ),
        ("うん。まえにも、けいさつのひと、きた。", "prior_reports_or_protection"),
        (
            "入院してる間、子どもたちを安全なところで見てもらいたいんです",
            "parent_requests_protection",
        ),
        ("父親が来る日は、車の音がしたら押し入れに入って、がたがた震えとる", "child_fears_parent"),
        ("お父さんの車が見えると、下駄箱の陰に隠れて、泣いて震えるんです", "child_fears_parent"),
        ("夫は単身赴任で。こっちには親もいなくて、ママ友もいなくて", "social_isolation"),
        ("見せられたの、へんな動画。ママのかれしのスマホで。", "sexual_abuse_noncontact"),
        ("この子に向けちゃいそうで、自分が怖い。", "parent_might_kill"),
        ("両脇を持って、がくがくって、前後に。首がぐらんぐらんして。", "shaking_infant"),
        ("まいにちじゃない。しゅうに、にかいくらい。パパに叩かれる", "habitual_abuse"),
    ],
)
def test_everyday_words_of_the_eighties(ticked: Ticked, text: str, subitem: str) -> None:
    assert subitem in ticked(text)


@pytest.mark.parametrize(
    "turns",
    [
        # ca07's ordinary words: a doctor to see the child is no request for protection.
        [("caller", "子どもを病院で見てもらいたいんです、熱が下がらなくて")],
        # bp14: 「虐待かどうかわからない」 gives no abuse to count crying against.
        [
            ("caller", "あの、虐待かどうかわからないんですけど、一応お伝えしておこうと思って"),
            ("caller", "向かいのマンションから、夕方になると子どもの泣き声がすごくて"),
            ("handler", "どのくらいの頻度で聞こえますか。"),
            ("caller", "週に2、3回かな。ぎゃーって、かなり長い時間"),
        ],
        # bj15: an age guessed (「二歳くらいかな」) is no age said.
        [
            ("handler", "お子さんを見かけたことはありますか。"),
            ("caller", "見たことあるのは、小さい子です。抱っこされてたから、二歳くらいかな。"),
        ],
        # cb041: a fear of covering the mouth is the carer's fear, not a mouth covered.
        [("caller", "このまま泣かれたら、ほんとに、この子の口、ふさいじゃうかもしれない。")],
    ],
)
def test_what_the_eighties_showed_ticks_nothing(
    sheet_of: Sheet, turns: list[tuple[str, str]]
) -> None:
    sheet = sheet_of(*turns)
    assert not sheet.severe
    assert all(
        item.state != "該当"
        for item in sheet.items
        if item.id in ("protection_request", "recurrence", "likely_serious_harm")
    )


@pytest.mark.parametrize(
    ("text", "subitem"),
    [
        (
            "お姉ちゃんは可愛いんです。でも下の子は、抱っこもしたくない、声も聞きたくないんです",
            "parent_rejects_child",
        ),
        (
            "上の子にはご飯作るのに、この子だけ無視して、いないもの扱いしてるんですよ",
            "parent_rejects_child",
        ),
        ("娘を車に乗せたまま、パチンコ、一時間ちょっと", "no_adult_at_home"),
        (
            "先生、今日ここに泊めてもらえませんか。うちにはもう戻りたくないです",
            "child_requests_protection",
        ),
        ("薬、あの、処方じゃないやつ、やめられなくて", "parent_substance_use"),
        ("婿が朝から焼酎ばっかり飲んで、一升瓶が二日で空になるのよ", "parent_substance_use"),
        (
            "親父が母さんの髪つかんで引きずってて、止めに入ったら俺まで突き飛ばされて",
            "domestic_violence",
        ),
        ("おでこ縫ったんです、五針。夫がコップ投げて", "head_face_blow"),
    ],
)
def test_more_everyday_words_of_the_eighties(ticked: Ticked, text: str, subitem: str) -> None:
    assert subitem in ticked(text)


@pytest.mark.parametrize(
    ("text", "item"),
    [
        # cc050: a worry of what would come (「〜ちゃうなって」) is not what is.
        (
            "万が一、私が倒れたら、子どもたちだけになっちゃうなって、それだけ気になってて",
            "likely_serious_harm",
        ),
        # ca145, bs080: an alarm put right at once with what the child was only doing.
        (
            "娘がぐったりして、あ、いや、ぐったりっていうか、ただ寝てただけでした、すみません",
            "serious_harm",
        ),
        (
            "三日前から意識がなくて…いや、ごめんなさい、熱で寝てるだけで、さっき起きました",
            "serious_harm",
        ),
        # x073: 「骨折って言いましたけど、診てもらったら、ただの打ち身」.
        (
            "さっき骨折って言いましたけど、病院で診てもらったら、ただの打ち身だったそうです",
            "serious_harm",
        ),
        # 「決まって」 (always) is not キマって (high on drugs).
        ("朝になると決まってお腹が痛いって言うんです", "parent_factors"),
        # Things thrown towards the children, nothing said of a head or face hit.
        ("物投げるんです、リモコンとか、お皿とか、子どものほうに", "likely_serious_harm"),
    ],
)
def test_more_of_what_the_eighties_showed_ticks_nothing(
    sheet_of: Sheet, text: str, item: str
) -> None:
    sheet = sheet_of(("caller", text))
    assert _state(sheet, item) != "該当"


@pytest.mark.parametrize(
    ("turns", "subitem"),
    [
        # ch010: 「これでもう三回目」 counts the times (habitual_abuse needs a harm word: しめる).
        (
            [
                (
                    "caller",
                    "おとうさんに首しめられんの、これでもう三回目とかで……なんか、慣れてきちゃった",
                )
            ],
            "habitual_abuse",
        ),
        # ch012: not let lift the face (「上げさせてくれなかった」) negates being let, not the act.
        (
            [
                (
                    "caller",
                    "妹がおねしょしたら、ママが湯船に妹の顔つけて、なかなか上げさせてくれなかった",
                )
            ],
            "drowning",
        ),
        # ch013: a small child's words for a hand over mouth and nose.
        (
            [("caller", "ママがね、うるさいって、おくちとおはなをてでぎゅってしたの。")],
            "strangling",
        ),
        # ch024: the child's answer about a brother whose eyes do not open.
        (
            [
                ("handler", "いま、弟くんは息してる？"),
                ("caller", "……わかんない、なんかヒューヒューいってて、目あいてない"),
            ],
            "unconscious",
        ),
        ("殴られたあと、気づいたら床に寝てて、何分か記憶ない。起きたら夜だった", "unconscious"),
        # ch038: asking how to do it tells the thought; it is no question to be answered.
        ([("caller", "じさつって、どうやったら痛くないの。……まじめに聞いてる")], "child_suicidal"),
        (
            [("caller", "とうちゃんがくさ、毎晩うちのことぶつけん、もう家おりたくなか")],
            "child_requests_protection",
        ),
        (
            [
                (
                    "caller",
                    "お姉ちゃんの部屋に、夜中にお義父さんが入ってって、朝になるとお姉ちゃん目が腫れてる",
                )
            ],
            "sexual_abuse_suspected",
        ),
        ([("caller", "生理、こなくて。相手は……家の人。言えない")], "sexual_abuse_contact"),
        (
            [
                (
                    "caller",
                    "パパが包丁持って、『次なんか言ったらおまえ殺すからな』って。いまリビングにいる",
                )
            ],
            "parent_might_kill",
        ),
        ([("caller", "ビンタ。毎日。顔がはれて、マスクして学校行ってる")], "habitual_abuse"),
        ([("caller", "家のことあってから、なんか、言葉でてこない")], "child_withdrawn"),
        (
            [("caller", "お母さんが一日中ふとんから出てこない。ごはんも作らない")],
            "parent_psychiatric_crisis",
        ),
        (
            [("caller", "お父さんがママにどなって、ママ泣いて、毎晩それ。うるさくて寝れない")],
            "domestic_violence",
        ),
        ([("caller", "パパが出てって、ママと二人になった。先月")], "unstable_household"),
    ],
)
def test_what_children_and_teens_said_in_the_eighty_fifth_set(
    sheet_of: Sheet, turns: list[tuple[str, str]] | str, subitem: str
) -> None:
    said = [("caller", turns)] if isinstance(turns, str) else turns
    sheet = sheet_of(*said)
    assert any(subitem in item.subitems for item in sheet.items)


@pytest.mark.parametrize(
    "text",
    [
        # az003, ca021: a world gone white while strangled is no loss of consciousness.
        "兄ちゃんにさ、首に腕まわされてギリギリって締められて、目の前真っ白になった",
        "本人が、『パパに首ぎゅってされて、目の前まっくらになった』って言うんです",
    ],
)
def test_a_world_gone_dark_is_no_unconsciousness(sheet_of: Sheet, text: str) -> None:
    sheet = sheet_of(("caller", text))
    assert "strangling" in sheet.severe
    assert "unconscious" not in sheet.severe


def test_a_question_how_to_ask_for_help_is_no_thought(sheet_of: Sheet) -> None:
    # The caller's question about what to do is a question, not a thought told.
    sheet = sheet_of(("caller", "どうしたら楽になるか、相談できるところってありますか"))
    assert not sheet.severe


def test_a_parent_s_words_quoted_by_a_child_are_the_parent_s_crisis(sheet_of: Sheet) -> None:
    # ch092: 「お母さん、…『もう死にたい』ってぶつぶつ言ってる」: the mother named as the topic
    # (a comma, no particle), her words quoted and said.
    sheet = sheet_of(
        ("caller", "お母さん、朝からずっとベッドで、『もう死にたい』ってぶつぶつ言ってる")
    )
    assert "child_suicidal" not in sheet.severe
    assert any("parent_psychiatric_crisis" in item.subitems for item in sheet.items)
    # The child's own words after a sentence about the mother stay the child's.
    own = sheet_of(("caller", "お母さん、最近ずっと仕事。ぼく、もう死にたい"))
    assert "child_suicidal" in own.severe


def test_a_child_asking_whether_children_may_call_is_no_carer(sheet_of: Sheet) -> None:
    # ch02: 「子どもが電話していいとこ？」 named no carer; her later 「消えたら楽」 is hers.
    sheet = sheet_of(
        ("caller", "あ、えっと……これ、子どもが電話していいとこ？"),
        ("handler", "もちろん。子どもさんからの電話も受けてますよ。"),
        (
            "caller",
            "……ほんとは、さっきまで駅ビルの上にいた。もういいかなって。消えたら楽だなって思って",
        ),
    )
    assert "child_suicidal" in sheet.severe


def test_a_slap_in_the_face_in_a_teen_s_words(sheet_of: Sheet) -> None:
    # ch08: 「顔をパンってやられるくらい。平手で。ほぼ毎日」.
    sheet = sheet_of(("caller", "……まあ、父に、顔をパンってやられるくらい。平手で。ほぼ毎日"))
    assert any("head_face_blow" in item.subitems for item in sheet.items)
    assert not any(
        "head_face_blow" in item.subitems
        for item in sheet_of(("caller", "朝ごはんは顔を洗ってからパンって決めてます")).items
    )


@pytest.mark.parametrize(
    ("turns", "subitem"),
    [
        # ci020, ci048: a professional's formal 「反応がありません」.
        (
            [("caller", "3歳の男の子で、搬送時は呼びかけに反応がありませんでした。")],
            "unconscious",
        ),
        (
            [
                ("handler", "今、意識はありますか。"),
                ("caller", "いえ、呼びかけても反応がありません。救急車はもう呼んであります。"),
            ],
            "unconscious",
        ),
        # by04: gripped by the neck until no breath, with no world gone white to carry it.
        (
            [("caller", "きのう首を両手でつかまれて、壁に押しつけられて、息ができなくて")],
            "strangling",
        ),
        # ci008, ci064, ci065: neglect in a dentist's, a nurse's and a teacher's words.
        (
            [("caller", "7歳の女の子で、虫歯が十数本あり、一度も治療を受けた形跡がありません。")],
            "severe_neglect",
        ),
        (
            [
                (
                    "caller",
                    "生後6か月の赤ちゃんの体重が4キロしかなく、ミルクを1日2回しかあげていない",
                )
            ],
            "severe_neglect",
        ),
        (
            [("caller", "5年生の男子が夏休み明けにやせこけて登校してきまして")],
            "severe_neglect",
        ),
    ],
)
def test_what_professionals_said_in_the_eighty_sixth_set(
    sheet_of: Sheet, turns: list[tuple[str, str]], subitem: str
) -> None:
    sheet = sheet_of(*turns)
    assert any(subitem in item.subitems for item in sheet.items)


def test_a_world_gone_white_while_strangled_is_no_unconsciousness(sheet_of: Sheet) -> None:
    # ci018 and a dozen earlier sets: 「目の前が真っ白になった」 is no loss of consciousness.
    sheet = sheet_of(
        (
            "caller",
            "6年生の男子が、『お父さんに首を絞められて、目の前が真っ白になった』と言っています",
        )
    )
    assert "strangling" in sheet.severe
    assert "unconscious" not in sheet.severe


def test_a_mother_s_own_words_quoted_are_no_sign_in_the_child(sheet_of: Sheet) -> None:
    # ci013: the mother is named before the quote, and weeps it: her sleep, not the baby's.
    said = "健診に来られたお母さんが、『夜も全然眠れない、もう限界です』と泣いておられました。"
    assert _state(sheet_of(("caller", said)), "child_signs") != "該当"
    # A father named inside the child's quote is whom the child fears.
    feared = sheet_of(("caller", "『帰りたくない、お父さんがこわい』って泣くんです"))
    assert any("child_fears_parent" in item.subitems for item in feared.items)


@pytest.mark.parametrize(
    ("text", "subitem"),
    [
        # The eighty-seventh set: family and neighbours at night, in Tohoku and Kansai words.
        (
            "孫がね、『もう家さ帰りたぐねえ』って、ずーっと泣いでんのっしゃ。",
            "child_requests_protection",
        ),
        (
            "姪っ子が、『施設でもどこでもいいから、お母さんのとこにだけは戻さないで』って",
            "child_requests_protection",
        ),
        ("孫は自閉症でね、娘はもう手に負えん言うて。", "parenting_exhaustion"),
        ("兄貴がね、嫁さんが出てってから一人で見られへんって", "unstable_household"),
        ("この一年で3回目の引っ越しらしくて", "unstable_household"),
        ("母親の新しい彼氏が来てからなんよ。", "unstable_household"),
        ("姪が、お風呂の時に義理のお父さんが毎回入ってくるらしくて", "sexual_abuse_suspected"),
        ("親父が酔っぱらって、弟に『ぶっ殺すぞ』って包丁持ち出してて", "parent_might_kill"),
        ("妹が、継父に、その、されたって…最後まで。", "sexual_abuse_contact"),
        ("甥が喘息の発作ひどいのに、姉は病院に連れて行かへんのですよ", "severe_neglect"),
        (
            "孫が、風呂場で倒れとってな、呼んでも返事せえへん、どないしたらええ。",
            "unconscious",
        ),
        ("姉が『揺すったら動かなくなった』って、今電話してきて", "unconscious"),
        ("小1の妹が一人で三日も家にいるんすよ", "no_adult_at_home"),
        ("そしたら『しつけや、親父は口出すな』言いよる。", "parent_denies_abuse"),
        ("物心ついた頃から、母親は弟のことばっか蹴ってて", "habitual_abuse"),
        ("姉が『もう私が死ねばいいんでしょ』って、手首切って", "parent_psychiatric_crisis"),
        ("夜中、隣で男の人が奥さん殴ってる音がして", "domestic_violence"),
        ("甥っ子、1500グラムもなくて生まれて、今も体弱くて", "child_care_difficulty"),
        (
            "孫がな、『ここから飛び降りたら楽になるんかな』言うとったんや",
            "child_suicidal",
        ),
        (
            "女の子の声で叫んでて、そのあとお母さんの怒鳴り声と、何か投げる音がして",
            "parent_impulsive_aggressive",
        ),
    ],
)
def test_what_family_said_at_night_in_the_eighty_seventh_set(
    ticked: Ticked, text: str, subitem: str
) -> None:
    assert subitem in ticked(text)


@pytest.mark.parametrize(
    "text",
    [
        # Denials of 「そんなこと」/「そんな話」 in Kansai words, and corrections put right at once.
        "お風呂で沈めたとか、そんな話は一回も出てへんかったです、孫からは。",
        "孫は『死にたい』とか、そういうことは言うてません、そこは大丈夫やと思います。",
        "孫が骨折して…いや、骨折ちゃうかったわ、捻挫やった、公園で転んだだけやって。",
        "一人で置いてかれて…あ、いや、向こうのおばあちゃんが一緒におったんです、私の勘違いで。",
        "酒飲んで…いや、あれノンアルやったわ、あとで缶見たら。",
        # A brother's threat is not a carer's.
        "お兄ちゃんに殺すぞって言われた",
    ],
)
def test_what_the_eighty_seventh_set_took_back_ticks_nothing(sheet_of: Sheet, text: str) -> None:
    sheet = sheet_of(("caller", text))
    assert not sheet.severe
    assert all(item.state != "該当" for item in sheet.items)


def test_a_western_nanyo_is_no_question() -> None:
    assert acts_of("母親の新しい彼氏が来てからなんよ。").sentences[0].kind == "statement"
    assert acts_of("原因はなんや").sentences[0].kind == "question"


@pytest.mark.parametrize(
    ("turns", "subitem"),
    [
        # The eighty-eighth set: parents and carers about themselves.
        (
            [
                ("handler", "お風呂で何があったんですか。"),
                ("caller", "沈めました、頭を。泣きやまないから。二歳の子です。"),
            ],
            "drowning",
        ),
        (
            [("caller", "さっき手首を切りました。子どもは隣の部屋で寝てます。")],
            "parent_psychiatric_crisis",
        ),
        ([("caller", "俺、このままだと、息子を殴り殺すかもしれない。")], "parent_might_kill"),
        (
            [("caller", "息子が、私が近づくとびくっとして、頭を手でかばうんです。")],
            "child_fears_parent",
        ),
        ([("caller", "娘が学校から帰りたがらなくて、『ママ怒るから』って")], "child_fears_parent"),
        (
            [("caller", "夫の車の音がすると、子どもたちが押し入れに隠れるんです。")],
            "child_fears_parent",
        ),
        (
            [("caller", "下の子はかわいいのに、上の子だけは触られるのも嫌で")],
            "parent_rejects_child",
        ),
        (
            [("caller", "睡眠薬を、決められた量よりずっと多く飲んじゃって")],
            "parent_substance_use",
        ),
        ([("caller", "脾臓が傷ついてるって言われて入院してます。")], "serious_injury"),
        ([("caller", "お金がなくて、二日、子どもに何も食べさせてないです。")], "severe_neglect"),
        (
            [("caller", "彼が小四の娘とだけ、鍵をかけて部屋にこもるんです。")],
            "sexual_abuse_suspected",
        ),
        ([("caller", "早産で、九百グラムで生まれた子で")], "infant_or_vulnerable_child"),
    ],
)
def test_what_carers_said_of_themselves_in_the_eighty_eighth_set(
    sheet_of: Sheet, turns: list[tuple[str, str]], subitem: str
) -> None:
    sheet = sheet_of(*turns)
    assert any(subitem in item.subitems for item in sheet.items)


def test_a_child_s_own_cut_wrist_beside_her_wish_to_die_stays_hers(sheet_of: Sheet) -> None:
    # am042: 「もう、しにたい。…きのう手首も切った。」 is the child's, not a carer's crisis.
    sheet = sheet_of(("caller", "もう、しにたい。ほんとに。きのう手首も切った。"))
    assert "child_suicidal" in sheet.severe
    assert _state(sheet, "parent_factors") != "該当"


def test_a_carer_s_own_fear_of_her_husband_is_no_sign_in_the_child(sheet_of: Sheet) -> None:
    # bd103: the carer is afraid; nothing is said of the child.
    sheet = sheet_of(
        ("caller", "もし夫が子どもを叩くようになったらって思うと、怖くて眠れないんです。")
    )
    assert _state(sheet, "child_signs") != "該当"


@pytest.mark.parametrize(
    ("text", "severe"),
    [
        # The eighty-ninth set: the night line, in clinical words, slang and children's words.
        ("本児の頸部に圧迫痕あり、父親が手で首を圧迫したことを認めています", "strangling"),
        ("うちの親父が弟にチョークスリーパーかけててさ、弟、顔真っ赤で", "strangling"),
        ("にいにがね、パパにおふろでぶくぶくってされてた。あたま、おさえられて", "drowning"),
        ("浴槽内で女児が溺れかけた件ですが、母親が女児の頭を押さえつけていた", "drowning"),
        ("JCS三桁で搬送された2歳男児です。", "unconscious"),
        ("孫がよ、なんぼ呼んでも目え覚まさねえんだ、ゆんべから", "unconscious"),
        ("裸足で入ってきた男の子が、おうち帰ったら死ぬしかないって言うんです。", "child_suicidal"),
        ("ぼくなんか、いなくなっちゃえばいいんだって。ぼくもそう思う", "child_suicidal"),
    ],
)
def test_severe_words_of_the_night_line(sheet_of: Sheet, text: str, severe: str) -> None:
    assert severe in sheet_of(("caller", text)).severe


def test_a_carer_who_says_i_and_this_child_is_the_one_in_crisis(sheet_of: Sheet) -> None:
    # bd052, bf047: 「私がいなくなったほうが、この子のため」 is the carer speaking.
    sheet = sheet_of(
        ("caller", "私がいなくなったほうが、この子のためなんです。もう、死のうと思ってて。")
    )
    assert "child_suicidal" not in sheet.severe
    assert any("parent_psychiatric_crisis" in item.subitems for item in sheet.items)


@pytest.mark.parametrize(
    ("text", "severe"),
    [
        # The ninetieth set: severe acts told by what was seen, heard or left behind.
        ("夫が、下の子の口と鼻を手のひらでぐっとふさいで、顔が赤紫になるまで", "strangling"),
        ("息子がしつけだって言いながら、孫の顔を洗面器の水につけて、数をかぞえてる", "drowning"),
        ("言うこと聞かないから湯船にぐっと沈めてすぐ上げたんですけど", "drowning"),
        ("孫がくたっとして、足の裏をつねっても泣かないんですよ。", "unconscious"),
        ("手紙に「ママへ　ごめんね　さよなら　もうめいわくかけないから」って", "child_suicidal"),
        ("孫が「おじいちゃん、ぼくが死んだら、ママはもう怒らなくなるかな」って", "child_suicidal"),
        ("もう、ねむったまま、あさ、おきなければいいのにって、まいにち思うの。", "child_suicidal"),
        (
            "ロープが出してあって、問いただしたら「これで、もう全部おわりにできる」って。",
            "child_suicidal",
        ),
        # ck015 (eighty-eighth): a boy with a knife, of stabbing himself.
        (
            "夜中に息子が包丁を持ってて、『自分を刺したら、もう怒られないよね』って。",
            "child_suicidal",
        ),
    ],
)
def test_severe_acts_told_by_what_was_seen_or_left(sheet_of: Sheet, text: str, severe: str) -> None:
    assert severe in sheet_of(("caller", text)).severe


def test_many_times_as_an_answer_to_when_is_a_habit(sheet_of: Sheet) -> None:
    # cn09 (ninety-first): the balcony told first, then 「週に何回もです」 to 「いつごろから」.
    told = ("caller", "夜になると、ベランダから子どもの泣き声が聞こえるんです。『あけて』って。")
    asked = ("handler", "それは、いつごろからですか。")
    sheet = sheet_of(told, asked, ("caller", "気づいたのは春ぐらいから。週に何回もです。"))
    assert any("habitual_abuse" in item.subitems for item in sheet.items)
    # 「時計を何度も見て」 counts how often she looks, not a habit of abuse.
    looked = sheet_of(
        ("caller", "お父さんが怖いって。"),
        ("handler", "どんな様子ですか。"),
        ("caller", "家に帰る時間が近づくと、時計を何度も見てそわそわするんです"),
    )
    assert not any("habitual_abuse" in item.subitems for item in looked.items)


def test_what_is_said_of_the_parent_is_no_sign_in_the_child(sheet_of: Sheet) -> None:
    # e038 (twenty-first): the wife named as the subject does not sleep; no sign in the child.
    sheet = sheet_of(("caller", "妻が、ここ数日まったく眠ってなくて、とにかく様子がおかしいんです"))
    assert _state(sheet, "child_signs") != "該当"
    # 「お父さんがこわい」: the father is whom the child fears.
    feared = sheet_of(("caller", "娘が、お父さんがこわいって泣くんです"))
    assert any("child_fears_parent" in item.subitems for item in feared.items)


@pytest.mark.parametrize(
    ("text", "severe"),
    [
        # The ninety-second (teens in slang) and ninety-third (whose act) sets.
        ("…うん。後ろから腕で、こう、首ロックみたいな。お父さん。", "strangling"),
        (
            "首に跡ついてて、学校ではタートルネックで隠してる。草って言いたいけど草じゃない、"
            "マジで。お母さんがコードで…",
            "strangling",
        ),
        ("反省しろって、洗面器に水ためて、そこに顔押しこまれんの。", "drowning"),
        ("妹がさ、LINEで『もう生きてんのむり、死ぬ』って送ってきて", "child_suicidal"),
        ("本人がノートに『私が消えればいいのに』って書いてて", "child_suicidal"),
        (
            "お母さんがお父さんに首をしめられたんじゃなくて、しめられたのは私。お父さんに、両手で。",
            "strangling",
        ),
    ],
)
def test_severe_words_of_teens_and_of_whose_act(sheet_of: Sheet, text: str, severe: str) -> None:
    assert severe in sheet_of(("caller", text)).severe


def test_how_it_was_done_to_the_neck_answered_in_a_few_words(sheet_of: Sheet) -> None:
    # ag077: 「首は、どんなふうにされたの？」「両手で、ぎゅって。」 say the neck was squeezed.
    asked = ("handler", "首は、どんなふうにされたの？")
    sheet = sheet_of(asked, ("caller", "両手で、ぎゅって。目の前が白くなった。"))
    assert "strangling" in sheet.severe
    assert not sheet_of(
        ("handler", "頭は、どんなふうにされたの？"), ("caller", "ぽんって、なでられた")
    ).severe


@pytest.mark.parametrize(
    "text",
    [
        "ぼく、しんだほうがいいのかな？",  # the ninetieth set's words, with a question mark
        "わたし、消えたほうがいいのかな？",
        "あたしなんか消えた方がマシ",
    ],
)
def test_better_off_gone_is_told_even_when_asked(sheet_of: Sheet, text: str) -> None:
    # 「…ほうがいいのかな？」 wonders about oneself; a bare 「しにたいのかな？」 is still asked.
    assert "child_suicidal" in sheet_of(("caller", text)).severe


@pytest.mark.parametrize(
    "text",
    ["あの人なんか消えたほうがいい", "私なんか消えたほうがいいって言われた", "しにたいのかな？"],
)
def test_better_off_gone_said_of_another_or_heard_is_no_thought(sheet_of: Sheet, text: str) -> None:
    assert "child_suicidal" not in sheet_of(("caller", text)).severe
