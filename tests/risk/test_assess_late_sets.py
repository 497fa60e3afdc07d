"""The sheet of a call on what the twentieth to forty-seventh blind sets showed: phrasings it
missed, and everyday words it ticked.

Each case failed before the change it names (manuals/risk.toml, the slot extractor, or the
clause a question tells first in risk/assess.py).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from consult_assist.risk.sheet import Assessment

Sheet = Callable[..., Assessment]


def _state(sheet: Assessment, item: str) -> str:
    return sheet.item(item).state


@pytest.mark.parametrize(
    ("text", "severe"),
    [
        # the twenty-second and twenty-third sets
        ("下の子が泣きやまなくて、気づいたら、わたし、口を手でふさいでて…", "strangling"),
        ("姪からLINEが来て、『もう死ぬから、今までありがとう』って", "child_suicidal"),
        ("息子が欲槽に顔を静められたって言うんです", "drowning"),  # 浴槽 misheard
        # the twenty-fourth and twenty-fifth sets
        ("…された。片手で、のど、ぐって。声出なくなって、苦しくて", "strangling"),
        ("のどのとこ、両手で押さえつけられて、苦しかった", "strangling"),
        ("年長の男の子がママにお風呂で覚えさせられたって", "drowning"),  # 溺れさせ misheard
        ("息、してるけど、なんか変な音で…目があかない", "unconscious"),
        # the twenty-sixth and twenty-seventh sets
        ("隣の奥さんが、赤ちゃんの口と鼻を手で覆って『静かにしろ』って", "strangling"),
        ("お母さんの彼氏に首両手で抑えつけられて。苦しくて声も出なかった", "strangling"),
        (
            "首のまわりに指の跡みたいな赤い線がぐるっとあって、本人に聞いたら"
            "『お兄ちゃんじゃなくて、お父さんに絞められた』って",
            "strangling",
        ),
        ("きのう パパにね 区備をぎゅってされて 生きができなかった", "strangling"),  # 首, 息
        # the twenty-eighth and twenty-ninth sets
        ("…お母さんに、浴槽に顔つっこまれて、何秒も上げてもらえなかった", "drowning"),
        ("お風呂のとき頭をぐっておさえつけられてお湯の中に鎮められたの", "drowning"),
        ("いま、マンションの屋上にいて……ここから落ちたら、楽になれるかなって", "child_suicidal"),
        ("今マンションの奥上にいて。ここから落ちたら。楽になれるかなって", "child_suicidal"),
        ("ベランダ越しに見たら ぐったりして全然うご かないんです", "unconscious"),
        # the thirty-sixth and thirty-seventh sets
        ("ママが、ぼくの頭をお湯にいれて、出してくれなかった。ごぼごぼってなった", "drowning"),
        ("母親に罰だって水を貼った洗面器に顔を付き込まれたって何十秒も", "drowning"),  # 突き込まれ
        ("お風呂でお父さんに顔をお湯の中に おさえつけられたって 無きながら", "drowning"),  # 泣き
        ("夫が泣きやまない息子の口を手で防いで息が出来ないように抑えてたんです", "strangling"),
        # the thirty-fourth and thirty-fifth sets
        (
            "隣の奥さんがね、男の子の顔に枕を押し付けてるのを、ベランダ越しに見ちゃったんです",
            "strangling",
        ),
        (
            "お風呂で、言うこと聞かないから、頭を湯船に、つけて…何秒か、押さえてしまいました",
            "drowning",
        ),
        # the thirty-eighth to forty-seventh sets: dialect, a child's telling, the parts of it
        ("お風呂で、お父さんが頭をおさえて、お湯の中で、息ができんかったって。", "drowning"),
        ("お兄ちゃんがね、おとうさんに、くび、ぐーってされてたの。", "strangling"),
        ("甥っ子が布団でぐったりしてて名前呼んでも目ぇ開けへんのですどないしたら", "unconscious"),
        ("孫がな電話口でばあちゃんおらもう市に手えって言うのっす", "child_suicidal"),  # 死にてえ
        (
            "あのね、ママがね、おふろでね、あたまをね、ぐって、おゆのなかにいれてね、"
            "ぶくぶくってなって、くるしかったの",
            "drowning",
        ),
        ("バケツの水に顔ぐいーって押しこまれて、おぼれるかと思た、って。", "drowning"),
        ("ここ、のどのとこ、りょうほうの おてて で ぎゅうーって。いき すえなくて", "strangling"),
        ("孫があの頭打ったあとからなんか目へ開けへんのです", "unconscious"),
        (
            "うちで預かってる子なんですけど、名前を呼んでも、肩をたたいても、へんじしないんです。",
            "unconscious",
        ),
        (
            "その子がね先生お風呂でね頭をぎゅーってお水の中に居れられるのぶくぶくってなるのって",
            "drowning",
        ),
        ("夜中にごぼごぼって水の音がしてお父さんの声でもう一回静めるぞって", "drowning"),
        ("もう、うち、おらんほうがええねん。しんだらええんやろ", "child_suicidal"),
        (
            "ママがね、しにたいって…あ、ちがう、ママじゃなくて、わたしが。"
            "わたしが、もう しにたいの",
            "child_suicidal",
        ),
        (
            "夫が、しつけだって言って、水をはった洗面器に娘の顔を押し込んで…数えてるんです、十まで",
            "drowning",
        ),
        (
            "おっと、こども、おふろ、あたま、みずのなか、いれました。なんかいも。こども、せきして",
            "drowning",
        ),
        ("目がうつろで、返事しないんです、二歳の子が。夫が、壁に、投げたって", "unconscious"),
        ("主人が、中二の息子の首に両手をかけて、壁にぐいぐい押しつけてたんです。", "strangling"),
        (
            "首のまわりにぐるっと赤い線があって、本人に聞いたら、お母さんにタオルでやられたって",
            "strangling",
        ),
        ("お風呂で、水を張った中に頭ごと、沈めるっていうか、そういうのを夫が", "drowning"),
        (
            "いもうとが、おかあさんにけられて、ばたーんってたおれて、そっから、ぴくりともしないの。",
            "unconscious",
        ),
        ("娘が手首を切ってて、『死ねなかった』って、笑いながら言うんです", "child_suicidal"),
        ("もう市にたいいなくなり", "child_suicidal"),  # いなくなりたい denies nothing before it
        (
            "ママの彼氏が、うるさいって、まくらで顔ぎゅって押さえつけてきて、息、できなくて",
            "strangling",
        ),
        ("ママが、お風呂で、あたまをおさえてきて、ぶくぶくって、水の中に…で、もう無理", "drowning"),
        (
            "消えたいっていうか、なんか、朝になんなきゃいいのにって、ずっと思ってて",
            "child_suicidal",
        ),
        ("せんめんきに、かお、いれられて、ごぼごぼって。ママ、かぞえてた。", "drowning"),
        ("ずっと目ぇ閉じたまんまで、つねっても動かへん", "unconscious"),
        (
            "息子によく聞いたら、おじさんが頭を押さえつけて、水の中に顔を何回も突っ込まれたって。",
            "drowning",
        ),
        (
            "転んで頭打っただけって言うんですけど、弟、ゆすってもなんも言わないし、目もあけないの。",
            "unconscious",
        ),
        (
            "娘が言うんです、お父さんに口をてのひらでふさがれて、苦しくて声が出なかったって",
            "strangling",
        ),
        (
            "うちの子、中1なんですけど、夜中に『もう死ぬ、飛び降りる』ってベランダに出ようとして",
            "child_suicidal",
        ),
        (
            "おふろでね、ママがあたまをおさえて、おゆのなかにジャボンってするの。ゴボゴボってなる",
            "drowning",
        ),
        ("プロレスごっこって最初は言ってたんですけど、お父さんに首をキュッてされて", "strangling"),
        (
            "孫がねママの彼氏に野土ぎゅーってされたってくるしかったって言うのよ",
            "strangling",
        ),  # のど
        ("おかあさんがね 組のとこ りょうてでぎゅってしたの くるしかった", "strangling"),  # 首
        # The fifty-sixth set (eighth session):
        (
            "えっと、あの、首を、その、なんていうか、両手で、こう、ぐっと……娘が、くるしいって、"
            "足バタバタさせて、それで、はっとして手を離して",
            "strangling",
        ),
        ("孫が言うにはね、枕を顔にかぶせられて、上から押さえつけられたって", "strangling"),
        ("おふろでね、ママがあたまをおしてね、ぶくぶくってなったの", "drowning"),
        (
            "うちの旦那が、息子の頭を上から押さえつけて、潜らせたまま離さへんかったんです",
            "drowning",
        ),
        ("昨日の夜、旦那に揺さぶられて、しばらく意識が飛んでたんです、うちの娘", "unconscious"),
        ("孫がな、『ばあちゃん、ぼく死んだほうがええんやろ』て言うてん", "child_suicidal"),
        # The fifty-eighth and fifty-ninth sets (eighth session):
        (
            "今朝、その子の首の両側に、指の形みたいな赤い跡がありまして。本人に聞いたら"
            "『おかあさんにぐってされた』と",
            "strangling",
        ),
        ("みずのなかに かお いれられて くるしかった もうやだ", "drowning"),
        ("ぼく、しんだほうがいいのかな。ぼくがいると、ママおこるから。", "child_suicidal"),
        # The sixtieth set (ninth session: regional dialects):
        ("さっきから、なんぼ揺すっても起きらんとです、下の子が", "unconscious"),
        ("妹がな、ゴンってなって、ほんで起きんのや、呼んでも", "unconscious"),
        ("ばったーんって倒れてから、おきへんねん", "unconscious"),
        ("孫がよ、朝がら動がねぇのよ", "unconscious"),
        ("名前を呼んでも、なーんもしゃべらんのです", "unconscious"),
        ("たらいにお湯ば張って、そこに頭ば押し込まれよったげな", "drowning"),
        ("川ば見てね、『ここに飛び込んだら、もう怒られんですむね』って", "child_suicidal"),
        ("孫がな、生きとってもしゃあないって言うんじゃ", "child_suicidal"),
        ("うちの子、『ぼくなんかいなくなればいいさー』って毎晩言うわけ", "child_suicidal"),
        ("もう、うちなんか、おらんようになりたいねん", "child_suicidal"),
        ("ばあちゃん、わし市んだほうがええんじゃろ", "child_suicidal"),  # 死んだ
        ("もうきえて島いたいっちゃん", "child_suicidal"),  # 消えてしまいたい
        # The sixty-first set (ninth session: whole calls), as the recognizer wrote it:
        ("赤ちゃんがさっきからグニャッとして、泣きもしない", "unconscious"),
        ("上の子がね、組をぎゅうって両手でされたって", "strangling"),  # 首
        ("口の所、手で防がれて苦しかった", "strangling"),  # 塞がれて
        ("僕もういなくなっちゃい体", "child_suicidal"),  # いなくなっちゃいたい
        # The sixty-second set (ninth session: the telephone at night):
        ("いま、壁の向こうで、子どもが『くび、しめないで』って泣いてるんです", "strangling"),
        ("ゆぶねに、かお、つけられて…ぷはってなった", "drowning"),
        ("もう死んでもええねん。うちなんかおらんほうが、みんな楽やろ", "child_suicidal"),
        ("友だちから『いまから飛び降りる』ってLINEが来て", "child_suicidal"),
        ("最近、学校の屋上ばっかり見ちゃうんです", "child_suicidal"),
        (
            "夫が息子の首を、その、絞めたっていうか、壁に押さえつけて、顔が真っ赤になって",
            "strangling",
        ),
        ("娘が電話で、弟がグッタして、うごかんって", "unconscious"),  # ぐったり
        ("保健室に運んで、呼んでも半のうがなくて", "unconscious"),  # 反応
        ("ねえ、もしまた、くびしめられたら、どうしたらいい？", "strangling"),
        # The sixty-fourth and sixty-fifth sets (ninth session: an ordinary week; children and
        # teenagers)
        ("夫が、娘が泣きやまないからって、湯船に顔をつけて、何秒もおさえてたんです", "drowning"),
        ("頭つかまれて洗面器の水にじゃぼって。三回。マジ無理", "drowning"),
        ("父親が入ってきて、頭つかまれて湯に突っ込まれた", "drowning"),
        ("首絞められたっていうか、タオルで、後ろから。部活のタオル", "strangling"),
        ("死にたみ深い。ガチで", "child_suicidal"),
        ("もう死んじゃい多い", "child_suicidal"),  # 死んじゃいたい
        ("殴られて気付いたら床だった。異識飛んでたっぽい", "unconscious"),  # 意識
        # The sixty-sixth and sixty-seventh sets (tenth session: families from abroad; a
        # plain day)
        ("お父さんが、妹の、首のところを、ちょっと押さえたって", "strangling"),
        ("お母さんは英語で『チョーク』って言ってます", "strangling"),
        ("かれ、まくら、ベイビーのかおに、のせて、おさえた。ノーブレス、すこし。", "strangling"),
        ("パパが国を閉めた 息が出来なかったって", "strangling"),  # 首を締めた
        ("旦那が娘ちゃんの野戸んとこ手でぐっとしめ世ったって", "strangling"),  # 喉, しめよった
        ("きのうのよるパパに区火をぎゅーってされたって", "strangling"),  # 首
        ("首に赤いあとがあって、お父さんが牛ってしたって", "strangling"),  # ぎゅってした
        ("夫は子どもの頭を不老の水に 押す", "drowning"),  # 風呂
        ("いもうと、たおれて、しばらく目、あかなかった", "unconscious"),
        ("目が半分しか開いてなくて、名前呼んでも、こっち見ないんです", "unconscious"),
        ("だらんとしてて…泣かないんです", "unconscious"),
        ("息子9歳 僕 死んだ法がいい 毎日言う", "child_suicidal"),  # 方
        # The sixty-eighth and sixty-ninth sets (tenth session: severe-heavy in everyday
        # words; a second plain day)
        ("あの男が孫の頭を押さえつけて、湯の中に何秒も。孫は水吐いとった", "drowning"),
        ("お兄ちゃんが、お父さんに殴られて、床で動かなくなったって", "unconscious"),
        ("三年生の子が窓から身を乗り出して、『ここから飛んだら死ねるかな』って", "child_suicidal"),
        ("ママにここ、ぎゅーってされたのって、自分の首を両手で押さえて見せたんです", "strangling"),
        ("おとうさんが、あたまをおさえて、ぶくぶくって…いきできなかった", "drowning"),
        ("主人がしつけだって言って、洗面器に水張って、娘の顔をつけるんです", "drowning"),
        ("いもうとが、おかあさんにたたかれて、ゆうがたから、へんじしない", "unconscious"),
        ("ママが 首 牛ってするのって自分の首を両手で押さえて見せたんです", "strangling"),
        ("お母さんがつい くっしょんを赤ちゃんの顔に押し付けたって", "strangling"),
        ("2歳の子がお人形を盥に鎮めて ママがこうするのって", "drowning"),
        ("赤ちゃんが布団の上で半応がなくて 呼吸も朝い感じで", "unconscious"),  # 反応, 浅い
        ("お父さんが頭をお冴えてぶくぶくって息できなかった", "drowning"),  # 押さえて
        # The seventieth and seventy-first sets (tenth session: the telephone path; whole
        # calls)
        (
            "クラスの友達が、LINEで『もう消えるね、いままでありがと』って送ってきて",
            "child_suicidal",
        ),
        ("リスカしてて、もう、ほんとに死のうかなって", "child_suicidal"),
        ("継父に、プールで頭押さえつけられて溺れかけた", "drowning"),
        ("保健室で休ませてた子が急に意識を失って、今救急車を待ってます", "unconscious"),
        ("ママがね、くびをぐぐーって、両手で。くるしくてゲホゲホなった", "strangling"),
        ("弟が、義理の父に、あの、首にひもみたいなの巻かれて、引っぱられてたんです", "strangling"),
        ("両手で、こう、のどのとこを。ゲホゲホってなったって", "strangling"),
        ("おかあさんがね、まくらでかおをぎゅうってしてきて、くるしくて", "strangling"),
        ("彼氏が、浴槽に娘の顔をつけて、十秒くらい上げなかったんです", "drowning"),
        (
            "孫が、ソファから落ちて頭打ってから、呼んでも目がとろんとしたままで返事しないんです",
            "unconscious",
        ),
        ("「おじさんにぎゅーってされた、息とまるかと思った」って", "strangling"),
        ("おかあにまたどなられたらわしもう新地まおうと思うとる", "child_suicidal"),  # 死んじまおう
        ("母ちゃんに不老さ頭突っ込まれでいきでぎねがった", "drowning"),  # 風呂さ
        ("お風呂でね頭座文ってされてお水一杯飲んじゃった", "drowning"),  # ざぶん
        ("おとんがなうちのくびし目てきよってん", "strangling"),  # 首絞めて
        ("頭をお湯の中にお仕込まれて護謨護謨ってなって", "drowning"),  # 押し込まれ
        (
            "もううちお欄用になりたいほんまに行きとっても意味ないし",
            "child_suicidal",
        ),  # おらんように
        # The seventy-second and seventy-third sets (tenth session: a third plain day; severe on
        # the telephone)
        (
            "お風呂で言うこと聞かないから、あの、顔を湯船につけて、何秒か…やってしまいました。",
            "drowning",
        ),
        (
            "おとうさんが、ねてるときに、くびに、ひも？みたいなの、まいてきて、ひっぱった",
            "strangling",
        ),
        (
            "弟が階段から突き落とされて、頭打って、なんかいびきみたいな変な息して、起きないんです",
            "unconscious",
        ),
        ("『おみずこわい、ママがおふろでおかおをぎゅーってお湯にいれるの』って", "drowning"),
        ("あの人が息子の頭をつかんで、湯船のお湯の中に押さえつけて", "drowning"),
        ("1歳の子がダラン、として、目も会わなくて声かけても半の数がなかったんです", "unconscious"),
        ("お父さんが子供の頭をバケツの水に推し混んでて", "drowning"),  # 押し込んで
        ("孫がなじいちゃんおれなんか4んだ方がええんやて言いよるんですわ", "child_suicidal"),
        ("もう何か市にたいって言うか、気絵ちゃいたい", "child_suicidal"),  # 消えちゃいたい
        ("今は呼んでもうんとも寸とも言わんのよ", "unconscious"),
        ("ベランダから飛び織りたら楽になるかなって毎日考えて", "child_suicidal"),
        ("叩かれるくらいなら電車に跳び込んだほうが増しって", "child_suicidal"),
    ],
)
def test_severe_phrasings_the_later_blind_sets_showed_are_found(
    sheet_of: Sheet, text: str, severe: str
) -> None:
    assert severe in sheet_of(("caller", text)).severe


@pytest.mark.parametrize(
    ("text", "item"),
    [
        # the twentieth to twenty-third sets
        ("このままだと本当に何かしちゃう。", "urgent_situation"),
        ("抱っこしてて、ふと、窓から落としたら静かになるのかなって", "urgent_situation"),
        ("夜中ずっと泣かれて、黙らせるためなら何でもしそうで", "urgent_situation"),
        ("きのうのよる、ママがかえってこなくて、いもうとと、ふたりだった", "likely_serious_harm"),
        ("お母さん仕事でいない。朝まで一人", "likely_serious_harm"),
        ("夫が娘に、その、変な動画を見せてたらしいんです", "likely_serious_harm"),
        ("パパにね、グーで頭ごつんってされるの", "likely_serious_harm"),
        ("お母さんがアイロンで、ここ、じゅってした", "serious_harm"),
        ("お母さんが迎えに来ると、びくっとして、私の後ろに隠れるんです", "child_signs"),
        ("お父さんの車の音がすると、体がふるえる", "child_signs"),
        ("いまは一日中ほとんどしゃべらなくて", "child_signs"),
        ("家に帰る前になると、いつも吐きそうになる", "child_signs"),
        ("わたし、もう本当に無理で。", "parent_factors"),
        ("仕事と育児で、もう何もできない。子どもに当たりそうで", "parent_factors"),
        ("パパ、おこるとかべにあなあけるの。テレビもこわした", "parent_factors"),
        ("お母さん、最近わけのわからないこと言ってて", "parent_factors"),
        ("上の子が話しかけても返事もしないで、いないみたいに扱ってるんです", "parent_factors"),
        ("ぼくなんか、いなくなったほうがいいって、お母さんが言うから", "parent_factors"),
        ("あの子が言うこと聞かないのが悪いんです", "recurrence"),
        ("お願いです、今日だけでいいから、どこかに泊めてもらえませんか", "protection_request"),
        ("施設でもどこでもいいから、ここから出してほしい", "protection_request"),
        ("夫は単身赴任で、実家は九州で……こっちには誰もいないです", "environment"),
        ("近所付き合いがまったくなくて、親戚もいないって聞いてます", "environment"),
        ("この子、1800グラムで生まれて、今もちょっと体が弱くて", "environment"),
        ("上の階で、旦那さんが奥さんを怒鳴りつけて", "environment"),
        ("4歳の男の子が、ここ1か月くらい全然笑わなくなって", "likely_serious_harm"),  # 4歳
        # the twenty-fourth and twenty-fifth sets
        ("頭を縫いました、5針。病院で。", "serious_harm"),
        ("お仕置きのつもりで、熱いシャワーを背中にかけたら、赤くただれちゃって", "serious_harm"),
        ("下の、3歳の子にだけ、母親がご飯をあげないんです", "serious_harm"),
        ("体重もぜんぜん増えてなくて", "child_signs"),
        ("うちの下の子、まだ1歳なんですけど、夫が顔をはたくんです。泣くと。", "recurrence"),
        ("中2のときから、母の再婚相手に、無理やり、その…されてて", "recurrence"),
        ("お父さんに叩かれるようになってから、円形脱毛ができて", "recurrence"),
        ("上の子は小さいとき、施設に預けられてたことがあって", "recurrence"),
        ("いや、あれはね、うちのしつけなんですよ", "recurrence"),
        ("お父さんが、お風呂入ってるとき、のぞいてきたり", "likely_serious_harm"),
        ("義理のお父さんと二人きりになるのが嫌だと", "urgent_situation"),
        ("昨日、息子を殴りそうになって、包丁まで持ってしまって", "urgent_situation"),
        ("毎日くたくたで、もう、この子を見てられないんです", "parent_factors"),
        ("…飲みます。夜は、ほぼ毎日、一本は空けちゃいます", "parent_factors"),
        ("お父さんの車が見えると、あの子、顔色が変わって、固まっちゃうんです", "child_signs"),
        ("『先生、おうちに帰らなくていいところに連れてって』って", "protection_request"),
        # the twenty-sixth and twenty-seventh sets
        (
            "泣き止まないと、壁に投げつけたくなる。自分で止められる自信がないんです",
            "urgent_situation",
        ),
        ("夜中ずっと泣かれて…正直、投げ飛ばしてしまいそうで自分が怖いんです", "urgent_situation"),
        ("再婚相手が、娘がお風呂に入ってるときに、必ず入っていくんです", "urgent_situation"),
        ("パパが、寝てるとき、パジャマの中に手を入れてくる", "likely_serious_harm"),
        ("父親が小学生くらいの男の子の頭を、壁に何回も打ちつけてて", "likely_serious_harm"),
        ("まだ生まれて半年です。小さく生まれて、NICUにもいました", "likely_serious_harm"),
        ("まだ生まれて半年です。小さく生まれて、NICUにもいました", "environment"),
        ("母が、夜中に急に叫び出して、『盗聴されてる』って窓に新聞貼ってて", "parent_factors"),
        ("下の子は、どうしても好きになれなくて。顔を見るのも嫌で", "parent_factors"),
        (
            "妻が出ていってから一人で三人見てて、仕事もあって、正直もう回らないです",
            "parent_factors",
        ),
        ("兄貴が、寝てるとき体さわってくる。ほぼ毎晩みたいに", "recurrence"),
        ("また夜中に、ベランダに小さい子が裸足で出されてて", "recurrence"),
        ("中2になってから、またおねしょするようになった。お母さんの彼氏が来てから", "environment"),
        ("また引っ越し。今年3回目。学校もまた変わる", "environment"),
        ("夫に首を絞められたこともあって…子どもの前でです", "environment"),
        # the twenty-eighth and twenty-ninth sets
        ("新しいのと、もう治りかけの古いのと", "recurrence"),
        ("腕とか足のあざが、黄色っぽいのと、青いのと、混ざってるんです", "recurrence"),
        ("前にも顔にあざがあったことがあって", "recurrence"),
        ("彼は、男の子なんだから殴られて強くなるって、全然悪いと思ってないんです", "recurrence"),
        ("父親が手をあげるようになってから、おねしょがまた始まって", "recurrence"),
        ("あの家 前にも私 つうほうしたことあるんです 去年", "recurrence"),
        ("お母さんが、夜、急に泣き叫んだり、誰かに見張られてるって言って", "parent_factors"),
        ("夫が怒鳴るようになってからなんです", "parent_factors"),
        ("隣の奥さん、昼間から缶チューハイ何本も空けて、玄関先で寝てる", "parent_factors"),
        ("身長も1年生の時からほとんど伸びてないんです", "child_signs"),
        ("お父さんが帰ってくる音がすると、体が勝手に震える", "child_signs"),
        ("ごはん、もう3日くらい、たべてない", "serious_harm"),
        ("お母さんにアイロン 腕に 推し付けられた", "serious_harm"),
        (
            "娘がね、孫を、しばらく施設で見てもらえないかって、自分から言い出してる",
            "protection_request",
        ),
        ("本人が、今日は家に帰さないでほしいって、ずっと泣いて言ってまして", "protection_request"),
        (
            "姉の彼氏と二人きりにされるのをすごく嫌がってて、お風呂も一緒に入らされてる",
            "urgent_situation",
        ),
        ("お母さんがその子のほっぺたを、思いっきり平手で叩いてたんです", "likely_serious_harm"),
        (
            "4歳の男の子がいて。お母さんが、この前4歳になったのよって、ほかの人と話してたので。",
            "likely_serious_harm",
        ),
        # the thirtieth and thirty-first sets
        ("お願いです、今すぐ誰か来てください、この子を連れてってください", "protection_request"),
        ("生徒が、夜になると義理のお父さんが部屋に入ってくるって", "urgent_situation"),
        ("お兄ちゃんと『ひみつのあそび』をしてる、パンツを脱ぐって言ってて", "urgent_situation"),
        ("お人形の股のところを触って『パパがこうする』って", "urgent_situation"),
        ("…父に、無理やり、その、そういうことされてて。中学のときから", "recurrence"),
        ("小さい子がベランダに出されて、ずっと泣いてるんです。今週3回目です。", "recurrence"),
        ("罰だって言われて、水はった洗面器に顔つけられた。何回も。", "recurrence"),
        ("背中に黄色くなった朝と 新しい赤紫の朝が混ざってて", "recurrence"),  # あざ misheard
        ("もう二日くらい水も飲んでなくて、唇がかさかさで", "serious_harm"),
        ("家のカギ閉められて、入れてもらえなくて、いま公園にいる", "likely_serious_harm"),
        ("下の子には話しかけもしないで、いない人みたいに扱ってて", "parent_factors"),
        ("昨日 カットなって 息子の首 掴んで 壁に押し付けて", "parent_factors"),  # カッと
        ("またひっこし。今年で三回目。学校もかわる", "environment"),
        ("男の人の怒鳴り声と、女の人の悲鳴と、ドンって壁にぶつかる音がして", "environment"),
        ("家賃、3か月ためちゃってて", "environment"),
        # the thirty-second and thirty-third sets
        (
            "私、もう死にたいんです。子どもも一緒に連れていこうかって、考えちゃって",
            "urgent_situation",
        ),
        ("腕に、治りかけのかさぶたと、今日できたみたいな新しい傷が並んでて", "recurrence"),
        ("言ってもわからない子には体で教えるしかないんですよ", "recurrence"),
        ("うちの子は叩かないとわからない子なんで", "recurrence"),
        ("ママ、いないの。きのうの夜から、ずっとかえってこないの", "likely_serious_harm"),
        ("夫が、娘に大人の動画を無理やり一緒に見させていたんです", "likely_serious_harm"),
        ("…ストーブに手を押しつけられたって、本人が", "serious_harm"),
        ("お父さんお坂飲むと人が変わる今日も朝から飲んでる", "parent_factors"),  # お酒
        # the thirty-fourth and thirty-fifth sets
        (
            "保健室で、4年生の女の子が『今日はおうちに帰さないで』って泣いてて、どうしたらいいかと思って",
            "protection_request",
        ),
        ("先月、下の子が産まれてから、妻がずっと泣いてて", "likely_serious_harm"),
        ("前にも一回、あの家のことで児相さんに電話したことがあるんです", "recurrence"),
        (
            "夫が、小3の娘の体を、その、服の上からですけど、変な触り方してるのを見てしまって",
            "likely_serious_harm",
        ),
        ("腕を骨節して登校してきて本人は父親にひねられたと言っています", "serious_harm"),  # 骨折
        ("煙草腕にお仕付けられた。ここまだ痛い", "serious_harm"),  # 押し付け
        # the thirty-sixth and thirty-seventh sets
        ("向かいの棟のベランダなんですけど、小さい男の子がよく出されてて", "likely_serious_harm"),
        ("幼稚園の帽子かぶってるの見たことあるから、三つか四つだと思います", "likely_serious_harm"),
        # the thirty-eighth to forty-seventh sets
        (
            "二階の部屋、お母さんが三日帰ってなくて、中で小さい子の声がするんです。",
            "likely_serious_harm",
        ),
        ("熱が四十度あるのに母が病院行くなって、もう三日", "serious_harm"),
        ("二の腕に新しい青あざと、もう黄色っぽくなったのとが混ざってて", "recurrence"),
        ("主人が、帰ったらお前もこいつも殺したるって言うて出て行ったんです", "urgent_situation"),
        ("朝来たら、ほっぺたに手の形がくっきりついてて。", "likely_serious_harm"),
        ("ただ、入院の間だけ、二人をどこかで預かってもらえたら", "protection_request"),
        ("家に、いたくなくて。どっか、入れるとこってないんですか、施設とか", "protection_request"),
        (
            "娘婿が、泣きやまないと、孫の両脇を持って、がくんがくん揺らすんです。",
            "likely_serious_harm",
        ),
        ("両わきを持って、前後に、がくがくって。首がぶらぶらするくらい", "likely_serious_harm"),
        ("すねとふくらはぎに、青いのと、黄色っぽくなった古いのと、両方。", "recurrence"),
        (
            "お風呂入ってると、ドアちょっと開けてスマホ向けてくる。カシャって音した",
            "likely_serious_harm",
        ),
        (
            "しつけはちゃんとしてるほうだと思いますよ。毎日、ほっぺを、ぱちんと。",
            "likely_serious_harm",
        ),
        ("このままだと、ほんとにこの子に何かしちゃいそうで。", "urgent_situation"),
        # The sixtieth set (ninth session: regional dialects):
        ("孫が『もう帰りとうない』言うて泣くんよ", "protection_request"),
        ("『じいちゃん、ここの子にしてくれ』って、腕を離さんのよ", "protection_request"),
        # A count of times in a week or a month (the 53rd and 58th sets' calls, below their
        # label until this session)
        ("さっき、あんたを殺して私も死ぬって言って、台所に行った", "urgent_situation"),
        ("今週だけでもう3回目で。ベランダで『あけて、ごめんなさい』って", "recurrence"),
        ("ベランダに出されてるのを、この一か月で、少なくとも五、六回は見てます", "recurrence"),
    ],
)
def test_phrasings_the_later_blind_sets_showed_tick_their_item(
    sheet_of: Sheet, text: str, item: str
) -> None:
    assert _state(sheet_of(("caller", text)), item) == "該当"


@pytest.mark.parametrize(
    "turn",
    [
        ("caller", "しにたいのかな？"),  # asked, with its question mark
        ("handler", "しにたいのかな"),  # the handler wondering is no disclosure
    ],
)
def test_only_a_caller_wondering_aloud_tells_a_thought(
    sheet_of: Sheet, turn: tuple[str, str]
) -> None:
    assert sheet_of(turn).severe == ()


def test_what_a_carer_tells_before_asking_is_said(sheet_of: Sheet) -> None:
    sheet = sheet_of(("caller", "正直もう限界で、しばらくこの子を施設で預かってもらえませんか。"))
    assert _state(sheet, "parent_factors") == "該当"
    assert _state(sheet, "protection_request") == "該当"


@pytest.mark.parametrize(
    ("text", "item"),
    [
        # the twentieth to twenty-third sets
        ("…うん、枕を顔に押しつけられて、苦しくて暴れた", "parent_factors"),  # the child
        ("息は、してるんですけど…目がうつろで、名前を呼んでも返事しないんです", "parent_factors"),
        ("ノートに『しにたい』って書いてて、本人に聞いたら『本気だよ』って", "parent_factors"),
        ("娘がリストカットしてて、『消えちゃいたい』ってLINEで送ってきたんです", "parent_factors"),
        (
            "このままだと、あの子に何しちゃうかわからないんです。さっきも手をあげそうになって",
            "parent_factors",
        ),
        ("お父さん、毎日お酒飲んで、酔うと物投げる", "recurrence"),
        ("進路のことで親とケンカしただけなんですけど", "environment"),
        ("もし親にバレたら、家出しようかなって思ってるだけ", "environment"),
        ("えっと、息子を一時的に、そちらで保護してもらいたいんです", "recurrence"),
        ("前にも骨折で入院したことがあって、今回また腕にあざを", "serious_harm"),
        (
            "すみません、赤ちゃんって言っちゃいましたけど、もう小学校の高学年くらいの子です",
            "likely_serious_harm",
        ),
        ("ママ友の子が、前の旦那さんに首絞められたことあるって聞いて", "likely_serious_harm"),
        ("前の学校で担任した子が、やけどの跡だらけで保護されたことがあって", "serious_harm"),
        ("研修で、お風呂に沈められた事例を聞いたことがあって", "likely_serious_harm"),
        # the twenty-fourth and twenty-fifth sets
        ("教室でも一言もしゃべらなくなって、ずっとうつむいてて", "parent_factors"),  # うつ
        ("車の中に赤ちゃんが一人で寝かされてて、エンジンも切れてて", "parent_factors"),  # キレて
        ("去年もけがで入院したことがあって、今回また腕にあざがあるんです", "serious_harm"),
        ("ううん、ごはんはちゃんと食べてる。お母さんが毎朝つくってくれる", "recurrence"),
        (
            "夫がすぐカッとなって物を投げるようになってから、息子が毎晩おねしょするようになって",
            "recurrence",
        ),
        ("うん、去年、ちょっとのあいだ、あずかってもらってた", "protection_request"),
        ("将来、反抗期とかになったら、手が出ちゃうんじゃないかって心配で", "parent_factors"),
        ("職場の同僚が、子どもの頃に親にベランダに出されてたって話してて", "likely_serious_harm"),
        # the twenty-sixth and twenty-seventh sets
        # Four of these met this round's own new phrasings before they were narrowed; the
        # rest ticked an item on bc4cdc0 already.
        ("頭を壁にぶつけることがあるので、クッションを置いてます", "likely_serious_harm"),
        (
            "息子は自閉症があって、パニックになると自分で頭を床に打ちつけるんです",
            "likely_serious_harm",
        ),
        ("あざとかは見たことないですね。いつも元気に挨拶してくれるし", "recurrence"),
        (
            "さっき毎晩って言いましたけど、ごめんなさい、泣き声が聞こえたのは一回だけです",
            "recurrence",
        ),
        ("お酒もたばこもやりませんし、夫とも仲はいいです", "parent_factors"),
        ("正直、この子のこと可愛いと思えないんです。産まなきゃよかったって毎日思う", "recurrence"),
        ("お兄さんじゃなくて、お母さんの彼氏に、ゆうべ両手で首をしめられたって", "environment"),
        # the twenty-eighth and twenty-ninth sets
        ("将来、反抗期とかになったら、私、手を上げちゃうかもしれないって", "parent_factors"),
        (
            "ベランダに出されてるのかと思ったら、洗濯物取り込むの手伝ってただけみたいで",
            "likely_serious_harm",
        ),
        ("小2の子が、大人の男の人の裸の絵を描いていて", "likely_serious_harm"),
        (
            "さっき骨折って言いましたけど、すみません、病院で診てもらったら打撲だけでした",
            "serious_harm",
        ),
        ("うん ホッペ 焼酎", "parent_factors"),  # しょっちゅう misheard, no drink
        ("まだ生後4か月で、2000グラムちょっとで生まれた子なんです", "environment"),
        ("わたしが子どものころ、父に毎日殴られてたんです", "recurrence"),
        # the thirtieth and thirty-first sets
        ("クラスの子が、『どうせ家に帰ったら殴られるし』って言ってて", "child_signs"),
        ("帰りたくない。帰ったらまた殴られるから、たすけて", "urgent_situation"),
        ("ひどい虫歯で顔が腫れてるのに、お母さんが病院に連れて行かない", "likely_serious_harm"),
        ("私の若いころはね、言うこと聞かない子は外に出されたもんですよ", "likely_serious_harm"),
        ("もしこのまま夜泣きが続いたら、いつか手をあげちゃうんじゃないかって", "parent_factors"),
        # the thirty-fourth and thirty-fifth sets
        ("さっきやけどって言いましたけど、訂正します。あれは湿疹だって", "serious_harm"),
        (
            "クラスの子がYouTubeで見たって、子どもが親にころされる話をしてて、こわくなった",
            "urgent_situation",
        ),
        ("ママ友の話なんですけど、そのお宅は旦那さんのDVで大変らしくて", "environment"),
        # the thirty-eighth to forty-seventh sets: denied, taken back, another's, no such word
        (
            "本人にゆっくり聞いたんですけど、叩かれたりとか首を絞められたりとか、"
            "そういうのは一切ないって、はっきり言ってました。",
            "likely_serious_harm",
        ),
        ("お風呂で沈められるとか、そんなのされたことない。", "likely_serious_harm"),
        ("死にたいとかは、ないっす。そこまでじゃない。ただダルいだけ", "child_signs"),
        (
            "さっき火傷してるって言ったんですけど、すみません、よく見たら絵の具でした。",
            "serious_harm",
        ),
        (
            "お母さんに沈められたって、あ、違います、プールで友達にふざけて沈められたって話でした。",
            "likely_serious_harm",
        ),
        (
            "お父さんがお母さんを叩いてて…いや、あれ叩いてたんじゃなくて、肩たたきしてただけだ",
            "environment",
        ),
        ("ベランダに出されたって言ったけど、ごめん、自分で出てっただけ。", "likely_serious_harm"),
        ("わしが育てとる孫やけど、もう体が言うこと聞かん。", "serious_harm"),  # やけど: "but"
        (
            "もしあの子が首でも絞められたらって思うと、もう夜も眠れなくて、それで電話したんです。",
            "child_signs",
        ),
        ("子どもが牛乳こぼしただけで、皿ば壁に投げつけて大声で怒鳴りよる", "likely_serious_harm"),
        (
            "ネットの掲示板で見た話なんですけど、親に首絞められたって書き込みがあって",
            "likely_serious_harm",
        ),
        ("私もう死にたいんです。子ども置いて、消えたい。", "child_signs"),  # the carer's
        ("息子、発達障害があって、パニックになると1時間くらい暴れるんです。", "parent_factors"),
        ("夫が私を殴るのを、子どもがいつも見てて……。", "recurrence"),
        (
            "叩いたりはしてないです、あのお母さん。手をあげたのは一度も見たことないです。",
            "parent_factors",
        ),
        (
            "息子がゲームで首しめ技ばっかり使ってて、キャラが気絶するたびに大笑いしてる",
            "likely_serious_harm",
        ),
        (
            "熱性けいれんで娘が白目むいて、呼んでも反応しなくなって。もう元気ですけど。",
            "serious_harm",
        ),
        (
            "『お姉ちゃんに殺される〜』って弟が叫んでたんですけど、くすぐられてただけなんです。",
            "urgent_situation",
        ),
        (
            "夫がもしまた飲み始めたらって、それだけが心配で。今は断酒して三年になります。",
            "parent_factors",
        ),
        (
            "さっき『意識がない』って言っちゃいましたけど、違うんです、ぐっすり寝てただけで",
            "serious_harm",
        ),
        ("頭から落ちたって言ったの、間違いです。おしりからでした。", "serious_harm"),
        (
            "隣の子がベランダに出されてるって思ったんですけど、よく見たら洗濯物を干してただけでした。",
            "likely_serious_harm",
        ),
        (
            "もし娘が『死にたい』なんて言い出したら、親としてどう返せばいいんでしょう。",
            "child_signs",
        ),
        (
            "母親に冬のベランダに出されたこと、今でも夢に見るんです。もう30年も前の話ですけど。",
            "likely_serious_harm",
        ),
        ("テスト前で、もう死ぬほど眠い", "child_signs"),
        ("ママが両手でぎゅってしてくれた、あったかかった", "likely_serious_harm"),
        ("青い服と黄色い帽子と両方持ってきて", "recurrence"),
        ("スマホ取られた。もう死ぬーって感じ", "child_signs"),
        # near the new patterns, and not them
        ("首が痛くて息が吸えない感じ、寝違えたかも", "likely_serious_harm"),
        ("お風呂で頭を押して洗ってあげたら、泡が目に入って苦しいって泣いた", "likely_serious_harm"),
        ("首に手をかけそうになったんです、さっき。", "likely_serious_harm"),
        ("担任が声をかけても返事をしない状態が続いております。", "serious_harm"),
        # The sixty-first set: a よ quoted before って is not 酔って.
        ("孫に聞いても、『やさしいよ』って言うし", "parent_factors"),
        ("『いいよ』って言ったのに", "parent_factors"),
        # near the sixtieth set's patterns, and not them
        ("夜中に何べんも目ぇ覚ますけど、揺すったら起きるんよ", "serious_harm"),
        ("朝から動かんでゴロゴロしとるんよ、夏休みやけ", "serious_harm"),
        ("『ぼくなんかいなくなればいい』ってママに言われた", "child_signs"),
        # The sixty-third set's look-alikes
        ("息子が柔道の試合で首を絞められて一本負けしたって悔しがってました", "likely_serious_harm"),
        ("アニメで、主人公が首をしめられて気を失う場面があって", "likely_serious_harm"),
        ("アニメで、主人公が首をしめられて気を失う場面があって", "serious_harm"),
        (
            "娘が『消えたい、消えたい』って口ずさんでて、流行ってる歌の歌詞なんですって",
            "child_signs",
        ),
        ("救命講習で、ぐったりして呼んでも反応がないときはまず119番って習いました", "serious_harm"),
        (
            "息子が『首しめられた』って言ったんですけど、よくよく聞いたら、お兄ちゃんと"
            "マフラーで引っ張りっこしてふざけてただけでした",
            "likely_serious_harm",
        ),
        ("もし叩いちゃったら、どうしたらいいですか", "likely_serious_harm"),
        ("もし首を絞めたくなったら、どこに電話すればいい？", "likely_serious_harm"),
        # The sixty-first and sixty-second sets' calls: afraid to go home is fear of the
        # carer (⑥, docs/risk.md section 3), not a request for protection (①).
        ("家に帰るのがこわい。お母さんが、何をしても怒るから", "protection_request"),
        # 「来たって」 is no 「ライターで」 heard near, nor 「らしいよ』って」 酔って.
        ("最初は、遊びに来たって。でも夜になっても帰ろうとしなくて", "serious_harm"),
        ("別の奥さんが『あそこ、大変らしいよ』って", "parent_factors"),
        ("今週だけで3回目の病院なんです、喘息で", "recurrence"),
        # The sixty-sixth and sixty-seventh sets: the baby's state is no carer's crisis, a
        # child coming into her mother's futon no abuse, a pillow almost pressed no act.
        ("あの、すみません、赤ちゃんが、あの、様子がおかしくて", "parent_factors"),
        (
            "夜中に目が覚めて、私の布団に入ってきます。前はそんなことなかったのに",
            "urgent_situation",
        ),
        ("さっきも、クッション顔に押し付けそうになって", "likely_serious_harm"),
        ("ソファでだらんとして、スマホばっかり見てるんです", "serious_harm"),
        ("息子が首のところを押さえて、痛いって泣いてました", "likely_serious_harm"),
        # The sixty-eighth and sixty-ninth sets: an expired contract, a son's tantrums, a
        # father's way of calming down, a grandchild's sleepover, talking to someone.
        ("三月で会社の契約が切れて、今、失業保険だけで", "parent_factors"),
        ("癇癪がすごくて、気に入らないと一時間でも叫んで、物を投げたりします", "parent_factors"),
        ("カッとなりそうになったら、トイレにこもって十数えてます", "parent_factors"),
        ("先週も泊まりに来たけど、お風呂で見ても何もなかったし、よく笑ってました", "recurrence"),
        ("話しかけられても返事しないとか", "serious_harm"),
        ("体は元気です。酒もたばこもやらないんで", "parent_factors"),
        ("自分が怖くなって電話しました", "child_signs"),
        (
            "オンラインで、知らない人に、死ねとか首しめるぞとかチャットで言われて",
            "likely_serious_harm",
        ),
    ],
)
def test_words_the_later_blind_sets_showed_tick_no_item(
    sheet_of: Sheet, text: str, item: str
) -> None:
    assert _state(sheet_of(("caller", text)), item) != "該当"


def test_yes_to_a_hand_on_the_neck_asked_about_is_strangling(sheet_of: Sheet) -> None:
    sheet = sheet_of(
        ("handler", "首のところを押さえられたりとかは、しなかった？"),
        ("caller", "…された。"),
    )
    assert sheet.severe == ("strangling",)


def test_a_carer_who_says_she_had_better_die_is_a_carer_in_crisis(sheet_of: Sheet) -> None:
    sheet = sheet_of(("caller", "もう私が死んだほうがいいんです。薬、全部飲んでしまおうかなって"))
    assert "child_suicidal" not in sheet.severe
    assert _state(sheet, "parent_factors") == "該当"


def test_a_carer_thinking_of_dying_with_the_child_is_urgent(sheet_of: Sheet) -> None:
    sheet = sheet_of(
        ("caller", "もう私が死んだほうがいいのかなって。子どもと一緒に…って考えちゃう時があって。")
    )
    assert "child_suicidal" not in sheet.severe
    urgent = sheet.item("urgent_situation")
    assert urgent.state == "該当"
    assert {e.subitem for e in urgent.evidence} == {"parent_might_kill"}


def test_every_day_said_of_a_wish_to_die_is_no_habit_of_abuse(sheet_of: Sheet) -> None:
    sheet = sheet_of(
        ("handler", "死にたいって思うこと、ある？"),
        ("caller", "…ある。毎日思ってる。夜になると、ベランダから飛び降りたらって"),
    )
    assert sheet.severe == ("child_suicidal",)
    assert _state(sheet, "recurrence") != "該当"


@pytest.mark.parametrize(
    ("question", "answer", "item"),
    [
        (
            "どなたか、頼れる方はいらっしゃいますか。",
            "いえ…誰もいないです。夫も単身赴任で。",
            "environment",
        ),
        (
            "ご近所や親戚で、頼れる方はいらっしゃいますか",
            "いないです。こっちに越してきたばかりで、誰も",
            "environment",
        ),
        ("夜は誰かおうちにいるの？", "ううん、お母さん仕事でいない。", "likely_serious_harm"),
    ],
)
def test_a_no_to_whether_someone_is_there_is_nobody_there(
    sheet_of: Sheet, question: str, answer: str, item: str
) -> None:
    assert _state(sheet_of(("handler", question), ("caller", answer)), item) == "該当"


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        (
            "頼れる方はいますか？",
            "いえ、母が近くにいるので大丈夫です",
        ),  # いえ, yet someone is there
        ("頼れる方はいますか？", "はい、母が"),
        ("今、おうちに大人の人はいるかな", "えっと…今、部屋から出てないから、ちょっと、わかんない"),
    ],
)
def test_someone_there_or_not_known_is_nobody_missing(
    sheet_of: Sheet, question: str, answer: str
) -> None:
    sheet = sheet_of(("handler", question), ("caller", answer))
    assert _state(sheet, "environment") != "該当"
    assert _state(sheet, "likely_serious_harm") != "該当"


def test_the_handlers_question_alone_ticks_nobody_there(sheet_of: Sheet) -> None:
    assert _state(sheet_of(("handler", "頼れる方はいますか？")), "environment") == "未確認"


def test_many_times_in_answer_to_being_hit_on_the_head_is_a_habit(sheet_of: Sheet) -> None:
    sheet = sheet_of(("handler", "顔とか頭を、ぶたれたことはある？"), ("caller", "……うん。何回も"))
    assert _state(sheet, "recurrence") == "該当"


def test_a_parent_at_work_is_no_parent_out_of_work(sheet_of: Sheet) -> None:
    assert _state(sheet_of(("caller", "お母さん仕事でいない。朝まで一人")), "environment") != "該当"


@pytest.mark.parametrize(
    "text",
    [
        "首を絞めたとか、そんなことは絶対にしてません。",
        "泣き止まないと、正直、首でも絞めてしまいそうで……いや、まだ何もしてないです",
        "前の勤務校で、首を絞められていた生徒がいたんですが",
        "赤ちゃんがぐったりしてるって言いましたけど、今見たら、泣きだしました",
    ],
)
def test_no_severe_cue_from_what_the_twenty_eighth_and_twenty_ninth_sets_showed(
    sheet_of: Sheet, text: str
) -> None:
    assert sheet_of(("caller", text)).severe == ()


def test_yes_to_being_afraid_to_go_home_asked_over_two_sentences(sheet_of: Sheet) -> None:
    sheet = sheet_of(("handler", "家に帰るの、こわい？"), ("caller", "…はい。すごく。"))
    assert _state(sheet, "child_signs") == "該当"


def test_a_wrist_cut_meaning_to_die_is_a_suicidal_child(sheet_of: Sheet) -> None:
    sheet = sheet_of(("caller", "えっと…この前、カッターで、手首…。ほんとに死ぬつもりだった"))
    assert sheet.severe == ("child_suicidal",)


def test_a_face_named_where_the_blows_landed_is_a_blow_to_the_face(sheet_of: Sheet) -> None:
    sheet = sheet_of(
        ("handler", "叩かれたところはどこですか？"), ("caller", "ほっぺ…と、耳のとこ。")
    )
    assert _state(sheet, "likely_serious_harm") == "該当"


def test_yes_to_violence_between_the_parents_is_violence_at_home(sheet_of: Sheet) -> None:
    sheet = sheet_of(
        ("handler", "ご主人との間で、暴力のようなことは？"),
        ("caller", "…はい、ときどき。子どもの前でも。"),
    )
    assert _state(sheet, "environment") == "該当"


def test_only_that_no_more_was_said_denies_nothing_said(sheet_of: Sheet) -> None:
    sheet = sheet_of(("caller", "夜、その人が部屋に入ってくるって、それ以上は言わないんです。"))
    assert _state(sheet, "urgent_situation") == "該当"


@pytest.mark.parametrize(
    "text",
    [
        "友だちが、LINEで「もう限界、今夜死ぬ」って送ってきて",
        "友達がラインでもう限界今夜し ぬって送ってきて",
    ],
)
def test_dying_tonight_said_by_a_child_is_the_severe_cue(sheet_of: Sheet, text: str) -> None:
    assert sheet_of(("caller", text)).severe == ("child_suicidal",)


def test_a_count_of_times_answers_how_often_even_to_a_when_question(sheet_of: Sheet) -> None:
    sheet = sheet_of(
        (
            "caller",
            "向かいのマンションの三階なんですけど、小さい女の子が、ベランダに出されてるんです。",
        ),
        ("handler", "それは、いつのことですか。"),
        ("caller", "今日は見てないんですけど、ここ二週間で、もう四、五回は見てます。"),
    )
    assert _state(sheet, "recurrence") == "該当"


def test_asking_what_to_do_makes_no_supposition_of_what_came_before(sheet_of: Sheet) -> None:
    sheet = sheet_of(("caller", "もし叩いちゃったら、どうしたらいいですか"))
    assert _state(sheet, "parent_factors") != "該当"
    assert _state(sheet, "likely_serious_harm") != "該当"


def test_a_time_given_to_when_it_was_done_says_it_was_done(sheet_of: Sheet) -> None:
    sheet = sheet_of(
        ("handler", "首をぎゅってされたのは、いつ？"),
        ("caller", "きのうの、よる"),
    )
    assert sheet.severe == ("strangling",)


def test_a_no_to_whether_the_child_responds_is_unconsciousness(sheet_of: Sheet) -> None:
    sheet = sheet_of(
        ("handler", "今、お子さんは呼びかけに反応しますか？"),
        ("caller", "しない…しないです、目ぇ半分開いてるけど、こっち見ない"),
    )
    assert sheet.severe == ("unconscious",)


def test_a_bare_noun_picking_one_thing_asked_says_yes_to_it(sheet_of: Sheet) -> None:
    sheet = sheet_of(
        ("handler", "首を手でつかまれたり、口や鼻をふさがれたりしたことはある？"),
        ("caller", "……口。まくらで"),
    )
    assert sheet.severe == ("strangling",)


def test_a_count_guessed_on_the_way_to_an_answer_still_answers(sheet_of: Sheet) -> None:
    sheet = sheet_of(
        ("caller", "ちっちゃい女の子がベランダに一人で出されてて"),
        ("handler", "三歳の女の子なんですね。それは一度だけですか"),
        ("caller", "いえいえ、週に…四回？五回？もうほとんど毎晩です"),
    )
    assert _state(sheet, "recurrence") == "該当"


def test_where_asked_as_which_part_of_the_body_is_filled_by_the_answer(sheet_of: Sheet) -> None:
    sheet = sheet_of(
        ("handler", "叩かれていたのは、体のどのあたりでしたか。"),
        ("caller", "顔。"),
    )
    assert _state(sheet, "likely_serious_harm") == "該当"


def test_yes_to_a_head_put_in_the_water_asked_unpunctuated_is_drowning(sheet_of: Sheet) -> None:
    sheet = sheet_of(("handler", "おふろで頭をおゆに居れられたの"), ("caller", "うん"))
    assert sheet.severe == ("drowning",)


def test_no_answer_when_called_asked_as_such_is_unconsciousness(sheet_of: Sheet) -> None:
    sheet = sheet_of(
        ("handler", "今、呼びかけると返事をしたり、目を開けたりしますか。"),
        ("caller", "名前呼んでるんですけど、目がとろんとして、すぐ閉じちゃって、返事しないんです"),
    )
    assert sheet.severe == ("unconscious",)


def test_a_carer_passing_on_quoted_words_speaks_of_the_child(sheet_of: Sheet) -> None:
    relayed = sheet_of(
        ("caller", "中二の娘のことなんですけど。夜中に娘からLINEが来て。"),
        ("caller", "『もう消えたい。ママごめん』って。それだけ。"),
    )
    assert relayed.severe == ("child_suicidal",)
    own = sheet_of(
        ("caller", "中二の娘のことなんですけど。"),
        ("caller", "わたし、『もう消えたい』って思っちゃうんです、毎晩。"),
    )
    assert not own.severe and _state(own, "parent_factors") == "該当"


def test_a_question_whether_it_is_every_week_asks_how_often(sheet_of: Sheet) -> None:
    # The thirty-ninth set's an07: the answer's 毎週 points back at the nights alone.
    sheet = sheet_of(
        ("caller", "お母さん、金曜になると夜出かけて、朝まで帰ってこない"),
        ("handler", "そうなんだ。そのとき、おうちには誰がいるの？"),
        ("caller", "わたしと弟だけ。おむつとか、ミルクとか、わたしがやる"),
        ("handler", "それは大変だったね。毎週なのかな？"),
        ("caller", "うん、毎週。もう半年くらい"),
    )
    assert _state(sheet, "recurrence") == "該当"
    alone = sheet_of(
        ("caller", "わたしと弟だけ。おむつとか、ミルクとか、わたしがやる"),
        ("handler", "それは大変だったね。毎週なのかな？"),
        ("caller", "うん、毎週。もう半年くらい"),
    )
    assert _state(alone, "recurrence") != "該当"  # nothing said it was abuse


def test_a_count_of_times_answers_how_often_whatever_was_asked(sheet_of: Sheet) -> None:
    # The forty-fifth set's at06 and the fifty-seventh's bf06 (below their label until the
    # ninth session).
    seen = sheet_of(
        ("caller", "娘の旦那が、四か月の孫を、泣きやまないって、がくがく揺さぶるんです"),
        ("handler", "それを、ご自身で見られたんですか。"),
        ("caller", "先月と今月、遊びに行ったときに二回見ました。娘に聞いたら、いつもやってるって"),
    )
    assert _state(seen, "recurrence") == "該当"
    before = sheet_of(
        ("caller", "妻が、双子の片方を、揺さぶってたんです"),
        ("handler", "こういうことは、これまでにもありましたか"),
        ("caller", "たぶん…前にも二回くらい"),
    )
    assert _state(before, "recurrence") == "該当"


@pytest.mark.parametrize(
    "answer",
    ["母が週に一回来てくれます", "エレベーターで何回か。普通の、元気そうな男の子でしたよ。"],
)
def test_once_a_week_or_a_few_times_met_is_no_count_of_abuse(sheet_of: Sheet, answer: str) -> None:
    sheet = sheet_of(
        ("caller", "隣の家から、怒鳴り声と、叩くような音がするんです"),
        ("handler", "お子さんを見かけたことはありますか。"),
        ("caller", answer),
    )
    assert _state(sheet, "recurrence") != "該当"


def test_a_denial_taken_back_at_once_stands_said_and_conflicting(sheet_of: Sheet) -> None:
    # The sixty-fifth set's bn08 (below its label until the tenth session).
    sheet = sheet_of(
        ("handler", "おうちで困ってることはある？"),
        ("caller", "ベランダにだされたことは、ない。ほんとに"),
        ("handler", "そっか。"),
        ("caller", "……うそ。ほんとは、ある。よるに。さむいとき"),
    )
    harm = sheet.item("likely_serious_harm")
    assert harm.state == "該当" and harm.conflicting
    assert "left_outside" in harm.subitems


@pytest.mark.parametrize(
    "after",
    ["うそじゃないよ。ほんとにない", "ほんとはされてないです", "実は、ママがこわいの"],
)
def test_what_keeps_or_leaves_a_denial_takes_nothing_back(sheet_of: Sheet, after: str) -> None:
    sheet = sheet_of(
        ("caller", "ベランダにだされたことは、ない。ほんとに"),
        ("handler", "そっか。"),
        ("caller", after),
    )
    assert _state(sheet, "likely_serious_harm") != "該当"


def test_a_taking_back_long_after_the_denial_points_at_nothing(sheet_of: Sheet) -> None:
    sheet = sheet_of(
        ("caller", "ベランダにだされたことは、ない。ほんとに"),
        *[("handler", "そっか。"), ("caller", "うん。学校は楽しい")] * 3,
        ("caller", "……うそ。ほんとは、ある。"),
    )
    assert _state(sheet, "likely_serious_harm") != "該当"


def test_the_tenth_sessions_calls_below_their_label_are_met(sheet_of: Sheet) -> None:
    # The sixty-seventh set's bp02 (shaking, then limp) and bp07 (a child alone on the balcony
    # at night, five times a month), below their label at first sight.
    shaken = sheet_of(
        ("caller", "3か月です。さっき、夫が、泣きやまないって、すごい勢いで揺すってて"),
        ("handler", "体はどうですか。手足に力は入っていますか。"),
        ("caller", "だらんとしてて…泣かないんです、さっきまであんなに泣いてたのに"),
    )
    assert shaken.severe == ("unconscious",)
    assert "shaking_infant" in shaken.item("likely_serious_harm").subitems
    outside = sheet_of(
        (
            "caller",
            "夜中に、ベランダから小さい子の泣き声がして。見たら、女の子がベランダに一人で立ってるんです",
        ),
        ("handler", "それはいつのことですか。"),
        ("caller", "ゆうべです。でも、ゆうべだけじゃなくて、この一か月で五回は見てます"),
    )
    assert outside.tier == "一時保護を検討"


def test_a_yes_to_whether_the_partner_hits_her_is_domestic_violence(sheet_of: Sheet) -> None:
    # The sixty-seventh set's bp12.
    sheet = sheet_of(
        ("handler", "彼は、あなたに手を上げることはありますか。"),
        ("caller", "……はい。先週も、髪つかまれて、床に倒されて"),
    )
    assert "domestic_violence" in sheet.item("environment").subitems


def test_often_in_everyday_life_or_a_carers_childhood_is_no_habit(sheet_of: Sheet) -> None:
    # The sixty-sixth set's bo08: babies who drink well (よくのむ), asked after a mother who
    # forgets her meals (ごはん) and cries every day.
    babies = sheet_of(
        ("caller", "ねてない。ごはん、わたし、たべるの、わすれる。まいにち、ないてる、わたし。"),
        ("handler", "毎日泣いてしまうくらい、しんどいんですね。赤ちゃんたちは元気にしていますか。"),
        ("caller", "ベイビーたち、げんき。ミルク、よくのむ。おもたくなった。"),
    )
    assert _state(babies, "recurrence") != "該当"
    # bo12: a father's own childhood is another story.
    childhood = sheet_of(
        (
            "caller",
            "にほんでは、こどもを、たたく、ダメですか。わたしの子どものころ、おとうさんに、よく、たたかれた。",
        ),
    )
    assert _state(childhood, "recurrence") != "該当"


def test_the_sixty_eighth_sets_calls_below_their_label_are_met(sheet_of: Sheet) -> None:
    # The sixty-eighth set's bq05 (a mother's thought of throwing her baby from the window)
    # and bq07 (blows counted as many, after an echo), below their label at first sight.
    thrown = sheet_of(
        ("caller", "赤ちゃんが、ずっと泣きやまなくて。まだ二か月なんですけど"),
        (
            "caller",
            "もう、無理で。さっき、このまま窓から放り投げたらって、一瞬思って、自分が怖くなって電話しました",
        ),
    )
    assert "parent_might_kill" in thrown.item("urgent_situation").subitems
    assert _state(thrown, "child_signs") != "該当"
    counted = sheet_of(
        ("caller", "姉の今の旦那さんが、姪が何かこぼしたりするたびに、頭をパシンって叩くんです"),
        ("handler", "頭を叩くところを、ご自身で見られたんですね。"),
        ("caller", "はい、私がいる前でも平気で。一回行っただけで、三回も四回も"),
    )
    assert _state(counted, "recurrence") == "該当"
    moved = sheet_of(
        ("caller", "この1年で3回も転校してきてて、お父さんは家を出ていったらしいんです"),
    )
    assert _state(moved, "recurrence") != "該当"


def test_a_verb_repeated_without_the_denial_of_a_denying_cue_is_a_no(sheet_of: Sheet) -> None:
    # The sixty-ninth set's br14: 「帰りたくない？」「帰る時は、また来るねって」.
    sheet = sheet_of(
        (
            "handler",
            "お孫さんが、おうちに帰りたくないとか、おばあちゃんのところにいたいと言うことはありますか。",
        ),
        ("caller", "帰る時は、また来るねって、あっさりしたもんです"),
    )
    assert _state(sheet, "protection_request") != "該当"


@pytest.mark.parametrize(
    "text",
    [
        "赤ちゃんが、ずっと泣きやまなくて。まだ二か月なんですけど",
        "双子で、まだ一歳になってなくて、旦那は全然手伝わなくて、もう何日も寝てなくて。",
    ],
)
def test_what_a_sentence_denies_is_never_the_childs_age(sheet_of: Sheet, text: str) -> None:
    harm = sheet_of(("caller", text)).item("likely_serious_harm")
    assert harm.state == "該当" and not harm.conflicting


@pytest.mark.parametrize(
    "text",
    [
        "さっき赤ちゃんが泣きやまないって言いましたけど、よく聞いたら、隣じゃなくてテレビの音でした。",
        "赤ちゃんがぐったりしてるって言いましたけど、今見たら、泣きだしました",
    ],
)
def test_a_whole_clause_said_then_heard_again_is_taken_back(sheet_of: Sheet, text: str) -> None:
    sheet = sheet_of(("caller", text))
    assert _state(sheet, "likely_serious_harm") != "該当" and not sheet.severe


def test_a_friend_with_a_bruised_face_hit_by_her_father_is_a_blow_to_the_face(
    sheet_of: Sheet,
) -> None:
    # The sixty-fifth set's bn12, below its label until the tenth session: Sudachi read
    # 「あざあって。」 as あ + ざあ, and the あ was dropped as a filler.
    sheet = sheet_of(
        (
            "caller",
            "同じクラスの子で、顔にあざあって。聞いたら、お父さんに殴られたって本人が言ってた",
        ),
    )
    assert "head_face_blow" in sheet.item("likely_serious_harm").subitems


def test_no_reaction_in_kana_when_shaken_is_unconsciousness(sheet_of: Sheet) -> None:
    sheet = sheet_of(
        ("caller", "隣の部屋の子、廊下で倒れてて、体ゆすっても全然はんのうがないんです")
    )
    assert sheet.severe == ("unconscious",)


def test_how_often_alone_answers_yes(sheet_of: Sheet) -> None:
    # The seventieth set's bs138.
    sheet = sheet_of(("handler", "消えたいって思うこと、ある？"), ("caller", "……まいにち"))
    assert sheet.severe == ("child_suicidal",)
    asked = sheet_of(
        ("handler", "消えたいって思うこと、ある？"), ("caller", "まいにち学校行ってるよ")
    )
    assert not asked.severe


def test_a_bone_snapped_is_a_serious_injury(sheet_of: Sheet) -> None:
    # The seventy-first set's bt03, below its label at first sight.
    sheet = sheet_of(("caller", "病院で、ひびじゃなくて、ぽっきり折れてるって言われたそうです"))
    assert "serious_injury" in sheet.item("serious_harm").subitems


@pytest.mark.parametrize(
    "text",
    [
        "水泳教室で顔を水につけるのが怖いって泣くので、どう励ませばいいのかなって",
        "ママがプールで顔を水につける練習をさせてくれた",
    ],
)
def test_a_face_put_in_the_water_to_learn_to_swim_is_no_drowning(
    sheet_of: Sheet, text: str
) -> None:
    assert not sheet_of(("caller", text)).severe


def test_a_mother_who_sees_nothing_wrong_denies_the_abuse(sheet_of: Sheet) -> None:
    # The seventy-second set's bu09, below its label at first sight.
    sheet = sheet_of(
        (
            "caller",
            "『泣きやまないから、ちょっとぺちっとしただけ。みんなやってるでしょ』と、悪びれない感じで",
        ),
    )
    assert "parent_denies_abuse" in sheet.item("recurrence").subitems


def test_the_same_bruise_last_month_too_is_injuries_of_different_times(sheet_of: Sheet) -> None:
    # The seventy-first set's bt07, below its label after the first fixes.
    sheet = sheet_of(
        (
            "caller",
            "二歳児クラスの女の子なんですけど、今週、月曜と木曜に、ほっぺに青いあざがあって",
        ),
        ("handler", "記録はとっていますか。"),
        ("caller", "はい、写真も。実は先月にも一回、目の上に同じようなのがあって"),
    )
    assert _state(sheet, "recurrence") == "該当"


@pytest.mark.parametrize(
    "text",
    [
        "もしも、私がこのまま死にたくなったら、子どもはどうなるのかなって",
        "もし死にたくなったらどこに電話すればいいのかなって。いまは平気だけど",
    ],
)
def test_a_wish_to_die_that_would_come_is_no_thought_told(sheet_of: Sheet, text: str) -> None:
    sheet = sheet_of(("caller", text))
    assert not sheet.severe and _state(sheet, "parent_factors") != "該当"


@pytest.mark.parametrize(
    "question", ["おうちに帰りたくないって思うことある？", "おうちに帰りたくねえって思う？"]
)
def test_the_verb_of_a_denying_cue_said_plainly_is_a_no(sheet_of: Sheet, question: str) -> None:
    sheet = sheet_of(("handler", question), ("caller", "帰る。べつに、ふつう"))
    assert _state(sheet, "protection_request") != "該当"
    assert "child_requests_protection" not in sheet.item("protection_request").subitems
