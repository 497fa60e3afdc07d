"""The sheet of a call on what the sixteenth session's blind sets showed, and on what the
sets before them left.

Each case that expects a box ticked failed before the change it names; the cases that expect
the opposite beside them guard against first versions of those changes that went too far.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from consult_assist.knowledge.acts import acts_of
from consult_assist.risk.sheet import Assessment

Sheet = Callable[..., Assessment]
Ticked = Callable[[str], set[str]]


def test_a_tohoku_no_reaction_told_is_unconscious(sheet_of: Sheet) -> None:
    # dn008: 「なんも反応ねぇの」 is nothing, told; it was read as 「何」 asking.
    sheet = sheet_of(
        ("caller", "孫が朝っから起きねぇのっす。揺すっても、ぐでーっとして、なんも反応ねぇの。")
    )
    assert "unconscious" in sheet.severe


def test_a_child_whom_mama_acts_on_owns_her_wish_to_vanish(sheet_of: Sheet) -> None:
    # cw024: a caller whom ママ dislikes is the child; her 「きえたい」 is hers, not a carer's.
    sheet = sheet_of(
        (
            "caller",
            "あのね、あかちゃんがきてから、ママがわたしのこときらいなの。わたし、もうきえたい。",
        )
    )
    assert "child_suicidal" in sheet.severe
    assert "parent_psychiatric_crisis" not in sheet.item("parent_factors").subitems


def test_a_mother_speaking_of_her_own_mother_is_still_the_carer(sheet_of: Sheet) -> None:
    sheet = sheet_of(("caller", "実家の母が私のことを責めてばかりで、もう私、死にたいんです。"))
    assert not sheet.severe
    assert "parent_psychiatric_crisis" in sheet.item("parent_factors").subitems


def test_a_what_if_owned_with_what_was_checked_is_the_childs(sheet_of: Sheet) -> None:
    # dk042: the yes comes with 「…開いてるか、見に行った」, which was read as a question.
    sheet = sheet_of(
        ("caller", "もし、自殺したいって子から電話があったら、ここって話聞いてくれるんですか。"),
        ("handler", "聞きますよ。今、あなたがそう思ってるのかな。"),
        ("caller", "……うん。今日、屋上の鍵が開いてるか、見に行った。"),
    )
    assert "child_suicidal" in sheet.severe


def test_a_fathers_what_to_say_leaves_his_daughters_wish_told(sheet_of: Sheet) -> None:
    # df116 (ASR): 「…もうしにたいって俺何て言ってやればいいのか」 read as one question.
    sheet = sheet_of(
        (
            "caller",
            "あの娘のことで小4なんですけど昨日の夜布団被ってもうしにたいって"
            "俺何て言ってやればいいのか分かんなくて",
        )
    )
    assert "child_suicidal" in sheet.severe


def test_how_the_neck_was_done_told_by_a_young_child_is_strangling(sheet_of: Sheet) -> None:
    # dq012
    sheet = sheet_of(
        ("handler", "首のところ、どうされたのかな。"),
        ("caller", "りょうほうのてで、ぎゅって。せなかが、ドアにくっついてて、にげれなかった。"),
    )
    assert sheet.severe == ("strangling",)


@pytest.mark.parametrize(
    ("turns", "severe"),
    [
        # dq008: a small child's hiragana 「うごかない」 after shaking.
        (
            (
                ("handler", "妹さんは、いま、目をあけてる？"),
                ("caller", "あけてない……。ゆすっても、うごかないの。ねえ、どうしよう。"),
            ),
            "unconscious",
        ),
        # dq016: water up the nose, and the head pushed, told in a child's words.
        (
            (
                ("handler", "お風呂で、こわいこと、あったのかな。"),
                (
                    "caller",
                    "うん。おみずが、はなに、はいって、くるしかった。ママが、あたま、ぐって、おしたの。",
                ),
            ),
            "drowning",
        ),
        # dq017: a face put in a pond.
        (
            (
                (
                    "caller",
                    "いけにね、おとうさんが、わたしのかお、つけたの。いうこときかないからって。",
                ),
            ),
            "drowning",
        ),
    ],
)
def test_severe_acts_in_a_young_childs_words(
    sheet_of: Sheet, turns: tuple[tuple[str, str], ...], severe: str
) -> None:
    assert severe in sheet_of(*turns).severe


def test_a_swimming_coach_pushing_a_head_under_is_no_drowning(sheet_of: Sheet) -> None:
    sheet = sheet_of(
        (
            "caller",
            "プールでおみずがはなにはいってくるしかった。コーチがあたまをおしてもぐるれんしゅう",
        )
    )
    assert not sheet.severe


@pytest.mark.parametrize(
    ("text", "severe"),
    [
        # ds018, ds005: 「…から聞いた話」 from the child, or through the caller's own child, is
        # no story going round.
        (
            "中一の女子生徒から聞いた話です。『水を張った洗面器に、母に顔をつけられて、"
            "息が続かなくて溺れるかと思った』と。",
            "drowning",
        ),
        (
            "うちの娘から聞いた話なんですけど、同じクラスのミキちゃんが休み時間に、"
            "『またお父さんに叩かれた。もう死んじゃいたい』って娘に言ったらしいんです。",
            "child_suicidal",
        ),
        # ds011: 「ぼくの首もやったの」 after the mother's neck.
        (
            "娘が保育園の先生から聞いた話なんですけどね、孫が先生に、『パパがママの首しめてたの。"
            "そのあと、ぼくの首もやったの』って言ったって。",
            "strangling",
        ),
        # ds089: who said it is put right, the words stand.
        (
            "あ、訂正します。『死にたい』って言ったのは娘じゃなくて、孫本人です。"
            "孫が私に直接LINEで送ってきたんです。",
            "child_suicidal",
        ),
        # dt014: words the child said to the caller are the child's.
        (
            "中二の娘に、私が毎日怒鳴り散らしてるもんだから、昨日『ママといると死にたくなる』"
            "って言われたんです。",
            "child_suicidal",
        ),
    ],
)
def test_severe_words_passed_on_and_put_right(sheet_of: Sheet, text: str, severe: str) -> None:
    assert severe in sheet_of(("caller", text)).severe


@pytest.mark.parametrize(
    "text",
    [
        "ママ友から聞いた話なんですけど、よその子が『死にたい』って言ってるらしくて。",
        "死にたいって言ったけど、ごめんなさい、違うんです。言い過ぎました。",
    ],
)
def test_a_story_going_round_and_words_taken_back_stay_nothing(sheet_of: Sheet, text: str) -> None:
    assert not sheet_of(("caller", text)).severe


def test_a_carer_who_owns_up_to_holding_under_is_drowning(sheet_of: Sheet) -> None:
    # dt008: 「……沈めました。一瞬だけです、浴槽に。」
    sheet = sheet_of(
        ("handler", "お風呂のときに、何かありましたか。"),
        ("caller", "……沈めました。一瞬だけです、浴槽に。泣きやませたくて。"),
    )
    assert sheet.severe == ("drowning",)
    assert not sheet_of(("caller", "おもちゃを沈めました、お風呂に。")).severe


def test_a_husbands_words_said_to_the_caller_are_no_childs(sheet_of: Sheet) -> None:
    assert not sheet_of(("caller", "夫に『お前なんか死ねばいい』って言われたんです。")).severe


@pytest.mark.parametrize(
    "text",
    [
        # dp098, dp102: northern こと denied (ごど、ねがった; ごどねぇ).
        "首絞めだなんてごど、ねがったっちゃ。ほんとに。",
        "死にてぇなんて、あの子、いっぺんも言ったごどねぇ。",
        # dp122: 言ったけんど … 寝でただげ, put right in Tohoku words.
        "ぐったりしてるって言ったけんど、寝でただげだった。今、起ぎで飯っこ食ってる。",
        # du122: 「…って、さっき言ったんですけど、いや、寝てただけでした」
        "あ、ぐったりしてるって、さっき言ったんですけど、いや、寝てただけでした、今、起きて。",
        # dq107: the neck denied, the arm squeezed.
        "くびは、されてない。ぎゅーってされたの、うでだけ。ひっぱられたの。",
        # dq108: 「とかじゃ、ないよ」 with a pause in it.
        "しにたいとかじゃ、ないよ。ただ、さみしいだけ。",
        # ds091
        "首をしめたなんてこと、娘は絶対にしてません。孫に聞いても、『そんなことされてない』って。",
        # ds114: what was heard, heard wrong.
        "すみません、『お風呂に沈められた』っていうのは私の聞き間違いで、本人は『お風呂で寝ちゃって、"
        "沈みそうになった』って言ってたそうです。",
    ],
)
def test_severe_words_denied_or_put_right_are_no_severe_act(sheet_of: Sheet, text: str) -> None:
    assert not sheet_of(("caller", text)).severe


@pytest.mark.parametrize(
    "text",
    [
        "『お風呂に沈められた』っていうのは、本当です。",
        "首絞めだなんて、そんな言い方じゃ足りない。毎晩首を絞められてるの。",
    ],
)
def test_severe_words_not_denied_stay(sheet_of: Sheet, text: str) -> None:
    assert sheet_of(("caller", text)).severe


@pytest.mark.parametrize(
    ("text", "subitem"),
    [
        # dp056: Yamagata 「…あんだず」 asserts; its ず is no denial.
        (
            "背中さ、新しい青あざど、黄色ぐなった古いあざが混ざってあんだず。",
            "old_and_new_injuries",
        ),
        # dp062: Tohoku 叩がれ is 叩かれ.
        ("毎日叩がれでんの。学校から帰っと、毎日だっちゃ。", "habitual_abuse"),
        # A carer who sees no abuse in it (dt027, du061, du091, dq064, ds036).
        ("ちょっと叩いただけなんですよ。どこの親だってやるでしょう。", "parent_denies_abuse"),
        (
            "夫はですね、虐待なんかしてない、口で言ってもわかんないから、手が出るだけだって。",
            "parent_denies_abuse",
        ),
        ("夫は、反省させてただけだって。", "parent_denies_abuse"),
        ("ママ、あんたが、わるいから、たたくんだよって。", "parent_denies_abuse"),
        ("嫁に聞いたら、『熱いシャワーでお仕置きしただけです』って。", "parent_denies_abuse"),
        # A parent's psychotic symptoms (dq067, ds058, du062).
        (
            "ママがね、へんなの。だれもいないのに、だれかと、おはなし、してるの。",
            "parent_psychiatric_crisis",
        ),
        (
            "義理の姉が、『電波で監視されてる』って、夜中に子どもを起こすんです。",
            "parent_psychiatric_crisis",
        ),
        (
            "妻が、子どもが悪魔に乗っ取られてるって、お祓いしなきゃって。",
            "parent_psychiatric_crisis",
        ),
    ],
)
def test_recurrence_and_parent_boxes_in_the_new_sets_words(
    ticked: Ticked, text: str, subitem: str
) -> None:
    assert subitem in ticked(text)


def test_a_punishment_named_is_no_denial(sheet_of: Sheet) -> None:
    # cx037: 「お仕置きとして…入れさせられた」 tells what was done, it does not excuse it.
    sheet = sheet_of(
        ("caller", "本人の話では、お仕置きとして母親に熱いお湯へ足を入れさせられたそうです。")
    )
    assert "parent_denies_abuse" not in sheet.item("recurrence").subitems


def test_a_yamagata_zu_does_not_end_a_real_denial() -> None:
    assert acts_of("行かないんだず").main().negated
    assert not acts_of("混ざってあんだず。").main().negated


@pytest.mark.parametrize(
    ("text", "subitem"),
    [
        # A young child's words (dq054, dq056, dq034, dq035, dq025, dq072, dq100).
        (
            "パパがね、よる、おまたに、いれてくるの。いたいって、いっても、やめてくれない。",
            "sexual_abuse_contact",
        ),
        ("……おまたの、なか。おじさんの、ゆび。", "sexual_abuse_contact"),
        ("あついおゆ、かけられた。ママに。みずぶくれ、できたの。", "burn"),
        (
            "ごはん、ない。きのうも、おとといも、なんにも、たべてない。おみずだけ。",
            "severe_neglect",
        ),
        (
            "ママのかれしがね、おまたのとこ、みせてって、いうの。ないしょにしてって。",
            "sexual_abuse_suspected",
        ),
        ("がっこうでね、だれとも、しゃべらないの。しゃべれないの。ずっと。", "child_withdrawn"),
        (
            "また、おひっこし、なの。ことし、3かいめ。がっこうも、また、かわる。",
            "unstable_household",
        ),
        # Northern words (dp020, dp023, dp086, dp091).
        ("おら、もう家さ帰りだぐねぇ。今夜どっか泊めでけねぇすか。", "child_requests_protection"),
        (
            "わ、もう限界だ。この子ば、しばらぐそっちで預がってけねべが。",
            "parent_requests_protection",
        ),
        ("頼れる人、だれもいねぇ。親どは縁切ってるし。", "social_isolation"),
        ("この一年で三回も引っ越ししてんだ。", "unstable_household"),
        # Others (ds067, dr068, dt038).
        (
            "頭のてっぺんに十円玉くらいのハゲができていて、本人は『家がこわい』って。",
            "child_physical_symptoms",
        ),
        (
            "ガラスの割れる音がして、奥さんの『やめて、殴らないで』って声がしたんです。",
            "domestic_violence",
        ),
        ("アイロンが、二歳の子の手の甲に……。当たったんじゃなくて、私が当てたんです。", "burn"),
    ],
)
def test_boxes_in_childrens_northern_and_other_new_words(
    ticked: Ticked, text: str, subitem: str
) -> None:
    assert subitem in ticked(text)


@pytest.mark.parametrize(
    ("text", "subitem"),
    [
        # y033, cr06: one day without food is not yet severe neglect.
        ("ごはん、きのうからなんにも食べてない。お母さん、帰ってこないの。", "severe_neglect"),
        # ao074: pointing at, not touching inside.
        (
            "パパがここさわるの、ないしょなの、って、お股のところを指さして。",
            "sexual_abuse_contact",
        ),
        # bx164: a carer who speaks to nobody is alone, not a withdrawn child.
        ("昼間はずっと子どもと二人きりで、誰とも口きかない日もあって。", "child_withdrawn"),
    ],
)
def test_near_words_that_are_not_those_boxes(ticked: Ticked, text: str, subitem: str) -> None:
    assert subitem not in ticked(text)


@pytest.mark.parametrize(
    ("turns", "severe"),
    [
        # dv001: what an angry parent's question takes as given is told.
        (
            (
                (
                    "caller",
                    "おい、うちの娘返せよ。学校で『死にたい』ってノートに書いたくらいで一時保護って、"
                    "頭おかしいんじゃねえのか。",
                ),
            ),
            "child_suicidal",
        ),
        # dv013
        (
            (
                ("handler", "お風呂でのことを、もう少し教えてもらえますか。"),
                (
                    "caller",
                    "だから、潜ってろって頭を押さえたんだよ。十秒くらい。溺れるほどじゃねえって。",
                ),
            ),
            "drowning",
        ),
        # dv100: who did it put right; the act stands.
        (
            (
                (
                    "caller",
                    "娘じゃねえ、息子の方だよ、首絞められたのは。……いや、やったのは俺じゃなくて嫁だ。",
                ),
            ),
            "strangling",
        ),
        # dw012, dw013, ea012
        (
            (("caller", "外泊から戻った子が、息が浅くて、呼びかけても返事がありません。"),),
            "unconscious",
        ),
        (
            (
                (
                    "caller",
                    "お義兄さんに突き飛ばされて頭を打って、しばらく動かんようになっとったって。",
                ),
            ),
            "unconscious",
        ),
        (
            (
                (
                    "caller",
                    "隣の小1の男の子が、廊下で倒れてて、息はしてるけど、声かけても全然起きないの。",
                ),
            ),
            "unconscious",
        ),
        # dy098: not the mouth only, the nose too.
        (
            (("caller", "訂正します。お母さんが押さえていたのは口だけじゃなくて、鼻もです。"),),
            "strangling",
        ),
        # dz012: 「くび。りょうてで。」 in answer to what was done.
        ((("handler", "ママに、何されたの？"), ("caller", "くび。りょうてで。")), "strangling"),
        # dz009: another act named in answer about the neck.
        ((("handler", "首、さわられた？"), ("caller", "……しめられた。")), "strangling"),
        # dx004
        (
            (
                (
                    "caller",
                    "いとこの中三の子が、ビルの屋上から配信してて、『今から飛ぶ、さよなら』って。",
                ),
            ),
            "child_suicidal",
        ),
        # dx013: found on the net is no story heard there.
        (
            (
                (
                    "caller",
                    "夫が娘の自撮りをネットで見つけて、逆上して、娘の首を両手で絞めたんです。",
                ),
            ),
            "strangling",
        ),
    ],
)
def test_severe_acts_in_the_second_rounds_words(
    sheet_of: Sheet, turns: tuple[tuple[str, str], ...], severe: str
) -> None:
    assert severe in sheet_of(*turns).severe


@pytest.mark.parametrize(
    "turns",
    [
        (("caller", "意識がないって言ったのは犬のこと！子どもじゃないわよ、聞き間違えないで。"),),
        (("caller", "『死にたい』って言ってたのは、あいつの同級生の話だよ。うちの子じゃねえ。"),),
        (("caller", "昨日、あいつの首根っこつかんでる自分がいて……何してまうかわからんのです。"),),
        (
            (
                "caller",
                "里親仲間の家の子が、前の家でお風呂に沈められてたって聞いて、ぞっとしました。",
            ),
        ),
        (("caller", "施設の別の子が、去年『死にたい』って言ってたことがあって……"),),
        (
            (
                "caller",
                "私、自分の薬と娘の薬、どっちを飲ませたかも覚えてないんです。死にたいって、毎日思ってます。",
            ),
        ),
        (("caller", "インスリンを打ち忘れたら意識がなくなることもあるって先生に言われて。"),),
        (
            (
                "caller",
                "さっき「ぐったり」って言ったのは、言い方が悪かったです。寝起きでぼーっとしてただけで。",
            ),
        ),
        (("caller", "お風呂で沈めたりなんて、してないです。うちは、シャワーだけですもん。"),),
        (
            (
                "caller",
                "娘の腕に切った跡があって、写真を裏垢に上げてるんです。死にたいとかは書いてないんですけど。",
            ),
        ),
        (("caller", "明日からスキー。今から飛ぶ練習"),),
        (("caller", "赤ちゃんの首を両手で支えて、お風呂に入れてます。"),),
        ((("handler", "首、さわられた？"), ("caller", "なでられた。"))),
        # ch076: a what-if with だけで stays a what-if.
        (("caller", "もしお母さんが入院したら、ぼくと弟だけで家にいることになるのかな"),),
    ],
)
def test_near_words_in_the_second_round_are_no_severe_act(
    sheet_of: Sheet, turns: tuple[tuple[str, str], ...]
) -> None:
    sheet = sheet_of(*turns)
    assert not sheet.severe
    assert "no_adult_at_home" not in sheet.item("likely_serious_harm").subitems


@pytest.mark.parametrize(
    ("turns", "severe"),
    [
        # ed006: 「ゲームで負けたとき」 says when, it is no story from a game.
        (
            (
                ("handler", "お兄ちゃんに、首をしめられたりしたことはある？"),
                ("caller", "……ある。ゲームで負けたとき。苦しくて、目の前が白くなった。"),
            ),
            "strangling",
        ),
        # ed008, eg006, ee013
        (
            (("caller", "お姉ちゃんがね、お風呂でわたしの頭をお湯の中に入れて、十まで数えるの。"),),
            "drowning",
        ),
        (
            (("caller", "気がついたら娘の首に両手かけてました。すぐ離したんですけど。"),),
            "strangling",
        ),
        (
            (
                (
                    "caller",
                    "嫁が、手のひらで、口と鼻を、いっしょに、こう、ふさいでしまうことがあるようで。",
                ),
            ),
            "strangling",
        ),
        # ee007: 「呼んでも、返事をしないんでございます」
        (
            (
                (
                    "caller",
                    "頭をぶつけたんです。ぼうっとしておりまして、呼んでも、返事をしないんでございます。",
                ),
            ),
            "unconscious",
        ),
        # ef010: Kansai 「目ぇ開けへんねん」
        (
            (
                (
                    "caller",
                    "赤ちゃんがな、泣きやまへんから、ガーッて揺すってしもて…ほんなら目ぇ開けへんねん、今。",
                ),
            ),
            "unconscious",
        ),
        # ee001: words the grandchild said to the caller alone.
        (
            (
                (
                    "caller",
                    "孫が、小学五年の女の子なんですが、先日うちに泊まりに来ました折に、わたくしにだけ、"
                    "『消えてしまいたい』と、ぽつりと申しまして",
                ),
            ),
            "child_suicidal",
        ),
        # ee005
        (
            (
                (
                    "caller",
                    "『先生、死んだおばあちゃんのところに早く行きたい』と申しましてね。"
                    "どういう意味かと聞きましたら、『もう生きているのが嫌だから』と。",
                ),
            ),
            "child_suicidal",
        ),
    ],
)
def test_severe_acts_in_the_third_rounds_words(
    sheet_of: Sheet, turns: tuple[tuple[str, str], ...], severe: str
) -> None:
    assert severe in sheet_of(*turns).severe


@pytest.mark.parametrize(
    "text",
    [
        "娘が死にたいなどと申したことは、これまで一度もございません。",
        "お風呂で沈めるなどということは、いたしておりません。",
        "ぐったりしている、というわけではございません。今は、すやすや眠っております。",
        "新聞に、母親が子どもを風呂で溺れさせたという記事がございましたでしょう。",
        "ぐったりしていた、と先ほど申しましたが、言い方が悪うございました。眠ってしまっただけで。",
        "うちな、もう死にたいねん。子どもおるのに、こんなこと思たらあかんのに。",
        "風呂に沈めたりは、しちょらんど。そげんこつ、すっはずがなか。",
        "死にたいとか、そがんこつはあの子は言うとらんです。元気にしとります。",
        "ぐったりしとる…あ、ちゃうちゃう、寝とっただけや。今起きてジュース飲んどるわ。",
        "死にたいち言うたと思ったとですけど、聞き直したら『しんどい』ち言うとったとです。",
        "しにたい、いうのは、うそじゃ。ゲームで負けたけぇ、言うてみただけじゃ。",
        # ap10: a withdrawn child is no unconscious one.
        "担任が声をかけても返事をしない状態が続いております。",
        # the river: an accident told is no act (ch108 and others).
        "川で遊んでて、溺れかけたことがあって、それから水が怖いみたいで。",
    ],
)
def test_third_round_words_that_are_no_severe_act(sheet_of: Sheet, text: str) -> None:
    assert not sheet_of(("caller", text)).severe


def test_a_lie_in_hiroshima_words_and_no_lie_in_standard_ones(sheet_of: Sheet) -> None:
    assert sheet_of(("caller", "死にたいって言ったの、うそじゃないです。")).severe


def test_an_aside_that_only_names_a_fee_leaves_no_child_alone(sheet_of: Sheet) -> None:
    # eg085: 「保育料のことだけで」 read near 子どもだけで, after a handler's question.
    sheet = sheet_of(
        ("handler", "ご主人は、お子さんに手をあげることはありますか。"),
        ("caller", "……ちょっと、その話はまた今度で。今日は保育料のことだけで。"),
    )
    assert sheet.item("likely_serious_harm").state == "未確認"
