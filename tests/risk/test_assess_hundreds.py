"""The sheet of a call on what the hundred-and-fourth to hundred-and-eighth blind sets showed,
and on what the hundred sets before them left.

Each case that expects a box ticked, conflicting or read as no severe act failed before the
change it names; the cases that expect the opposite beside them guard against first versions
of those changes that went too far.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from consult_assist.risk.cues import takes_back
from consult_assist.risk.sheet import Assessment

Sheet = Callable[..., Assessment]


# ct111 and cw103: the alarm put right a turn later, after the handler's question.
LIMP_THEN_ASLEEP = (
    ("caller", "ぐったりして、動かへん…"),
    ("handler", "お子さん、今、呼びかけに"),
    ("caller", "あ、いや、寝とっただけやわ。今、いびきかいとる。すんません、びっくりして"),
)


@pytest.mark.parametrize(
    "turns",
    [
        LIMP_THEN_ASLEEP,
        (
            ("caller", "あの、娘が息してないんじゃないかって……"),
            ("handler", "落ち着いてくださいね。胸やおなかは動いていますか。"),
            ("caller", "あ……動いてます。すみません、ぐっすり寝てるだけでした。"),
        ),
    ],
)
def test_an_alarm_taken_back_a_turn_later_stays_and_shows_as_conflicting(
    sheet_of: Sheet, turns: tuple[tuple[str, str], ...]
) -> None:
    sheet = sheet_of(*turns)
    harm = sheet.item("serious_harm")
    # Not dropped: a later word does not silence a severe alarm, it is asked about again.
    assert harm.state == "該当" and "unconscious" in sheet.severe
    assert harm.conflicting
    assert [e.denies for e in harm.evidence] == [False, True]
    assert harm.evidence[1].text == turns[-1][1]
    assert any(q.item == "serious_harm" and q.reason for q in sheet.next)


def test_a_taking_back_long_after_the_alarm_points_at_nothing(sheet_of: Sheet) -> None:
    filler = [("caller", "それで、朝ごはんは食べてなくて。"), ("handler", "はい。")] * 3
    sheet = sheet_of(LIMP_THEN_ASLEEP[0], *filler, LIMP_THEN_ASLEEP[2])
    assert not sheet.item("serious_harm").conflicting


def test_the_handlers_words_take_nothing_back(sheet_of: Sheet) -> None:
    sheet = sheet_of(LIMP_THEN_ASLEEP[0], ("handler", "寝てただけかもしれませんね。すみません"))
    assert not sheet.item("serious_harm").conflicting


def test_a_turn_with_marks_of_its_own_takes_nothing_back(sheet_of: Sheet) -> None:
    sheet = sheet_of(
        LIMP_THEN_ASLEEP[0],
        ("caller", "いや、寝てただけって言いましたけど、違うんです、首を絞められて"),
    )
    harm = sheet.item("serious_harm")
    assert not harm.conflicting
    assert "strangling" in sheet.severe


@pytest.mark.parametrize(
    ("text", "back"),
    [
        ("あ、いや、寝とっただけやわ。", True),
        ("すみません、ぐっすり寝てるだけでした。", True),
        ("さっき叩いたって言いましたけど、違うんです。", True),
        ("寝てるだけだと思ってたら、息してなくて", False),
        ("すみません、夜分に。", False),
    ],
)
def test_takes_back(text: str, back: bool) -> None:
    assert takes_back(text) is back


@pytest.mark.parametrize(
    "turns",
    [
        # dc109: 何とも read near 何度も; dd112: a phone's battery, not a temper.
        (
            ("handler", "以前にも、同じようなけがで受診したことはありますか。"),
            ("caller", "カルテを遡ってみないと、今ここでは何とも言えないです。"),
        ),
        (
            ("handler", "弟さんは何歳かな？"),
            ("caller", "えっと、あ、ごめん、充電やばい、切れるかも"),
        ),
    ],
)
def test_a_question_not_answered_ticks_nothing(
    sheet_of: Sheet, turns: tuple[tuple[str, str], ...]
) -> None:
    assert all(i.state == "未確認" for i in sheet_of(*turns).items)


def test_often_is_still_often_beside_the_words_it_reads_like(sheet_of: Sheet) -> None:
    # b085: the near-reading 何とも must not take 何度も away.
    sheet = sheet_of(("caller", "4歳の娘のほっぺたを何度もつねったり、叩いたりするんです"))
    assert "habitual_abuse" in sheet.item("recurrence").subitems


@pytest.mark.parametrize(
    ("turns", "severe"),
    [
        # da033: a count of times answers whether it ever happened.
        (
            (
                ("handler", "首をしめられたこと、ある？"),
                ("caller", "……一回だけ。ほんとに一回だけだよ。ママもそのあと泣いてたし"),
            ),
            "strangling",
        ),
        # cv012: 「一度も？」 presses the question before it; 「……一回だけ」 answers that one.
        (
            (
                ("handler", "お風呂で、お子さんの頭を沈めたことはありますか。"),
                ("caller", "いや、ないです。"),
                ("handler", "一度も？"),
                ("caller", "……一回だけ。言うこと聞かないから。"),
            ),
            "drowning",
        ),
        # dd006: a hesitation before the yes.
        (
            (
                ("handler", "消えたいとか、死にたいって思うこと、ある？"),
                ("caller", "……まあ、ある。てか、今もわりとそう。"),
            ),
            "child_suicidal",
        ),
    ],
)
def test_answers_that_say_yes_without_a_yes_word(
    sheet_of: Sheet, turns: tuple[tuple[str, str], ...], severe: str
) -> None:
    assert severe in sheet_of(*turns).severe


def test_a_never_is_still_a_no(sheet_of: Sheet) -> None:
    sheet = sheet_of(("handler", "首をしめられたこと、ある？"), ("caller", "一度もないです。"))
    assert not sheet.severe


@pytest.mark.parametrize(
    "text",
    [
        "いえ、首を絞めたりとかは、うちの夫はしてないです。上の子にも下の子にも。",  # de095
        "死にたいとかは別にない。ただずっと眠いだけ。",  # dd104
        # de101: pictured as a what-if, not done.
        "もし私が入院したら、あの人が一人で三人見ることになって、下の子の首でも絞めたらって、"
        "考えちゃうんです。",
        "ママの彼氏がママの首絞めてるの見た。止めに入ったら、うちも突き飛ばされた。",  # dd085
        "お母さんは『夫に首を絞められた。子どもは隣の部屋にいた』と言っています。",  # db086
        "さっき、『首』言った？ ちがう、『手首』。手首、つかんだだけ。首じゃない。",  # db115
        "ぐったり……じゃないです、すみません、言い間違い。ぐずってるんです、眠たいみたいで",
        "先週、学会で首を絞められた乳児の症例報告を聞いたばかりなので、過敏なのかもしれません。",
        "以前担当した別のご家庭で、お母さんが赤ちゃんの口をふさいでいた事例がありまして。",
        "TikTokで、親に首絞められたって子の動画見て、それからずっとしんどくて。",
        "職場の人の話なんですけど、その人の甥っ子が、ぐったりして救急車で運ばれたって",
        # The 109th to 113th sets.
        "あ、ベランダに出されてるのは俺じゃなくて、犬です。犬の話。",  # dd127
        "俺、もう死のうと思ってて。ロープも買ってあって。ただ、子どもらが、残ったらどうなるのかなって。",
        "こんなやつ、生まれてこなきゃよかったって、本人に言っちまいました。何回も。",  # df061
        "嫁が子どもを風呂に沈めるっていう夢を、何回も見るんです。",  # df099
        "テレビのドキュメンタリーで、子どもが『死にたい』って言うのやってて。",  # df106
        "姉の子、一歳半なんですけど、熱が四十度あって痙攣もしたのに、病院に連れてかないって。",
        "あの子、思い詰めるタイプなんで、いつか死にたいとか言い出すんじゃないかって…",  # dh115
        "縛ってるって言っても、ベッドの柵にひもで手首をつないでるだけですよ。",  # di050
        "ママ友が、旦那さんに子どもの首を絞められたって話してたんです。うちのことじゃないんですけど。",
        "死にたいとかは、別に。そこまでじゃないです",  # dj086
        "バイトの先輩が昔、親に風呂で沈められたことあるって話してて。",  # dj103
        # The 114th to 118th sets.
        "首とかは絞められとらんよ。そげなことはされとらん。",  # dn101
        "うちは風呂で沈めたりなんか、いっぺんもしとらんて。",  # dn105
        "ぐったりしてるって言ったけど、ちがうさ、寝てただけ。起こしたら普通に起きたよ。",  # dn122
        "さっき首を絞められた言いましたけど、ちゃいます。本人は首が痛いだけで、寝違えたんやて。",
        "夜中ずっと泣かれると、枕でも押し付けたろうか思うてしまうんよ。",  # dn028
        "将来この子がぐれて、死にたい言い出したらどないしよ思てな。",  # dn112
        "ママ友のところの上の子が、死にたいってSNSに書いてたらしくて。",  # dl108
        "さっきから、この子抱っこしてベランダから飛び降りたら楽になるかなって、そればっかり考えてて。",
        "生まれてこなきゃよかったのにって、この子に向かって言っちゃうんです。まだ四か月なのに。",
        "あいつなんか生まれてこなけりゃよかったって、正直思ってます。",  # do053
        "息子の泣き声を聞いてると、首を絞めたくなるんです。本気でやりそうで、自分が怖い。",
    ],
)
def test_severe_words_that_are_no_severe_act_here(sheet_of: Sheet, text: str) -> None:
    assert not sheet_of(("caller", text)).severe


@pytest.mark.parametrize(
    "text",
    [
        "叩かれたりとかもしょっちゅうで、逃げられない。首を絞められたりとかも、ママはするし",
        "ママの首を絞めたあと、私の首も絞めてきた",
        "娘が、主人に首を両手で絞められたって、泣きながら言うんです。",  # j002
        "手首を縛られて、首を絞められた",
        "あのね、パパがね、ぎゅーって、くび、しめた。くるしかった",  # bx064: って+くび
        "帰ったら首を絞められたって思う",
    ],
)
def test_strangling_still_told_beside_those_words(sheet_of: Sheet, text: str) -> None:
    assert "strangling" in sheet_of(("caller", text)).severe


def test_a_mothers_neck_is_violence_between_adults(sheet_of: Sheet) -> None:
    sheet = sheet_of(
        ("caller", "お母さんは『夫に首を絞められた。子どもは隣の部屋にいた』と言っています。")
    )
    assert "domestic_violence" in sheet.item("environment").subitems


def test_a_carers_thought_pictured_as_a_what_if_is_still_the_carers_thought(
    sheet_of: Sheet,
) -> None:
    sheet = sheet_of(
        ("handler", "今、お母さんご自身はどんなお気持ちですか。"),
        ("caller", "正直、この子さえいなければって思っちゃう。生後2か月なんです。"),
    )
    assert "parent_rejects_child" in sheet.item("parent_factors").subitems


@pytest.mark.parametrize(
    "turns",
    [
        # db001: a carer passes on the child's words, which call to her.
        (
            (
                "caller",
                "うちの子、12歳、きのうの夜『ママ、わたし死にたい』言った。ほんとに言ったよ。",
            ),
        ),
        # da014, db003, cz001: a caller who says she is a child.
        (
            (
                "caller",
                "あの、中二なんですけど、友達が、死にたいって言ってて……ごめんなさい、"
                "友達じゃないです。私です。私が死にたいんです",
            ),
        ),
        (("caller", "わたし、ベトナムから来ました。中学生です。わたし、もう死にたいです。"),),
        (
            ("caller", "弟たちのご飯とか、ほとんど私が回してるんです。"),
            ("handler", "そうなんですね。"),
            ("caller", "あ、私、中学三年です。それで、自分がもう消えたいって、毎日思ってて。"),
        ),
    ],
)
def test_a_childs_own_death_wish_is_the_childs(
    sheet_of: Sheet, turns: tuple[tuple[str, str], ...]
) -> None:
    sheet = sheet_of(*turns)
    assert "child_suicidal" in sheet.severe
    assert sheet.item("parent_factors").state == "未確認"


@pytest.mark.parametrize(
    "turns",
    [
        (("caller", "私が帰るときに、お母さんが玄関で、「もう私、死にたい、消えたい」って。"),),
        (("caller", "あの、中二の娘なんですけど、私がもう死にたくて"),),
        # bp08: a carer telling the child's year is not a child calling.
        (("caller", "小学3年生です。"), ("caller", "私がもう死にたいんです。")),
    ],
)
def test_a_carers_death_wish_is_still_the_carers(
    sheet_of: Sheet, turns: tuple[tuple[str, str], ...]
) -> None:
    sheet = sheet_of(*turns)
    assert not sheet.severe
    assert "parent_psychiatric_crisis" in sheet.item("parent_factors").subitems


@pytest.mark.parametrize(
    ("turns", "severe"),
    [
        # da029: a two-year-old who stopped moving.
        ((("caller", "彼氏から電話で、娘が動かなくなったって。娘は二歳です"),), "unconscious"),
        # dd009: pills, then no words, only a snore.
        (
            (
                (
                    "caller",
                    "友達が家で薬いっぱい飲んだっぽくて、ぜんぜんしゃべんなくて、"
                    "いびきみたいな音しか聞こえない。",
                ),
            ),
            "unconscious",
        ),
        # dc089: a ring round the neck, after a correction of where the bruise is.
        (
            (
                (
                    "caller",
                    "すみません、さっき『おでこ』って言いましたけど、あざは首のほうでした。"
                    "首の周りをぐるっと一周、赤紫の線みたいなのがついてるんです。",
                ),
            ),
            "strangling",
        ),
        # dc004: a three-year-old's words, passed on by the nursery.
        (
            (
                (
                    "caller",
                    "『パパがね、おくちとおはなをぎゅってしたの、くるしかった』って話してくれたんです。",
                ),
            ),
            "strangling",
        ),
        # dd145 (ASR): the neck named after the act.
        ((("caller", "親父に閉められた 首ね 首 壁に推しつけられて声も出なかった"),), "strangling"),
        # dc007 and its ASR twin dc123: a face put in the bath water.
        (
            (
                (
                    "caller",
                    "父親が、しつけのつもりで風呂の湯に顔をつけただけだ、と申し立てています。",
                ),
            ),
            "drowning",
        ),
        ((("caller", "父親がしつけのつもりで風呂のゆに顔を漬けただけだ"),), "drowning"),
        # db135, db136 (ASR): the face or head named before the water.
        ((("caller", "言うことを聞かない時はお風呂で顔を水に付けるこれは躾です"),), "drowning"),
        ((("caller", "新しいお父さんが僕の頭バケツの水に推したお盆レルと思った"),), "drowning"),
        # dd003: net slang; dd100: 飛びたい, and from where.
        (
            (("caller", "友達のLINE、そのまま読みますね。『もうむり　タヒにたい』って。"),),
            "child_suicidal",
        ),
        ((("caller", "最近、飛びたいなーって。あ、家出じゃなくて、上から。"),), "child_suicidal"),
        (
            (("caller", "フェンス見るたびにここから富んだら楽になれるかなって思っちゃう"),),
            "child_suicidal",
        ),
        # dc129 (ASR): 生きて heard as 行きて.
        ((("caller", "本人は行きていたくない家には帰りたくないと話しています"),), "child_suicidal"),
        # da133 (ASR): the question lost its question mark; a count still answers it.
        (
            (
                ("handler", "首を閉められたことある"),
                ("caller", "一回だけほんとに一回だけだよママもその後泣いてたし"),
            ),
            "strangling",
        ),
        # db01: 「わたし、中学生。」 with no copula; her 死にたい is hers.
        (
            (
                ("caller", "あの…もしもし。わたし、中学生。ベトナム人です。日本語、少し。"),
                ("caller", "お父さん、毎晩お酒たくさん飲む。飲むと、わたしとお母さん、たたく。"),
                ("caller", "ひとり。…もう、つかれた。わたし、死にたい。ほんとに。"),
            ),
            "child_suicidal",
        ),
        # The 114th to 118th sets.
        # dk003, dk006, dk032: a what-if the caller then says happened.
        (
            (
                (
                    "caller",
                    "ちょっと聞きたいんですけど、もしですよ、親が子どもの首をこう、ぎゅってやったら、"
                    "それって虐待になるんですか。",
                ),
                ("handler", "それは、実際にあったことかな。"),
                ("caller", "……昨日、母親にやられました。息、できなくなって。"),
            ),
            "strangling",
        ),
        (
            (
                (
                    "caller",
                    "もし、お風呂で頭を押さえつけられて、お湯に沈められたりしたら、誰かに言っていいの？",
                ),
                ("handler", "言っていいよ。それ、あなたにあったことかな。"),
                ("caller", "……うん。お父さんに。先週。"),
            ),
            "drowning",
        ),
        # dl015: where the caller met someone is no rumour.
        (
            (
                (
                    "caller",
                    "ネットで知り合った人の家で、友だちが、起こしても全然起きないんです。ぐったりしてて。",
                ),
            ),
            "unconscious",
        ),
        # dm004, dm008, do125, dm014, dn144: babies, a bath towel, water; 消えちゃいたい.
        (
            (
                (
                    "caller",
                    "お母さんが『泣いたらバスタオルを顔にかぶせとくと静かになるんですよ』って言うんです。",
                ),
            ),
            "strangling",
        ),
        (
            (
                (
                    "caller",
                    "『パパが赤ちゃんをおみずのなかにいれて、ぎゅーってしてた』って話すんです。",
                ),
            ),
            "drowning",
        ),
        (
            (("caller", "言うこと聞かないから洗面機に水をためて顔をつけて10数えたんです"),),
            "drowning",
        ),
        (
            (("caller", "旦那がさ躾だっつって娘の顔をゆぶねに突っ込むんだわもう何回もだよ"),),
            "drowning",
        ),
        (
            (
                (
                    "caller",
                    "年長の女の子が、お昼寝のときに『ママは赤ちゃんばっかり。わたし、消えちゃいたい』って。",
                ),
            ),
            "child_suicidal",
        ),
    ],
)
def test_severe_acts_in_more_words(
    sheet_of: Sheet, turns: tuple[tuple[str, str], ...], severe: str
) -> None:
    assert severe in sheet_of(*turns).severe


@pytest.mark.parametrize(
    "text",
    [
        "プールで水に顔をつける練習をしてます",
        "顔を水につけるのが怖いみたいで、プールを嫌がります",
    ],
)
def test_a_swimming_lesson_is_no_drowning(sheet_of: Sheet, text: str) -> None:
    assert not sheet_of(("caller", text)).severe


def test_a_knife_threat_relayed_is_a_carer_who_might_kill(sheet_of: Sheet) -> None:
    # dd04: a knife brought out alone stays a temper (q065, ak066); a threat to stab is more.
    sheet = sheet_of(
        ("handler", "包丁を。それは怖かったね。誰に向けて？"),
        ("caller", "俺に。『次なめた口きいたら刺すぞ』って。マジで刺すかと思った。"),
    )
    assert "parent_might_kill" in sheet.item("urgent_situation").subitems
    temper = sheet_of(("caller", "夫がキレると、子どもの前でも平気で包丁持ち出すんです"))
    assert temper.item("urgent_situation").state == "未確認"


@pytest.mark.parametrize(
    ("turns", "item", "box"),
    [
        (
            (
                (
                    "caller",
                    "お母さんが、夜中に泣かれると、このまま窓から落としてしまいそうで怖い、と。",
                ),
            ),
            "urgent_situation",
            "parent_might_kill",
        ),  # dc026
        (
            (("caller", "通院中の父親が、息子を殺して自分も死ぬしかないと言っていまして。"),),
            "urgent_situation",
            "parent_might_kill",
        ),  # dc027
        (
            (("caller", "母さんに『次やったらマジで殺すから』って言われた。"),),
            "urgent_situation",
            "parent_might_kill",
        ),  # dd031
        (
            (("caller", "このままやったら、ほんまにこの子に何するかわからへん"),),
            "urgent_situation",
            "parent_might_kill",
        ),  # da008
        (
            (("caller", "あの子置いて行くなんてできないから、いっそ一緒にって……考えちゃうんです"),),
            "urgent_situation",
            "parent_might_kill",
        ),  # da011
        (
            (
                (
                    "caller",
                    "タイから来た女の子が、『おうちに帰らせないで』って言って、動かないんです。",
                ),
            ),
            "protection_request",
            "child_requests_protection",
        ),  # db019
        (
            (
                ("handler", "今日は、おうちに帰れそう？"),
                ("caller", "無理。帰ったらまたシバかれるし。どっか連れてって、お願い。"),
            ),
            "protection_request",
            "child_requests_protection",
        ),  # dd023
        (
            (("caller", "家でボコられるのは週三くらい。もう数えるのやめた。"),),
            "recurrence",
            "habitual_abuse",
        ),  # dd066
        (
            (("caller", "小児科です。十歳の女の子の膣分泌物から淋菌が検出されました。"),),
            "serious_harm",
            "sexual_abuse_contact",
        ),  # dc029
        (
            (("caller", "あの子、父親に無理やりヤられたって、トイレで泣きながら言ってて。"),),
            "serious_harm",
            "sexual_abuse_contact",
        ),  # dd034
        (
            (
                (
                    "caller",
                    "五か月の赤ちゃんの肋骨に、新しい骨折と、仮骨形成のある陳旧性骨折が混在しています。",
                ),
            ),
            "recurrence",
            "old_and_new_injuries",
        ),  # dc034
        (
            (("caller", "三歳の男の子で、お尻から両足にかけてII度の熱傷です。"),),
            "serious_harm",
            "burn",
        ),  # dc035
        (
            (("caller", "九歳の男の子で、両眼の眼窩周囲に皮下出血、いわゆるパンダ目の状態です。"),),
            "likely_serious_harm",
            "head_face_blow",
        ),  # dc043
        (
            (("caller", "保健センターです。中耳炎がずっと放置されて、医療ネグレクトの状態です。"),),
            "serious_harm",
            "severe_neglect",
        ),  # dc039
        (
            (
                (
                    "caller",
                    "夜、さむいのに、となりの男の子、ドアの外。ママ、中に入れない。もう2時間。",
                ),
            ),
            "likely_serious_harm",
            "left_outside",
        ),  # db049
        (
            (("caller", "娘、父親が帰ってくる時間になると隠れるんです。"),),
            "child_signs",
            "child_fears_parent",
        ),
        (
            (("caller", "父親の車の音が聞こえるだけで、心臓バクバクして、手が震える。"),),
            "child_signs",
            "child_fears_parent",
        ),  # dd069
        (
            (("caller", "『甘えんな、うちはこれが普通』って笑われた。"),),
            "recurrence",
            "parent_denies_abuse",
        ),  # dd064
        (
            (("caller", "夫、わたしをなぐる。子どもの前で。きのうも、髪ひっぱって、床に。"),),
            "environment",
            "domestic_violence",
        ),  # db084
        # The 109th to 113th sets.
        (
            (
                (
                    "caller",
                    "『ママがおそとにいなさいって』って。鍵かかってるみたいで、ドア叩いても開かないんです。",
                ),
            ),
            "likely_serious_harm",
            "left_outside",
        ),  # dh07
        (
            (("caller", "あるけど、入れない。母にもう帰ってくんなって言われて、鍵閉められてる"),),
            "likely_serious_harm",
            "left_outside",
        ),  # dj05
        (
            (("caller", "家は、いい。どこか泊まらせてほしい。今日だけでも"),),
            "protection_request",
            "child_requests_protection",
        ),  # dj05
        (
            (("caller", "主治医の先生に連絡したら、三か月受診が途切れていると。"),),
            "serious_harm",
            "severe_neglect",
        ),  # di03
    ],
)
def test_boxes_in_the_new_sets_words(
    sheet_of: Sheet, turns: tuple[tuple[str, str], ...], item: str, box: str
) -> None:
    assert box in sheet_of(*turns).item(item).subitems


@pytest.mark.parametrize(
    "turns",
    [
        # at14: a day service twice a week is no habit; ba11: 先週、一回 is no 週一回.
        (("caller", "大変ですけど、週二回、放課後デイに行ってるので、その間に休めてます"),),
        (("caller", "先週、一回だけ、娘の頭をはたきました"),),
    ],
)
def test_a_week_named_is_no_habit(sheet_of: Sheet, turns: tuple[tuple[str, str], ...]) -> None:
    assert "habitual_abuse" not in sheet_of(*turns).item("recurrence").subitems


def test_an_ambulance_arriving_answers_nothing(sheet_of: Sheet) -> None:
    # dg098: the handler's question cut short by the ambulance.
    sheet = sheet_of(
        ("handler", "頭を打ったりはしていませんか。吐いたりは？"),
        ("caller", "あ、救急車、救急車来たんで、すいません、あとで"),
    )
    assert all(i.state == "未確認" for i in sheet.items)
    carried = sheet_of(("caller", "頭から血が出て救急車で運ばれました"))
    assert "serious_injury" in carried.item("serious_harm").subitems


@pytest.mark.parametrize(
    ("text", "severe"),
    [
        # dg002: said twice over in a panic, the second 「してない」 does not deny the first.
        (
            "息、してない、してないかも……ねえ！ねえってば、起きて！……胸が、胸が動いてないんです",
            "unconscious",
        ),
        # di085: the not is of which child; the act stands.
        (
            "あ、すみません、お風呂で頭を沈められたのは上の子じゃなくて、障害のある下の子の方です。",
            "drowning",
        ),
        # df016: a grandchild's head pushed into a washtub.
        (
            "婿がな、孫の頭をつかんで、洗い桶の水に突っ込んどるとこを、わし、見てしもたんや。",
            "drowning",
        ),
        # dg010: a belt round the neck, pulled.
        ("されてました、さっき。あの人、ベルトを息子の首に巻いて、引っぱって……", "strangling"),
        # dg086: found hanging; di126: fell and does not move.
        ("息子が、部屋で、首を、首をつってて……いま下ろした、下ろしました……", "unconscious"),
        ("娘さんを床に投げ付けたんです。窓から見たら娘さん床に倒れたまま動かない", "unconscious"),
        # dn004 and its ASR twin dn133: Kyushu よか closing a death wish is no question.
        ("息子が『おいはもう死んだほうがよか』ち言うとです。中学一年です。", "child_suicidal"),
        ("息子が老いはもう死んだ方が良かち言うとです中学1年です", "child_suicidal"),
    ],
)
def test_severe_acts_told_in_one_turn(sheet_of: Sheet, text: str, severe: str) -> None:
    assert severe in sheet_of(("caller", text)).severe


def test_written_words_asked_about_are_still_the_childs(sheet_of: Sheet) -> None:
    # be027: 『生まれてこなきゃよかった』って書いてあって、本人に聞いたら is the child's.
    sheet = sheet_of(
        (
            "caller",
            "ノートの端に『生まれてこなきゃよかった』って書いてあって、本人に聞いたら、『もう死んでもいい』って",
        )
    )
    assert "child_suicidal" in sheet.severe


def test_a_husbands_temper_is_no_missed_appointment(sheet_of: Sheet) -> None:
    # cy069: 主人がキレ reads close to 受診が途切れ; the pattern is exact.
    sheet = sheet_of(("caller", "主人がキレると、子どもの前でも壁を殴って穴をあけたりするんです"))
    assert sheet.item("serious_harm").state == "未確認"


def test_a_what_if_denied_stays_a_what_if(sheet_of: Sheet) -> None:
    sheet = sheet_of(
        ("caller", "もし首を絞められたら、どうしたらいいですか"),
        ("handler", "実際にあったことかな"),
        ("caller", "ううん、ないよ。心配なだけ"),
    )
    assert not sheet.severe


@pytest.mark.parametrize(
    "text",
    [
        "さっきから、この子抱っこしてベランダから飛び降りたら楽になるかなって、そればっかり考えてて。",
        "息子の泣き声を聞いてると、首を絞めたくなるんです。本気でやりそうで、自分が怖い。",  # dk047
    ],
)
def test_a_carers_urge_is_a_carer_who_might_kill(sheet_of: Sheet, text: str) -> None:
    assert "parent_might_kill" in sheet_of(("caller", text)).item("urgent_situation").subitems


def test_a_dialect_negation_does_not_hide_a_strangling_told(sheet_of: Sheet) -> None:
    assert "strangling" in sheet_of(("caller", "首を絞められとったんよ")).severe


def test_an_evasive_answer_leaves_a_what_if_pictured(sheet_of: Sheet) -> None:
    sheet = sheet_of(
        ("caller", "もし、親が子どもの首をぎゅってやったら、それって虐待になるんですか。"),
        ("handler", "お子さんに、そういうことがあったんですか。"),
        ("caller", "ちょっと気になって。"),
    )
    assert not sheet.severe


def test_a_strangers_invitation_to_run_away_is_no_behaviour_of_the_childs(sheet_of: Sheet) -> None:
    # samples/online-contact: once 「ゲームで知り合った」 was no longer a story heard, its 家出
    # read as the child's running away.
    sheet = sheet_of(
        (
            "caller",
            "ゲームで知り合ったと。娘のスマホに、家出しておいで、泊めてあげる、と書いてありました。",
        )
    )
    assert sheet.item("environment").state == "未確認"


def test_a_question_ending_in_yokatta_is_still_asked(sheet_of: Sheet) -> None:
    assert not sheet_of(("caller", "死んだほうがよかった？")).severe
