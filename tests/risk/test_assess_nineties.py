"""The sheet of a call on what the ninety-fourth to hundred-third blind sets showed.

Each case that expects a box ticked, or a severe word read as no severe act, failed before the
change it names (manuals/risk.toml, risk/clauses.py, risk/cues.py, risk/assess.py,
knowledge/acts.py or knowledge/slots.py); the few that expect the opposite beside them (「死にたい
んじゃないかって心配」 still ticks, 「とかはない？」「ないです」 still denies) guard against first
versions of those changes that went too far.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from consult_assist.knowledge.acts import acts_of
from consult_assist.knowledge.slots import extract
from consult_assist.risk.sheet import Assessment

Sheet = Callable[..., Assessment]


@pytest.mark.parametrize(
    ("text", "severe"),
    [
        # cq007: only heard through the wall, the child's own words and coughing.
        (
            "壁の向こうで女の子が『くるしい、首やめて、ごめんなさい』って叫んで、"
            "そのあと咳きこんでるのが聞こえたんです。",
            "strangling",
        ),
        ("首に索状痕と、目に点状出血があります。", "strangling"),  # cs035, a doctor's words
        ("昨日ほんまに首に手ぇかけてきてん。", "strangling"),  # cu006, 手ぇ
        ("もぐれって頭おされて、お水いっぱい飲んで、げほげほってなった。パパに。", "drowning"),
        (
            "お風呂でもぐる練習や言うて、お父さんが頭ずうっと押さえてて、上がられへんかった",
            "drowning",
        ),
        ("母が、障害のある妹が暴れると顔をお湯につけて黙らせるんです。", "drowning"),  # cr016
        (
            "『2歳の弟が起きない』って言うんです。部屋に入ったら、その子が布団の上で"
            "動かなくて、大人は誰もいなかった",
            "unconscious",
        ),
        (
            "孫から電話きてよ、『ばあちゃん、わたしもう生きてたくねえ』って言うのっしゃ。",
            "child_suicidal",
        ),
        ("『死にたか』って、ぽろっと言うたとです。", "child_suicidal"),  # ct015, Kyushu
        (
            "『ここから消えちゃえば、もう家に帰らなくていいよね』って言ったんです。",
            "child_suicidal",
        ),
    ],
)
def test_severe_words_heard_glimpsed_or_in_dialect(sheet_of: Sheet, text: str, severe: str) -> None:
    assert severe in sheet_of(("caller", text)).severe


def test_a_what_to_do_question_run_on_by_the_recognizer_asks_nothing_before_it(
    sheet_of: Sheet,
) -> None:
    # cu140: no comma before 「どうしたらいいか」; the te-form closes what was told.
    told = "クラスの子が親になぐられるくらいなら自殺したいってラインで送ってきてどうしたらいいか"
    assert "child_suicidal" in sheet_of(("caller", told)).severe
    # 「どうして」 asks why, and a condition stays one.
    assert not sheet_of(("caller", "首を絞められたらどうしたらいいか")).severe


def test_a_grandparent_s_granddaughter_is_no_carer_s_own_child(sheet_of: Sheet) -> None:
    # ct017/ct136: 「孫娘が」 made the grandmother the girl's carer, and the girl's quoted
    # 「死にたい」 (『…』言うて, with no って) the grandmother's own.
    assert extract("relation", "孫娘がのう、手首を、カッターで").value == "祖父母"  # type: ignore[union-attr]
    for quoted in (
        "何本も線が入っとって。『もう死にたいけぇ、ほっといて』言うて、部屋から出てこんのよ",
        "何本も線が入っとって もう死にたいけえほっといて言うて部屋から出てこん",
    ):
        sheet = sheet_of(
            ("caller", "孫娘がのう、手首を、カッターで、こう…"),
            ("handler", "ええ"),
            ("caller", quoted),
        )
        assert "child_suicidal" in sheet.severe
    assert extract("relation", "娘が、最近眠れなくて").value == "保護者"  # type: ignore[union-attr]


def test_what_one_need_not_do_is_no_request() -> None:
    assert acts_of("もう家に帰らなくていい。").sentences[0].kind == "statement"
    assert acts_of("電話していいよ").sentences[0].kind == "request"


def test_a_long_vacant_look_is_no_loss_of_consciousness(sheet_of: Sheet) -> None:
    # cq061: a month of not answering is a sign, not an emergency of the body.
    text = "女の子が、ここ一か月くらい目がうつろで、何を聞いても返事しなくなっちゃって。"
    assert not sheet_of(("caller", text)).severe
    assert "unconscious" in sheet_of(("caller", "目がうつろで、呼んでも返事がないんです")).severe


@pytest.mark.parametrize(
    ("text", "subitem"),
    [
        # cs01: the 両手で pattern reached on to 「声が出なかった」 and read its negation as a no.
        ("嫌がって暴れたら、首を両手で絞められて、怖くて声が出なかったって…", "strangling"),
        ("首を両手で押さえられて、声が出なかった", "strangling"),
        ("このままだど、わだし、この子さ、なにすっか、わがんねぇ", "parent_might_kill"),  # ct04
        ("あばらが浮いて見えるくらいで、おうちではほとんどミルクをもらってない", "severe_neglect"),
        ("入園したときは9キロあったんですが、今日測ったら7キロ台まで落ちてて。", "severe_neglect"),
        ("『パパとのひみつやけん言えん』って。", "sexual_abuse_suspected"),  # cs001
        ("『じいじとのないしょだから、ママには言えない』って。", "sexual_abuse_suspected"),
        (
            "チャットで知り合った大人の男に、下着姿の写真を何枚も送らされてたんです。",
            "sexual_abuse_noncontact",
        ),
        ("先月も同じ状況で、そのときは交番に届けたんです。", "prior_reports_or_protection"),
    ],
)
def test_what_the_calls_below_their_label_missed(sheet_of: Sheet, text: str, subitem: str) -> None:
    assert _ticked(sheet_of(("caller", text)), subitem)


def _ticked(sheet: Assessment, subitem: str) -> bool:
    return any(subitem in item.subitems and item.state == "該当" for item in sheet.items)


def test_words_not_said_are_still_denied(sheet_of: Sheet) -> None:
    # bt14: 「とかも言わない」 is words not said, not a secret that cannot be told.
    sheet = sheet_of(("caller", "孫はよくしゃべるんです。パパ嫌い、とかも言わないし"))
    assert sheet.item("parent_factors").state != "該当"


@pytest.mark.parametrize(
    "text",
    [
        "ぐったりしてるように見えたんですけど、すぐ起きて走り回ってたんで、寝てただけみたいです。",
        "首を絞めてるって思ったら、マフラーを巻いてあげてたんですね。見間違いでした。",
        "子どもがぐったりして…あ、すみません、ぐったりしてたのはうちの犬で、子どもは元気です。",
        "あの子をお風呂に沈めるなんて、母親の私がやるわけないでしょう。",
        "お風呂で沈めるとか、そんなん、うちでは、ないです。絶対",
        "首を絞めてるところとかは、見てないです。怒鳴り声が聞こえてくるだけなんです。",
        "あんなに毎晩泣いてるから、そのうち首でも絞められちゃうんじゃないかって、心配で。",
        "前に住んでたところのお隣さんの話なんですけど、そこの子が意識がなくなって運ばれて。",
        "友達のところの子が首を絞められて病院に運ばれたって聞いて、心配になって。",
        "ゆめでね、ママにくびをぎゅってされたの。でもほんとのママはやさしいよ。",
        "息子がオンラインゲームしながら『首絞めろ』とか叫んでるんですけど、大丈夫でしょうか。",
        "バスで中学生たちが、『宿題多すぎて死にたいわー』って笑いながら話してました。",
        "部活きつすぎて、もう死ぬって感じ。先輩、まじ鬼やし",
        "子どもたちのためにも、私なんか、死んだほうがいいんじゃないかって、毎晩思うんです",
    ],
)
def test_severe_words_that_are_not_a_severe_act(sheet_of: Sheet, text: str) -> None:
    # put right (looked like, was the dog, only asleep), denied after the words, a fear of
    # what may come, someone else's story, a dream, a game, a joke, a carer's own wish
    assert sheet_of(("caller", text)).severe == ()


def test_a_fear_told_over_two_turns_is_no_act(sheet_of: Sheet) -> None:
    turns = [("caller", "夫が、いつか、子どもの首とか絞めるんやないかって"), ("handler", "ええ")]
    assert sheet_of(*turns).severe == ()


@pytest.mark.parametrize(
    "text",
    [
        "殺しちゃうんじゃないかって、自分が怖いんです。",  # the fear is the box itself
        "死にたいんじゃないかって心配で",  # a carer's worry of the child's thought
    ],
)
def test_a_fear_that_is_the_box_still_ticks(sheet_of: Sheet, text: str) -> None:
    sheet = sheet_of(("caller", text))
    assert sheet.item("urgent_situation").state == "該当"


def test_a_guess_at_what_is_being_done_is_no_fear_of_what_may_come(sheet_of: Sheet) -> None:
    # ad009: 「されてるんじゃないかと心配」 suspects what is going on.
    text = "夜、同じ布団で寝させられてるみたいで、性的なことをされてるんじゃないかと心配してます。"
    assert sheet_of(("caller", text)).item("urgent_situation").state == "該当"
    assert "strangling" in sheet_of(("caller", "首を絞められたんじゃないかって思うんです")).severe


@pytest.mark.parametrize(
    ("text", "severe"),
    [
        # The telephone path: the recognizer's words for the key ones (earlier sets' ASR records).
        ("あのねきのうパパがねぼくのここのどの所牛ってしていきできなかった", "strangling"),
        ("昨日兄ちゃんが父さんに顔ば殴られてそのまま木ば失ってしばらく起きんかった", "unconscious"),
        ("おととい娘が夫に付き飛ばされて頭を打って5分くらい目をあけなかったんです", "unconscious"),
        ("今子供がえっと呼んでも全然目を明けなくてなんか具にゃってしてて", "unconscious"),
        ("今、息子が具ったりして、読んでも目へ開けへんのです。", "unconscious"),
        ("昨日の夜旦那に揺さぶられてしばらく石が飛んでたんですうちの娘まだ一歳で", "unconscious"),
        (
            "ママがね市にたいってあちがうママじゃなくてわたしがわたしがもう4にたいの",
            "child_suicidal",
        ),
        ("もういなくなり　たい行きてても良いことないし", "child_suicidal"),
        # ct135: 「…死にたいって布団の中で泣いて」 reports the son's words (knowledge/acts.py).
        (
            "息子がねあの小学3年なんですけど夜中にね",
            "child_suicidal",
        ),
    ],
)
def test_the_recognizer_s_words_for_severe_acts(sheet_of: Sheet, text: str, severe: str) -> None:
    turns = [("caller", text)]
    if text.endswith("夜中にね"):
        turns += [
            ("handler", "はい"),
            ("caller", "僕なんか生まれてこんかったらよかった死にたいって布団の中で泣いて"),
        ]
    assert severe in sheet_of(*turns).severe


def test_a_te_form_closed_by_a_comma_is_not_denied_by_the_next_clause() -> None:
    text = "パパが首を絞めて、いきできなかった"
    assert not acts_of(text).at(3, 8).negated
    assert acts_of("叩いて、ないです").at(0, 3).negated  # a pause before the negation itself


@pytest.mark.parametrize(
    "text",
    [
        "お父さんに首…あ、ちがう、首じゃなくて、肩をぎゅってつかまれただけ",  # r089
        # ci136, cq057: the child taken along after the words makes the death wish the carer's
        "母親はうつ病で通院中なんですが昨日の訪問ではもう市にたいこの子も連れていくと口にされていました",
        "隣の奥さんがベランダの柵に足をかけて、『もう死ぬ、この子も連れていく』って叫んでたんです。",
    ],
)
def test_no_severe_act_of_the_child(sheet_of: Sheet, text: str) -> None:
    assert sheet_of(("caller", text)).severe == ()


# The ninety-ninth to hundred-third sets (handler-led intake, babies, school staff, the telephone
# path, whose words).
@pytest.mark.parametrize(
    ("turns", "severe"),
    [
        (
            [
                ("handler", "お孫さんが「消えたい」と言ったんですか。"),
                ("caller", "せや。ほんで、ベランダから下をじーっと見とってん。"),
            ],
            "child_suicidal",
        ),
        (
            [
                ("handler", "お孫さんは「溺れそうになった」と言ったんですね。"),
                ("caller", "そう。お風呂で押さえつけられたって。"),
            ],
            "drowning",
        ),
        (
            [
                ("handler", "倒れたあと、意識は戻りましたか。"),
                ("caller", "いえ、まだです。救急車を待ってます。"),
            ],
            "unconscious",
        ),
        (
            [("handler", "赤ちゃん、名前をよんでも起きない？"), ("caller", "おきない。")],
            "unconscious",
        ),
        (
            [
                ("handler", "お孫さんは、呼んでも返事がないんですね？"),
                ("caller", "ないの。目がうつろで。"),
            ],
            "unconscious",
        ),
        (
            [
                (
                    "caller",
                    "生後一か月の赤ちゃんの顔色が悪くて、ほとんど反応がありません。呼吸もすごく浅いんです",
                )
            ],
            "unconscious",
        ),
        ([("caller", "名前を呼んでも、ほっぺをとんとんしても全然起きなくて")], "unconscious"),
        (
            [
                ("handler", "首を押さえたり、顔をふさいだりしたことはありますか。"),
                ("caller", "枕を、上から押しつけたことが一回だけ。"),
            ],
            "strangling",
        ),
        ([("caller", "嫁がですね、孫ば風呂の湯に沈めよったとですよ。")], "drowning"),
        (
            [
                ("handler", "まとめると、お父さんに顔を叩かれた、ということですね。"),
                ("caller", "顔じゃなくて、首です。両手で首を。"),  # cv007: a summary put right
            ],
            "strangling",
        ),
        ([("caller", "孫の首さ手ぇかけたのは、嫁でねくて、息子のほうだ。")], "strangling"),
        (
            [
                (
                    "caller",
                    "小6の娘が、友だちにLINEで『消えたい』って送ってたのを、その子のお母さんから教えてもらって",
                )
            ],
            "child_suicidal",
        ),
    ],
)
def test_answers_summaries_and_words_of_the_last_sets(
    sheet_of: Sheet, turns: list[tuple[str, str]], severe: str
) -> None:
    assert severe in sheet_of(*turns).severe


@pytest.mark.parametrize(
    "turns",
    [
        # a bare no after a question that does not end on the cue denies it
        [
            ("handler", "ぐったりしてる、とか、呼んでも反応がない、とかはない？"),
            ("caller", "ないです、ないです。"),
        ],
        [
            ("handler", "叩かれたり、ごはんをもらえなかったりすることはある？"),
            ("caller", "それはない。"),
        ],
        [("caller", "プールで友達にふざけて沈められた")],  # another child's act
        [("caller", "俺もガキのころ、親父に首しめられてさ。だから自分の子には、絶対しない。")],
        [
            (
                "caller",
                "首の赤みは体操服の襟でこすれたものでして、首を絞められたということではございません。",
            )
        ],
        [
            (
                "caller",
                "ぐったりしていると申しましたが、いまは目を覚ましておりまして、ただのお昼寝でした。",
            )
        ],
        [("caller", "意識がない言うたけど、違うた。よう寝とっただけで、今起きてごはん食べよる。")],
        [
            (
                "caller",
                "私なんかいないほうが、この子も幸せだと思うんです。ベランダから飛び降りたいって、毎日考えてます。",
            )
        ],
        [
            (
                "caller",
                "孫と二人暮らしでなあ。わしが死んだら孫はどうなるんじゃろ思うて……正直、もう死にたい",
            )
        ],
    ],
)
def test_no_severe_act_of_the_child_in_the_last_sets(
    sheet_of: Sheet, turns: list[tuple[str, str]]
) -> None:
    assert sheet_of(*turns).severe == ()


@pytest.mark.parametrize(
    ("text", "subitem"),
    [
        # cz01: 「机の上さ」 read うわさ (噂) made the grandson's note a rumour.
        (
            "ゆうべ、あの子の机の上さ紙があってよ、『もう死にてえ、ばあちゃんごめん』って書いであったの。",
            "child_suicidal",
        ),
        (
            "実は去年の秋にも、腕のあざで市の家庭児童相談室に通告してるんです",
            "prior_reports_or_protection",
        ),
        (
            "来月、膝の手術で入院せないかんの。その間、孫を預かってもらえるとこはないかと思って。",
            "parent_requests_protection",
        ),
        ("窓を叩いて、ママ、ママって呼んでいるのに、開けてもらえないようで。", "left_outside"),
        (
            "以前は通院されていたそうですが、今は薬をやめてしまったと本人が申しております。",
            "parent_psychiatric_crisis",
        ),
    ],
)
def test_what_the_last_calls_below_their_label_missed(
    sheet_of: Sheet, text: str, subitem: str
) -> None:
    assert _ticked(sheet_of(("caller", text)), subitem)


def test_a_rumour_word_as_written_still_counts(sheet_of: Sheet) -> None:
    assert sheet_of(("caller", "噂で聞いたんですけど、首を絞められてるって")).severe == ()


@pytest.mark.parametrize(
    "text",
    [
        "母親はうつ病で通院中なんですが昨日の訪問ではもう市にたいこの子も連れていくと口にされていました",
        "隣の奥さんがベランダの柵に足をかけて、『もう死ぬ、この子も連れていく』って叫んでたんです。",
    ],
)
def test_dying_and_taking_the_child_along_is_a_carer_who_might_kill(
    sheet_of: Sheet, text: str
) -> None:
    # ci136, cq057: the carer's own death wish, the child taken along (not the child's wish).
    sheet = sheet_of(("caller", text))
    assert _ticked(sheet, "parent_might_kill")
    assert "child_suicidal" not in sheet.severe
