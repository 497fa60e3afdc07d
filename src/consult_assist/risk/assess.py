"""The sheet of one call, filled in incrementally from its final utterances.

Who counts (docs/risk.md §7): a question ticks nothing, whoever asks it; the handler's own
words never count (a summary of the caller's words is not new evidence); on a mono call with
no speakers the speech act alone decides. The caller's words count when they assert, answer
or relay (「うちの子が、首を絞められたって言うんです」); hypotheticals (「もし叩いちゃったら」),
rumours and other people's stories tick nothing. A denied cue (「叩いてはいないです」) is
evidence against the item; a bare yes or no answers the cues of the question it follows.

States never go back to 未確認. An item is 該当 once anything supports it, whatever is said
later: a later denial is kept as *conflicting* evidence and the item is asked about again.
非該当 needs a denial and no support; for the items with many boxes (④ ⑤ ⑦ ⑧) one denied
box is not enough, two different boxes must be denied.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from functools import lru_cache

from consult_assist.events import TranscriptFinal
from consult_assist.knowledge.acts import UNKNOWN_SPEAKERS, ActTracker, UtteranceActs, acts_of
from consult_assist.knowledge.slots import extract
from consult_assist.knowledge.text import analyse
from consult_assist.labels import heard_label
from consult_assist.risk.asking import Question, next_questions
from consult_assist.risk.backstop import Backstop, Suspicion
from consult_assist.risk.clauses import (
    adult_quoted,
    adult_said,
    adult_subject,
    beside_carer_words,
    closed_clause,
    cut_at_condition,
    not_let,
    opening_affirmation,
    opening_denial,
    something_there,
    to_sentence_end,
    unpunctuated,
)
from consult_assist.risk.cues import INFANT, CueMatcher, Found, Hit, takes_back
from consult_assist.risk.fill import acted_on, filled_answer, noun_phrase, picks
from consult_assist.risk.fragments import Fragments, Joined
from consult_assist.risk.riskfile import RiskSheet
from consult_assist.risk.sheet import Assessment, Evidence, ItemState
from consult_assist.risk.spec import (
    ITEM_NUMBERS,
    ITEMS,
    SUBITEMS,
    TIER_WORDING,
    TIERS,
    State,
    fired,
    tier_of,
)

__all__ = ["RiskAssessor", "assess_finals", "assess_turns"]

_MANY_BOXES = frozenset({"likely_serious_harm", "recurrence", "parent_factors", "environment"})
_NOT_COUNTED = frozenset({"question", "hypothetical", "request"})
_CARERS = frozenset({"保護者", "母", "父", "母親", "父親"})
_LIGHT_VERBS = frozenset({"為る", "居る", "有る", "成る", "来る", "行く", "言う", "思う", "見る"})
# Boxes whose cues are words of frequency (何回か, しょっちゅう): they borrow the topic only
# when the question asks how often (「見かけたことは？」「エレベーターで何回か」 is no habit).
_FREQUENCY_BOXES = frozenset({"habitual_abuse"})
# How many finals a box's required words stay the topic a how-often answer points back to.
_TOPIC_FINALS = 6
_SUSPICIONS_KEPT = 3
_IF_AGAIN = re.compile(r"(もし|もしも|仮に|万が一|万一)(また|又)")
"""An if-clause about something happening again: it has happened before."""
_WONDERING = re.compile(r".{0,12}?(の|ん)?かなぁ?[。…』」?？]*")
"""What ends a sentence that only wonders aloud (「…いいのかな。」), from the end of a cue to the
end of its sentence (:func:`~consult_assist.risk.clauses.to_sentence_end`); with a question mark
(「…のかな？」) it asks, unless the cue is :data:`_BETTER_OFF`."""
_WONDER_ENDS = frozenset("。？?！!…』」")
_ASKED = frozenset("？?")
_BETTER_OFF = re.compile(r".*(ほう|方)が(いい|良い|よい|まし|マシ)")
"""「しんだほうがいい」: a thought that is told even when it is asked
(「ぼく、しんだほうがいいのかな？」)."""
_HOW_TO = re.compile(
    r".{0,20}?(どうやったら|どうやれば|どうすれば|どうしたら).{0,8}?(痛く|いたく|楽に|らくに|確実)"
)
"""「じさつって、どうやったら痛くないの」: the caller asks how to do it, which tells the thought."""
_TIER_OF_SEVERE = TIERS[0]
_UNDENIED = re.compile(
    r"^[…‥.．、。\s]*((あの|えっと|えと|その)[、…\s]*)?(うそ|嘘|ウソ)(?!じゃ|では|って|でしょ|つき|だろ)"
    r"|(ほんとは|本当は|ほんとうは|ホントは|実は|じつは)[、…\s]*"
    r"(ある|あった|あります|ありました|された|されて(?!ない|いない|ません)|やられ|うん|はい|そう)"
    r"|^[…、\s]*(やっぱり|やっぱ)[、…\s]*(ある|あった|あります|ありました|された)"
)
"""A caller taking back the denial just made (「……うそ。ほんとは、ある。」)."""
_ECHOED_NO = re.compile(
    r"^[…‥、。\s]*[^、。？?\s]{0,4}?(ない|無い|ありません|なかった|ねえ|ねぇ|あらへん|へん)"
    r"(です|の|よ|ん)?([、。…\s]|$)"
)
"""An answer that opens with a bare negation (「ないの」「おきない」「ありません」)."""
_ASKED_LAST = re.compile(r"(ん|の)?(です|だ)?(ね|よね|か|かな|の)?[？?。…\s]*")
"""What may follow a cue that ends its question (「…返事がないんですね？」)."""
_UNDENY_FINALS = 4
"""At most this many finals after the caller's denial, a taking back still points at it."""
# A question about how often or whether before (「前にもあったの？」「どのくらいの頻度で」), which
# points back at what was being talked about; 「見かけたことは？」 does not.
_HOW_OFTEN = re.compile(
    r"前にも|以前にも|まえにも|これまで|今まで|いままで|頻度|どのくらい|どれくらい|どれぐらい|"
    r"何回|何度|なんかい|なんど|いつも|しょっちゅう|こういうこと|そういうこと|こういう事|そういう事|"
    r"一度だけ|一回だけ|いちどだけ|いっかいだけ|初めて|はじめて|"
    r"毎週|毎日|毎晩|毎朝|毎回|まいにち|まいばん|週に|月に"
)

_WHEN = re.compile(r"いつ|何時|なんじ")
_NUMERAL = "0-9一二三四五六七八九十"
_TIMES = re.compile(rf"[{_NUMERAL}]+[、,]?[{_NUMERAL}]*(回|度)")
_TWO_OR_MORE = rf"(?<![{_NUMERAL}])([2-9二三四五六七八九十]|[0-9]{{2}})"
"""A number of two or more (「二」「3」「十」「12」), never 「一」 nor part of a longer one."""
_SEVERAL_TIMES = re.compile(
    rf"{_TWO_OR_MORE}[、,]?[{_NUMERAL}]*(回|度)"
    r"|(何|なん)(回|度|かい|ど)も(です|あります|ありました|あった|[。、…]|$)"
)
"""A count of two times or more (「二回」「3、4回」「十回」, 「週に何回もです」 as an answer, not
「時計を何度も見て」), never 「一回」."""
_COMING_TO = re.compile(
    r"く?(なったら|なると|なれば|なる時|なるとき|なっちゃったら|なってしまったら)"
)
"""「もしも、私が死にたくなったら」: a wish that would come, in the condition; no thought told."""
_SAID_IF = re.compile(r"(って|とか|なんて|と)(言い出|いいだ|言いだ)(したら|すと)")
"""「この子が大きくなって『死にたい』とか言い出したら」: words that would be said one day, in
the condition; no thought told (a plain 「言ったら」 may be when it was said)."""
_WORRY = re.compile(
    r"(たり|とか)(し|され)?ない(か|かな|かしら|かと)(って|と|心配|しんぱい|不安|思)"
    r"|ない(か|かと)(心配|しんぱい|不安)"
    r"|[^。]{0,8}?(ちゃう|ちまう|てしまう|でしまう|じゃう)(な|なあ|なぁ)(って|と)"
)
"""「妹がお風呂で沈められたりしないかなって」「手が出ないか心配」「私が倒れたら、子どもたちだけ
になっちゃうなって」: a worry that it might be done or come, not that it was (「預かってもらえない
かと思って」 is a request)."""
_FEAR_TO_COME = re.compile(
    r"[ぁ-ん]{0,5}?(?<=[るう])(?<![てで]る)(?<![てで]いる)"
    r"(ん|の)(じゃ|や|では)ない(か|かと)(って|と|心配|しんぱい|不安|思|おも)"
)
"""「そのうち首でも絞められちゃうんじゃないかって」「いつか首とか絞めるんやないかって」: a fear of
an act that may come (not 「絞められたんじゃないか」「されてるんじゃないか」, a guess at what was
or is being done); of a box whose thought is the box (「殺しちゃうんじゃないかって、自分が怖い」)
it is the box."""
_WHAT_IF = re.compile(
    r"[ぁ-ん]{0,3}?(たら|だら)(って|と)[^。]{0,4}?(考え|かんがえ|想像|そうぞう|思っ|おもっ|思う|おもう)"
)
"""「下の子の首でも絞めたらって、考えちゃうんです」: an act pictured as a what-if, not done; like
a fear to come, it is the box only where the thought is."""
_CLEFT = re.compile(
    r"([ぁ-ん]{0,3}?|[』」]?(って|と)(言っ|いっ)た)のは[^。]{1,16}?(じゃなく|ではなく)て[^。]{0,12}?"
    r"(子|弟|妹|娘|息子|兄|姉|赤ちゃん|孫|ちゃん|くん|本人|嫁|妻|夫|旦那|母親|父親|彼氏|俺|私)"
    r"(の方|のほう|です|だ|や|で)"
)
"""「頭を沈められたのは上の子じゃなくて、下の子の方です」: the not is of which child, the act
stands (not 「ベランダに出されてるのは俺じゃなくて、犬です」); so do the words of which one
said them (「『死にたい』って言ったのは娘じゃなくて、孫本人です」), or who did it
(「首絞められたのは。……いや、やったのは俺じゃなくて嫁だ」)."""
_FEAR_SAID = re.compile(
    r"[ぁ-ん]{0,3}?(とか|って|と)?(言い出|いいだ|言いだ|言う|いう)(す)?(ん|の)(じゃ|や|では)ない(か|かと)"
    r"|[ぁ-ん]{0,3}?(とか|って|と)?(言い出|いいだ|言いだ)(したら|すかも)"
)
"""「いつか死にたいとか言い出すんじゃないかって」: a fear that the child may say it one day."""
_REALLY = re.compile(
    r"(実際に|本当に|ほんとに|ほんとうに|ほんまに)[^。？?]{0,12}(あった|起き|され|し|やっ)"
    r"|(あなた|きみ|君|自分|お子さん|あなたのおうち)(に|が|の)[^。？?]{0,8}(あった|起き|こと|そう)"
)
"""The handler asking whether a what-if really happened (「それは、実際にあったことかな」「それ、
あなたにあったことかな」「今、あなたがそう思ってるのかな」)."""
_CONFIRMS = re.compile(
    r"(昨日|きのう|今朝|けさ|先週|せんしゅう|先月|さっき|この前|このまえ|今日|きょう|ゆうべ|昨夜|"
    r"おととい|一昨日)|(母親|父親|母|父|お母さん|お父さん|ママ|パパ|親|継父|義父|彼氏)(に|から)|"
    r"(やられ|され)(ました|た)"
)
"""What makes an answer to 「実際にあったことかな」 a yes without a yes word: when it was, who did
it, or that it was done (「……昨日、母親にやられました」); 「ちょっと気になって」 is no yes."""
_KYUSHU_GOOD = re.compile(r"(よか|良か)(?!った|ろう|ない|な[？?]|[？?])")
"""Kyushu よか (いい) closing a cue (「おいはもう死んだほうがよか」ち言うとです): no question."""
_NOT_LET = re.compile(r"[ぁ-ん]{0,3}?(て|で)(くれ|呉れ|もらえ|貰え|もらわ|貰わ)(な|へん|ん)")
"""「上げさせてくれなかった」「出してもらえない」: the negation is of being let, right after the
words."""
_ANY_PLACE = re.compile(
    r"[^。]{0,3}?(とこ|ところ|所|場所|施設|人|方法)(は|って|が)?(ない|ありません|ないです)"
    r"(か|かな|かしら|でしょうか)"
)
"""「孫を預かってもらえるとこはないかと思って」: asking whether there is one denies nothing."""
_UNTOLD = re.compile(
    r"(?![^。]{0,4}と(は|までは|まで|も|か)(言|い|も))[^。]{0,10}?(言え|話せ|はなせ|いえ)(な|ん|へん|ませ)"
)
"""「パパとのひみつやけん言えん」「誰にも言えない」: what cannot be told is told here (not
「パパ嫌い、とかも言わないし」, words not said, nor 「虐待とまでは言えない」)."""
_DENIED_AFTER = re.compile(
    r"[ぁ-ん]{0,3}?(なんて|なんか)[^。]{0,16}?"
    r"(わけ(が)?(ない|ありません|あらへん|ねえ)|はず(が)?ない|ありえない|あり得ない)"
    r"|[ぁ-ん]{0,3}?(とか|なんて)[^。]{0,3}?(そんなん|そんなの|そんなこと|そういうの|そういうこと|"
    r"そがんこつ|そげんこつ|そんなこつ)[^。]{0,8}?(ない|ありません|あらへん|ねえ|とらん)"
    r"|[ぁ-ん]{0,3}?(ところ|とこ)(とか)?(は|も)?[^。]{0,2}(見て|みて)(ない|へん|ません|いない)"
    r"|[ぁ-ん]{0,5}?(という|って)(こと|わけ)(では|じゃ)(ない|ありません|ございません|なく)"
    # 「お風呂で沈めるなどということは、いたしておりません」
    r"|[ぁ-ん]{0,3}?(など|なんて)(という|って)(こと)(は)?[^。]{0,8}?(いたして|して|やって)"
    r"(おりません|いません|ない|ません)"
    r"|[ぁ-ん]{0,3}?(とか|なんか)は(別に|べつに)(そこまで|そんな)?"
    r"|[ぁ-ん]{0,3}?(とか|なんか|なんて)(は|も)?(別に|べつに|全然|ぜんぜん|全く|まったく|特に|とくに|"
    r"いっぺんも|一遍も|一度も|いちども|一回も|いっかいも)?"
    r"((うちの|私の|わたしの)?[一-龥ぁ-んァ-ン]{1,4}(は|が|も))?"
    r"(して|やって|され|思って|おもって|言って|いって|書いて|かいて|し|やっ)?(い|は)?"
    r"(ない|ません|へん|ねえ)"
    # Western dialect: 「首とかは絞められとらんよ」「沈めたりなんか、いっぺんもしとらんて」.
    r"|[ぁ-ん]{0,3}?(とか|なんか|たり|り(?=[はも]))(は|も)?(いっぺんも|一遍も|一度も|いちども)?"
    r"(され|して|し|やっ)?(とらん|ておらん|よらん|とらへん|ちょらん)"
    r"|(とらん|ておらん|とらへん|よらん|とりません)"
    # 「しにたいとかじゃ、ないよ」 (the pause read as a conjunction).
    r"|[ぁ-ん]{0,3}?(とか|なんか|なんて)(じゃ|では|じゃあ)(ない|ありません|ねえ|ねぇ)"
    # 「死にてぇなんて、…いっぺんも言ったごどねぇ」「首絞めだなんてごど、ねがったっちゃ」:
    # northern こと and its denial.
    r"|[ぁ-ん]{0,3}?(なんて|なんか|などと|など)[^。]{0,16}?(ごど|こど|こと)(は|も|が)?"
    r"(これまで|今まで|いままで)?(一度も|いちども|いっぺんも)?"
    r"(ねがった|ねがっ|ねえ|ねぇ|なかった|ありません|ございません)"
    # 「首をしめたなんてこと、娘は絶対にしてません」
    r"|[ぁ-ん]{0,3}?(なんて|なんか)(こと|ごど)(は|を)?[^。]{0,12}?(して|やって|され|やっ|し)"
    r"(い|は)?(ません|ない|ねえ|ねぇ)"
)
"""Words denied after them: 「お風呂に沈めるなんて、私がやるわけないでしょう」,
「沈めるとか、そんなん、うちでは、ないです」, 「首を絞めてるところとかは、見てないです」,
「首を絞めたりとかは、うちの夫はしてないです」, 「死にたいとかは別にない」, northern
「死にてぇなんて、いっぺんも言ったごどねぇ」."""
_MAY_A_CHILD_CALL = re.compile(
    r"(子ども|子供|こども|小学生|中学生|高校生)(が|から|でも|も|だけで)[^。？?]{0,8}"
    r"(電話|でんわ|かけ|相談|話)[^。？?]{0,8}(いい|大丈夫|だいじょうぶ|できる|でき|OK|オッケー)"
)
"""A child asking whether children may call (「これ、子どもが電話していいとこ？」)."""
_FIRST_PERSON = re.compile(
    r"(私|わたし|あたし|自分|俺|おれ|わし)(が|は|も|なんか|なんて|(?![のらた]))|^うち(な|は|も)"
)
_THEIR_CHILD = re.compile(
    r"(この子|うちの子|娘|息子|孫)(の|に|を|と|も)|(子ども|子供|こども)(たち|達)?の(ため|為)"
    r"|(子ども|子供|こども)(ら|たち|達)(が|は|を|に)|(子ども|子供|こども)(が)?(おる|いる)のに"
)
"""「私がいなくなったほうが、この子のためなんです。もう、死のうと思ってて」: a speaker who says
"I" and speaks of the child in the third person is the carer; the thought is the carer's."""
_STAGE = (
    r"(小学(生|[1-6１-６一二三四五六]年生?)|中学(生|[1-3１-３一二三]年生?)|高校(生|[1-3１-３一二三]年生?)|"
    r"小[1-6１-６一二三四五六]|中[1-3１-３一二三]|高[1-3１-３一二三])"
)
_CHILD_SELF = re.compile(
    r"(私|わたし|あたし|僕|ぼく|俺|おれ|うち|自分)(は|、|,|\s)[\s、…]*"
    rf"{_STAGE}(です|なんです|なんですけど|なんですが|なんだけど|だけど|だよ|で[、,]|[。．.！!]|$)"
    r"|^[\s、…]*((あの|えっと|えと|あ)[ー〜]*[、,…\s]*)?"
    rf"{_STAGE}(なんですけど|なんですが|なんだけど|だけど)"
    r"|^(私|わたし|あたし|僕|ぼく|俺|おれ|うち|自分)(は|、)[^。]*。\s*"
    rf"{_STAGE}(です|なんです)"
)
"""A caller who says what school year they are in, of themselves (「あ、私、中学三年です」,
「あの、中二なんですけど」 opening the turn, 「わたし、ベトナムから来ました。中学生です」): the
caller is a child. A bare 「小学3年生です」 may be the child's age told by a carer."""
_PARENT_TO_ME = re.compile(
    r"(ママ|パパ|まま|ぱぱ)(が|に|は|って)[、\s]*(わたし|あたし|ぼく|僕|おれ|俺)"
    r"(のこと|を|に|の(顔|頭|からだ|体|おなか|お腹))"
)
"""「ママがわたしのこときらいなの」「パパにぼくの頭…」: a caller who calls a parent ママ or パパ
and is the one the parent acts on is the child."""
_A_CARERS_CHILD = re.compile(r"(この子|うちの子|娘|息子|孫|子ども|子供|こども)(は|が|の|、)")
"""Words of a carer about their child in the same words, where a stage is the child's."""
_WHO = re.compile(r"(誰|だれ)(か)?(に|が|から)")
"""A question that asks who did it (「首のところ、誰かに押さえられたの？」)."""
_SOMEONE = re.compile(
    r"^[…‥.．、。\s]*[^。？?！!]{0,14}?(パパ|ママ|父|母|お父さん|お母さん|おとうさん|おかあさん|"
    r"とうちゃん|かあちゃん|彼氏|かれし|おじさん|おばさん|じいちゃん|ばあちゃん|兄|姉|お兄ちゃん|"
    r"お姉ちゃん|にいちゃん|ねえちゃん|継父|義父|旦那|夫|先生)(さん|ちゃん)?(です|だよ|だった)?(?:[。、…！!\s]|$)"
)
"""An answer whose first words name a person (「…ママの、あたらしいパパ。」): who did it."""
_TOGETHER = re.compile(
    r"(子|娘|息子|赤ちゃん)[^。]{0,12}一緒に$|(この子|子ども|子供|赤ちゃん|娘|息子)を?(抱っこ|だっこ)して[^。]{0,16}$"
)
"""「この子抱いてベランダから一緒に飛び降りようか」「この子抱っこしてベランダから飛び降りたら」:
the carer's thought, the child taken along."""
_TAKEN_ALONG = re.compile(
    r"[^。]{0,8}?(この子|あの子|子ども|子供|こども|娘|息子|赤ちゃん)(も|を)[^。]{0,4}?"
    r"(連れて|つれて)(いく|行く|いきます|行きます|逝く|いこう|行こう)"
)
"""「もう死にたい、この子も連れていく」: the child taken along after the words; the carer's."""
_HOW_MANY = re.compile(
    r"(何回|なんかい|何度|なんど|どのくらい|どれくらい|どのぐらい|どれぐらい|(一|1)(回|度)だけ|いっかいだけ)"
)
"""A question how many times (「…というのは、何回ぐらいあったのかな」「一回だけ？」): what it
asks about is taken as told, and an answer with a count says so."""
_A_COUNT = re.compile(
    r"^(えっと|えと|あの|うーん|ううん|いや|いえ|うん|はい|ええ)?[、。,…‥\s]*"
    rf"(?!(一|1|いっ)(回|かい|度)も)([{_NUMERAL}]+|何|なん|いっ|に|さん)[、,]?[{_NUMERAL}]*"
    r"(回|かい|度|ど)(?!と)"
)
"""An answer that opens with a count (「一回だけ。でも、すっごく長くて」「ううん。なんかいも。」),
never 「一回も」 (none) nor 「二度と」."""
_EVER = re.compile(
    r"(こと|事)(は|が|って|も)?[、\s]*(ある|あります|あった|ありました|ない|ありません)|"
    r"(一|1|いっ)(回|かい|度)も"
)
"""A question whether it ever happened (「首をしめられたこと、ある？」「一度も？」): an answer with
a count of times (「……一回だけ」) says it did."""
_FOLLOW_UP = re.compile(
    r"^[…‥、\s]*(一度も|一回も|いちども|いっかいも|本当に|ほんとに|ほんとうに|ほんと|本当)"
    r"[^。]{0,6}[？?]?$"
)
"""A question that only presses the one before it (「いや、ないです」「一度も？」): it asks
what that one asked."""
_ONCE = re.compile(r"^[^。]{0,12}?(一|1|いっ)(回|かい|度)(だけ|きり|です|。|、|$)")
"""An answer that it was once: the act, but no habit."""
_FIRST_TIME = re.compile(r"(初めて|はじめて)[^。？?]{0,6}([？?]|$)")
"""A question whether it was the first time (「ベランダに出されるのは、今日が初めて？」): a no
says it was done before."""
_CHECKING = re.compile(
    r"(ということ|ってこと|という事|って事)(です|でしょう|だ)?(ね|よね|か|かな)?[。？?]?$"
    r"|(言|い)った(んです|のです|んだ|の)ね[。？?]?$"
)
"""A handler's summing up that asks to be confirmed (「…ということですね。」「…ってことかな。」
「お孫さんは『溺れそうになった』と言ったんですね。」): what it sums up is asked, with or without a
question mark."""
_OFTEN_ANSWER = re.compile(
    r"^[…‥.．、。\s]*(毎日|まいにち|毎晩|まいばん|毎朝|まいあさ|いつも|しょっちゅう|何回も|なんかいも|"
    r"何度も|なんども|ほとんど毎日|ほぼ毎日)[…、。！!\s]*(です|だよ|かな|くらい|ぐらい)?[…、。！!\s]*$"
)
"""An answer that is only how often (「……まいにち」): the thing asked about happens."""
_DIALECT_DENIAL = re.compile(r"(ねえ|ねぇ|へん|ひん)$")
"""Denials closing a cue that the reading of acts does not know (「行きたくねえ」「帰らへん」)."""
_SO_MANY_TIMES = re.compile(rf"{_TWO_OR_MORE}(回|度)も")
"""「三回も四回も」: a count said as many, which goes on about what was just told."""
_SO_MANY_FINALS = 2
"""At most this many finals back, the words a count said as many points at were heard."""
# The opening of an answer that names a time (「きのうの、よる」「先週です」「三日前」): to a
# question of when something was done (「首をぎゅってされたのは、いつ？」) it says that it was.
_A_TIME = re.compile(
    r"^(えっと|えと|あの|うーん|うん|はい|ええ)?[、,…\s]*"
    r"(昨日|きのう|おととい|一昨日|今朝|けさ|今日|きょう|ゆうべ|昨夜|夕方|夜中|夜|よる|朝|あさ|昼|"
    r"先週|せんしゅう|先月|せんげつ|去年|きょねん|この前|このまえ|さっき|前の日|土曜|日曜|月曜|火曜|"
    r"水曜|木曜|金曜|[0-9一二三四五六七八九十]+(時|日前|週間前|か月前|カ月前|ヶ月前|年前|歳|さい))"
)


class RiskAssessor:
    """Per call: feed each final in order; the sheet is rebuilt from the evidence kept."""

    def __init__(
        self,
        matcher: CueMatcher,
        manual: Mapping[str, Sequence[str]] | None = None,
        backstop: Backstop | None = None,
    ) -> None:
        self.matcher = matcher
        self.manual = manual
        self.backstop = backstop
        self._suspected: list[Suspicion] = []
        self.sheet: RiskSheet = matcher.sheet
        self._acts = ActTracker()
        self._questions: dict[int, tuple[TranscriptFinal, Found]] = {}
        self._evidence: list[Evidence] = []
        self._carer = False
        self._child = False
        """The caller has said they are a child (「中二なんですけど」): their 「私が死にたい」 is
        theirs."""
        self._handler_said: tuple[TranscriptFinal, Found] | None = None
        self._topic: dict[str, int] = {}
        """The boxes whose required words were heard, and the final they were last heard in."""
        self._finals = 0
        self._before: tuple[TranscriptFinal, Found] | None = None
        """The final just before, whoever said it."""
        self._last: Assessment | None = None
        self._denied: tuple[int, list[Evidence]] = (0, [])
        """The caller's latest denials: the final they came in, and their evidence."""
        self._at = 0.0
        self._fragments = Fragments()
        self._pictured: list[tuple[TranscriptFinal, Hit, Found]] = []
        """The caller's acts put as a what-if or asked about (「もし、親が首をぎゅってやったら」),
        which a yes to 「実際にあったことかな」 makes told."""
        self._real_asked: int | None = None
        """The final in which the handler asked whether it really happened."""

    def observe(self, final: TranscriptFinal) -> Assessment | None:
        """Take one final in; the new sheet when anything on it changed, else None."""
        self._at = final.at
        turn = self._acts.observe(final)
        found = self.matcher.find(final.text)
        if not found.analysis.tokens:
            return None
        speaker = final.speaker or "unknown"
        handler = speaker == "handler"
        previous, self._handler_said = self._handler_said, None
        if turn.act == "question":
            self._questions[final.utterance] = (final, found)
        if handler:
            # A question the recognizer wrote without its question mark (「頭叩かれたことある」)
            # is still answered by a yes or a no.
            self._handler_said = (final, found)
        self._learn_caller(final.text, found, handler)
        asked: tuple[TranscriptFinal, Found] | None = None
        if turn.act == "answer" and turn.answers is not None and not handler:
            asked = self._questions.get(turn.answers)
        elif (
            speaker == "caller"
            and previous is not None
            and (found.affirms or found.denies or _A_COUNT.match(final.text) is not None)
            and (unpunctuated(previous[0].text) or _CHECKING.search(previous[0].text) is not None)
        ):
            asked = previous
        if asked is not None and not asked[1].hits and _FOLLOW_UP.match(asked[0].text):
            asked = self._pressed(asked[0].utterance) or asked
        self._finals += 1
        if asked is not None and self._topic:
            # 「前にもあったの？」「…しょっちゅう」: the question points back at what was being
            # talked about, so the words that make 「しょっちゅう」 about abuse may come before it:
            # in the last utterance that had any, and, for a how-often question, a few turns
            # before (the age may be asked in between).
            latest = max(self._topic.values())
            # 「それは、いつのことですか」「ここ二週間で、もう四、五回は見てます」: a count of
            # times answers how often, whatever was asked; more than once, so that 「週に一回
            # 来てくれます」 does not.
            how_often = (
                _HOW_OFTEN.search(asked[0].text) is not None
                or (
                    _WHEN.search(asked[0].text) is not None
                    and _TIMES.search(final.text) is not None
                )
                or _SEVERAL_TIMES.search(final.text) is not None
            )
            topic = frozenset(
                sub
                for sub, heard in self._topic.items()
                if (how_often and self._finals - heard <= _TOPIC_FINALS)
                or (heard == latest and (how_often or sub not in _FREQUENCY_BOXES))
            )
            asked = (asked[0], replace(asked[1], required=asked[1].required | topic))
        if asked is None and not handler and _SO_MANY_TIMES.search(final.text):
            # 「頭をパシンって叩くんです」「ご自身で見られたんですね。」「はい…三回も四回も」
            recent = {
                s for s, heard in self._topic.items() if self._finals - heard <= _SO_MANY_FINALS
            }
            found = replace(found, required=found.required | recent)
        for sub in found.required:
            self._topic[sub] = self._finals
        just_before, self._before = self._before, None
        if just_before is not None and _one_sentence_cut(just_before[0], final):
            # 「私にどなるんです ものを投げたり」「壁におしつけたり」「息子がいつも見てるんです」:
            # one sentence the recognizer cut at its pauses; its words still go together.
            found = replace(found, required=found.required | just_before[1].required)
        self._before = (final, found)
        before = len(self._evidence)
        if not found.rumour:
            self._own_words(final, found, speaker, asked[1] if asked else None)
        if asked is not None:
            self._answered(final, found, speaker, *asked)
            self._filled_in(final, found, speaker, asked[0])
        if handler:
            if self._pictured and _REALLY.search(final.text):
                self._real_asked = self._finals
        else:
            self._undenied(final, speaker, before)
            self._retracted(final, found, speaker, before)
            self._made_real(final, found, speaker)
        joined = self._fragments.observe(final, frozenset(h.subitem for h in found.hits))
        if joined is not None and not found.rumour:
            self._told_in_pieces(final, found, joined, speaker, asked)
        suspected = self._suspect(final, speaker, turn.act, previous)
        if len(self._evidence) == before and not suspected:
            return None
        assessment = self.assessment()
        self._last = assessment
        return assessment

    def _pressed(self, utterance: int) -> tuple[TranscriptFinal, Found] | None:
        """The question a follow-up (「一度も？」) presses: the latest one before it with cues,
        a few finals back at most."""
        for earlier in sorted(self._questions, reverse=True):
            if earlier < utterance and utterance - earlier <= _UNDENY_FINALS:
                question = self._questions[earlier]
                if question[1].hits:
                    return question
        return None

    def _suspect(
        self,
        final: TranscriptFinal,
        speaker: str,
        act: str,
        previous: tuple[TranscriptFinal, Found] | None,
    ) -> bool:
        """Ask the second reader about a caller's turn when no severe cue is ticked yet (on one
        channel, not about a question: it may be the handler's); keep what it suspects (the
        latest few, one per sub-item). A caller's own 「…いいのかな」 is read."""
        if self.backstop is None or speaker == "handler" or self._severe():
            return False
        if speaker in UNKNOWN_SPEAKERS and act == "question":
            return False
        turns = [("handler", previous[0].text)] if previous is not None else []
        turns.append(("caller", final.text))
        suspicion = self.backstop.suspect(turns, final.at)
        if suspicion is None:
            return False
        suspicion = replace(suspicion, speaker=final.speaker)
        kept = [s for s in self._suspected if s.subitem != suspicion.subitem]
        self._suspected = [*kept, suspicion][-_SUSPICIONS_KEPT:]
        return True

    def _severe(self) -> tuple[str, ...]:
        return tuple(
            dict.fromkeys(
                e.subitem
                for e in self._evidence
                if not e.denies and e.subitem in SUBITEMS and SUBITEMS[e.subitem][1]
            )
        )

    def _learn_caller(self, text: str, found: Found, handler: bool) -> None:
        if handler:
            return
        if _MAY_A_CHILD_CALL.search(text):
            return  # 「これ、子どもが電話していいとこ？」: a child asks, no carer speaks
        if (_CHILD_SELF.search(text) or _PARENT_TO_ME.search(text)) and not _A_CARERS_CHILD.search(
            text
        ):
            self._child = True
            self._carer = False
            return
        relation = extract("relation", text)
        if not self._child and (
            found.carer_words or (relation is not None and relation.value in _CARERS)
        ):
            self._carer = True

    def _counts(self, sub: str, speaker: str) -> bool:
        if speaker in UNKNOWN_SPEAKERS or speaker == "caller":
            return True
        return self.matcher.subitems[sub].speaker == "any"

    def _subject(self, hit: Hit, act: str, found: Found, text: str) -> str:
        """The sub-item a carer's words about themselves stand for (「私が死にたい」 is the
        carer in crisis; 「眠れない」 from a carer is no sign in the child): "" for none."""
        spec = self.matcher.subitems[hit.subitem]
        # 「うちの子、きのうの夜『ママ、わたし死にたい』言った」「年長の女の子が『…わたし、消えちゃ
        # いたい』って」: words in a quote that calls to a parent, or that a child is named as
        # saying, are a child's, whatever carer's words stand beside them.
        passed_on = (
            _TO_A_PARENT.search(text) is not None or _A_CHILD_SAID.search(text) is not None
        ) and _quoted(text, hit.matched)
        if (self._child or passed_on) and self._childs_own(hit, found):
            return hit.subitem if spec.subject == "child" else ""
        if spec.subject != "child":
            return hit.subitem
        if spec.if_adult and any(
            h.subitem == spec.if_adult and h.start < hit.end and hit.start < h.end
            for h in found.hits
        ):
            return spec.if_adult
        if (
            self._carer
            and act != "reported"
            and not found.child_words
            and not _quoted(text, hit.matched)
        ):
            return spec.if_adult
        of_adult = adult_subject(found, hit)
        if spec.if_adult and (
            of_adult
            or adult_quoted(found, hit)
            or (beside_carer_words(found, hit, spec.if_adult) and not passed_on)
            or _TOGETHER.search(found.analysis.text, 0, hit.start) is not None
            or _TAKEN_ALONG.match(found.analysis.text, hit.end) is not None
            or (
                _FIRST_PERSON.search(found.analysis.text, 0, hit.start) is not None
                and _THEIR_CHILD.search(found.analysis.text) is not None
                and not passed_on  # the わたし of a quote passed on is the quoted one's
            )
        ):
            return spec.if_adult
        if of_adult and not spec.feeling:
            # 「妻が、ここ数日まったく眠ってなくて」: said of the parent, no sign in the child
            # (but 「お父さんが怖い」 names whom the child fears).
            return spec.if_adult
        if adult_said(found, hit):
            # 「お母さんが、『夜も全然眠れない』と泣いて」: the parent's words of herself; a
            # child's box with no carer's box beside it stands for nothing.
            return spec.if_adult
        return hit.subitem

    def _childs_own(self, hit: Hit, found: Found) -> bool:
        """Whether, from a caller who is a child, ``hit`` is a child's box said of themselves or
        the carer's box of the same words (「私が死にたい」), not a parent's named or quoted."""
        spec = self.matcher.subitems[hit.subitem]
        if spec.subject == "child":
            return not (adult_subject(found, hit) or adult_quoted(found, hit))
        return any(
            (other := self.matcher.subitems[h.subitem]).if_adult == hit.subitem
            and other.subject == "child"
            and h.start < hit.end
            and hit.start < h.end
            and not (adult_subject(found, h) or adult_quoted(found, h))
            for h in found.hits
        )

    def _own_words(
        self, final: TranscriptFinal, found: Found, speaker: str, asked: Found | None
    ) -> None:
        acts = acts_of(final.text)
        for hit in found.hits:
            if not self._counts(hit.subitem, speaker):
                continue
            span = acts.at(hit.start, hit.end)
            act = span.act
            # 「湯船に顔つけて、なかなか上げさせてくれなかった」: what the child was not let do
            # tells what was done; it denies nothing.
            negated = (
                span.negated
                and not _NOT_LET.match(found.analysis.text, hit.end)
                and not _UNTOLD.match(found.analysis.text, hit.end)
                and not _ANY_PLACE.match(found.analysis.text, hit.end)
                and not _CLEFT.match(found.analysis.text, hit.end)
                and not _said_again(found.analysis.text, hit)
            ) or _DENIED_AFTER.match(found.analysis.text, hit.end) is not None
            spec = self.matcher.subitems[hit.subitem]
            if act == "question" and (
                closed_clause(found, hit) or _KYUSHU_GOOD.match(found.analysis.text, hit.end - 2)
            ):
                # 「つい揺さぶっちゃって、大丈夫ですかね」: the clause before the question is said;
                # 「死んだほうがよか」 is Kyushu for いい, its か no question.
                act = "statement"
            if (
                act == "question"
                and spec.thoughts
                and speaker == "caller"
                and (
                    _wonders(found, hit)
                    or _HOW_TO.match(to_sentence_end(found, hit.start)) is not None
                )
            ):
                # 「ぼく、しんだほうがいいのかな。」: the caller wonders aloud; the thought is told.
                act = "statement"
            if (
                act == "hypothetical"
                and spec.thoughts
                and span.sentence == "statement"
                and not cut_at_condition(acts, hit.start, hit.end)
                and not _COMING_TO.match(found.analysis.text, hit.end)
            ):
                # 「ベランダから飛び降りたら楽になるかなって」: the thought is what is told.
                act = "statement"
            if act == "hypothetical" and _if_again(acts, hit.start):
                # 「もしまた、くびしめられたら、どうしたらいい？」: "if again" says it was done.
                act = "statement"
            text = found.analysis.text
            if (
                (spec.thoughts and _SAID_IF.match(text, hit.end))
                or _WORRY.match(text, hit.end)
                or _FEAR_SAID.match(text, hit.end)
                or (
                    not spec.thoughts
                    and (_FEAR_TO_COME.match(text, hit.end) or _WHAT_IF.match(text, hit.end))
                )
            ):
                act = "hypothetical"
            sentence = acts.sentence_at(hit.start)
            if (
                act == "question"
                and asked is not None
                and hit.subitem != INFANT
                and sentence
                and acts.hedged(sentence)
            ):
                # 「どのくらいの頻度で？」「ほぼ毎日ですかね」: an answer that hedges asks nothing;
                # but 「二歳くらいかな」 is an age guessed, not said.
                act = "statement"
            if asked is not None and act == "statement":
                act = "answer"
            if hit.subitem == INFANT:
                # 「赤ちゃんが、ずっと泣きやまなくて。まだ二か月なんですけど」: what the sentence
                # denies is about the child, never the child's age.
                negated = False
            if act in _NOT_COUNTED:
                if not self._asks_for_it(spec.asking, act, speaker):
                    if act in ("hypothetical", "question") and speaker != "handler":
                        self._pictured.append((final, hit, found))
                    continue
                negated = False  # 「預かってもらえないでしょうか」 is a polite request
            if (
                spec.requires
                and hit.subitem not in found.required
                and not (asked is not None and hit.subitem in asked.required)
            ):
                continue
            sub = self._subject(hit, act, found, final.text)
            if sub:
                self._add(final, hit, sub, speaker, act, denies=negated)
        self._corrections(final, found, speaker)

    def _told_in_pieces(
        self,
        final: TranscriptFinal,
        found: Found,
        joined: Joined,
        speaker: str,
        asked: tuple[TranscriptFinal, Found] | None,
    ) -> None:
        """「……くび」「くび？」「うん。りょうてで、ぎゅって」: the caller's fragments said as
        one; only what neither turn found alone counts (nothing twice)."""
        together = self.matcher.find(joined.text)
        alone = joined.named | {h.subitem for h in found.hits}
        new = tuple(h for h in together.hits if h.subitem not in alone)
        if not new:
            return
        said = replace(final, text=joined.text)
        self._own_words(said, replace(together, hits=new), speaker, asked[1] if asked else None)

    @staticmethod
    def _asks_for_it(asking: bool, act: str, speaker: str) -> bool:
        """A caller asking for protection (「預かってもらえませんか」) asks for it; on a mono
        call only a request can be told from the handler's question."""
        if not asking:
            return False
        return act == "request" or (act == "question" and speaker == "caller")

    def _corrections(self, final: TranscriptFinal, found: Found, speaker: str) -> None:
        """「いや、叩いてはいないです」 after 「頭を叩かれて」: the same act denied, without the
        words that made it a sub-item, is conflicting evidence against that sub-item."""
        if speaker == "handler":
            return
        acts = acts_of(final.text)
        denied = {
            t.lemma: t
            for t in found.analysis.tokens
            if t.pos0 == "動詞"
            and t.lemma not in _LIGHT_VERBS
            and acts.at(t.begin, t.end).negated
            and acts.at(t.begin, t.end).act not in _NOT_COUNTED
        }
        if not denied:
            return
        own = {h.subitem for h in found.hits}
        for before in list(self._evidence):
            if before.denies or before.subitem in own or before.utterance == final.utterance:
                continue
            shared = _verbs(before.matched) & denied.keys()
            if shared:
                token = denied[min(shared)]
                hit = Hit(before.subitem, token.begin, token.end, token.surface)
                self._add(final, hit, before.subitem, speaker, "statement", denies=True)

    def _undenied(self, final: TranscriptFinal, speaker: str, before: int) -> None:
        """「ベランダにだされたことは、ない」「……うそ。ほんとは、ある」: the caller takes back
        the denial of a turn or two ago, which then stands said; both are kept, so the item
        shows as conflicting. A turn's own denials become the ones a later turn may take back."""
        finals, denials = self._denied
        if (
            denials
            and self._finals - finals <= _UNDENY_FINALS
            and _UNDENIED.search(final.text) is not None
            and not acts_of(final.text).main().negated
        ):
            for denial in denials:
                hit = Hit(denial.subitem, 0, 0, denial.matched)
                text = f"{denial.text} → {final.text}"
                self._add(final, hit, denial.subitem, speaker, "statement", denies=False, text=text)
            self._denied = (0, [])
        new = [e for e in self._evidence[before:] if e.denies and e.speaker == speaker]
        if new:
            self._denied = (self._finals, new)

    def _retracted(self, final: TranscriptFinal, found: Found, speaker: str, before: int) -> None:
        """「ぐったりして、動かへん…」「お子さん、今、呼びかけに」「あ、いや、寝とっただけやわ」:
        a turn that takes back the speaker's last marks, a few finals on, with nothing new of its
        own. The marks stay (an alarm is not dropped on a later word) and the taking back is
        kept against each of them, so the item shows as conflicting and is asked about again."""
        if len(self._evidence) > before or found.hits or not takes_back(final.text):
            return
        said = [e for e in self._evidence if e.speaker == speaker and e.utterance is not None]
        if not said:
            return
        last = max(e.utterance for e in said if e.utterance is not None)
        if final.utterance - last > _UNDENY_FINALS:
            return
        for earlier in said:
            if earlier.utterance == last and not earlier.denies:
                hit = Hit(earlier.subitem, 0, 0, earlier.matched)
                self._add(final, hit, earlier.subitem, speaker, "statement", denies=True)

    def _made_real(self, final: TranscriptFinal, found: Found, speaker: str) -> None:
        """「もしですよ、親が子どもの首をこう、ぎゅってやったら、虐待になるんですか」「それは、
        実際にあったことかな」「……昨日、母親にやられました」: a what-if the caller then says
        happened. The pictured acts of the caller's last turns become told, with both turns as
        the evidence; a no, a don't-know or a question leaves them pictured."""
        asked, self._real_asked = self._real_asked, None
        pictured = [p for p in self._pictured if p[0].utterance != final.utterance]
        if asked is None or not pictured or self._finals - asked > 2:
            self._pictured = [p for p in self._pictured if p[0].utterance == final.utterance]
            return
        acts = acts_of(final.text)
        if (
            found.denies
            or found.unknown
            or (acts.main().negated and not found.affirms)
            or acts.main().act == "question"
            or not (found.affirms or _CONFIRMS.search(final.text))
        ):
            return
        for earlier, hit, said in pictured:
            sub = self._subject(hit, "answer", said, earlier.text)
            if sub:
                text = f"{earlier.text} → {final.text}"
                self._add(final, hit, sub, speaker, "answer", denies=False, text=text)
        self._pictured = []

    def _answered(
        self,
        final: TranscriptFinal,
        found: Found,
        speaker: str,
        question: TranscriptFinal,
        asked: Found,
    ) -> None:
        """A yes or no to a question: the question's cues, affirmed or denied. Repeating the
        question's verb answers it too (「触られたりしてない？」「…触られる」)."""
        if found.unknown or found.rumour:
            return
        acts = acts_of(final.text)
        main = acts.main()
        negated = (
            (main.negated or opening_denial(acts, found))
            and not self._cue_negation(acts, found)
            and not opening_affirmation(acts)
            and not (found.affirms and not_let(acts))
        )
        denies = found.denies or (negated and not found.affirms)
        timed = _WHEN.search(question.text) is not None and _A_TIME.match(final.text) is not None
        # 「消えたいって思うこと、ある？」「……まいにち」: how often it is, so it is.
        often = _OFTEN_ANSWER.match(final.text) is not None
        # 「首のところ、誰かに押さえられたの？」「…ママの、あたらしいパパ」: named, so yes.
        named = _WHO.search(question.text) is not None and _SOMEONE.match(final.text) is not None
        # 「バケツの水に顔をつけられたのは、何回ぐらい？」「一回だけ。でも、すっごく長くて」
        counted = (
            _HOW_MANY.search(question.text) is not None or _EVER.search(question.text) is not None
        ) and _A_COUNT.match(final.text) is not None
        once = counted and _ONCE.match(final.text) is not None
        # 「ベランダに出されるのは、今日が初めて？」「ううん、いっつも」: not the first time.
        before_too = denies and _FIRST_TIME.search(question.text) is not None
        if counted or before_too:
            negated = denies = False
        affirms = (
            found.affirms or timed or often or named or counted or before_too
        ) and not negated
        said = {
            t.lemma: acts.at(t.begin, t.end).negated
            for t in found.analysis.tokens
            if t.pos0 == "動詞" and t.lemma not in _LIGHT_VERBS
        }
        q_acts = acts_of(question.text)
        own = {h.subitem for h in found.hits}
        # 「首を手でつかまれたり、口や鼻をふさがれたりしたことはある？」「……口。まくらで」: a
        # bare noun that picks one of the things asked says yes to that one.
        chosen = None if (denies or negated) else noun_phrase(final.text)
        punctuated = not unpunctuated(question.text) and _CHECKING.search(question.text) is None
        for hit in asked.hits:
            if hit.subitem in own or not self._counts(hit.subitem, speaker):
                continue
            if punctuated and "question" not in (
                q_acts.at(hit.start, hit.end).act,
                q_acts.at(hit.end - 1, hit.end).act,  # 「家に帰るの、こわい？」 asks on to its end
            ):
                continue  # said around the question, not asked
            spec = self.matcher.subitems[hit.subitem]
            if spec.requires and not (spec.id in asked.required or spec.id in found.required):
                continue
            # A verb repeated answers: denied, it is a no; but the cue may be a denial itself
            # (「帰りたくない？」「帰る時は、また来るねって」 is a no).
            negative_cue = (
                acts_of(hit.matched).main().negated
                or _DIALECT_DENIAL.search(hit.matched) is not None
            )
            repeated = [said[v] != negative_cue for v in _verbs(hit.matched) if v in said]
            if (
                not repeated
                and negative_cue
                and _ECHOED_NO.match(final.text)
                and _ASKED_LAST.fullmatch(asked.analysis.text, hit.end)
            ):
                # 「呼んでも返事がない？」「ないの」「…起きない？」「おきない」: the question ends
                # on the cue, and the answer says its negation again; it is a yes (not
                # 「…とかはない？」 nor 「…もらえなかったりすることはある？」「それはない」).
                repeated = [False]
            no = repeated[0] if repeated else denies
            yes = (not repeated[0]) if repeated else affirms and not denies
            if not (yes or no) and chosen and picks(chosen, hit.matched):
                yes = True
            if not (yes or no):
                continue
            if once and hit.subitem in _FREQUENCY_BOXES:
                continue  # 「何回も叩かれてるの？」「ううん、一回だけ」: the blow, not a habit
            if no and not repeated and hit.subitem == INFANT:
                # 「三歳のお子さんが一人で外に。けがはしていませんでしたか」「けがはなかった」:
                # a no denies what was asked, never the age the question named.
                continue
            if yes and not repeated and q_acts.at(hit.start, hit.end).negated:
                # 「叩かれたりしていない？」「はい」: yes to a negative question is ambiguous.
                continue
            text = f"{question.text} → {final.text}"
            sub = self._subject(hit, "answer", asked, question.text)
            if sub:
                self._add(final, hit, sub, speaker, "answer", denies=no, text=text)
        if denies and not something_there(acts, found):
            # 「頼れる方はいますか」「いえ…誰もいないです」: nobody to rely on.
            for hit in asked.absent:
                if hit.subitem not in own and self._counts(hit.subitem, speaker):
                    text = f"{question.text} → {final.text}"
                    self._add(final, hit, hit.subitem, speaker, "answer", denies=False, text=text)

    def _filled_in(
        self, final: TranscriptFinal, found: Found, speaker: str, question: TranscriptFinal
    ) -> None:
        """「どこを叩かれたの？」「顔」: the answer's noun put back into the question
        (:func:`~consult_assist.risk.fill.filled_answer`), or 「首のところ、なにかされた？」
        「うん。手で、ぐって」 said after the part of the body the question names
        (:func:`~consult_assist.risk.fill.acted_on`), names what neither says alone."""
        if found.unknown or found.rumour or found.denies:
            return
        filled = filled_answer(question.text, final.text) or acted_on(
            question.text, final.text, self.sheet.context.affirm
        )
        if filled is None:
            return
        said = self.matcher.find(filled.text)
        own = {h.subitem for h in found.hits}
        for hit in said.hits:
            if not filled.answers(hit.start, hit.end) or hit.subitem in own:
                continue  # the question's own words, or what the answer says by itself
            spec = self.matcher.subitems[hit.subitem]
            if not self._counts(hit.subitem, speaker) or (
                spec.requires and hit.subitem not in said.required
            ):
                continue
            sub = self._subject(hit, "answer", said, filled.text)
            if sub:
                text = f"{question.text} → {final.text}"
                self._add(final, hit, sub, speaker, "answer", denies=False, text=text)

    @staticmethod
    def _cue_negation(acts: UtteranceActs, found: Found) -> bool:
        """Whether the negation closing the answer belongs to a cue of its own, said and not
        denied: 「うん……帰りたくない」 is a yes that goes on in the caller's words, not a no."""
        where = acts.closing_negation()
        return where is not None and any(
            hit.start <= where[0]
            and where[1] <= hit.end
            and not acts.at(hit.start, hit.end).negated
            for hit in found.hits
        )

    def _add(
        self,
        final: TranscriptFinal,
        hit: Hit,
        sub: str,
        speaker: str,
        act: str,
        *,
        denies: bool,
        text: str = "",
    ) -> None:
        evidence = Evidence(
            subitem=sub,
            text=text or final.text,
            at=final.start if final.start else final.at,
            speaker=speaker,
            act=act,
            denies=denies,
            matched=hit.matched,
            utterance=final.utterance,
        )
        if any(_same(e, evidence) for e in self._evidence):
            return
        self._evidence.append(evidence)

    def assessment(self) -> Assessment:
        """The sheet as the evidence so far gives it."""
        items = tuple(_item_state(self.sheet, item, self._evidence) for item in ITEMS)
        established = {i.id for i in items if i.state == "該当"}
        severe = self._severe()
        tier = tier_of(established, bool(severe))
        states: Mapping[str, State] = {i.id: i.state for i in items}
        conflicting = tuple(i.id for i in items if i.conflicting)
        suspected = () if severe else tuple(self._suspected)
        asks = next_questions(self.sheet, states, bool(severe), conflicting, self.manual)
        return Assessment(
            tier=tier,
            tier_label=TIER_WORDING[tier],
            rules=fired(established, bool(severe)),
            items=items,
            severe=severe,
            next=tuple(self._confirm(s) for s in reversed(suspected)) + asks,
            at=self._at,
            suspected=suspected,
        )

    def _confirm(self, suspicion: Suspicion) -> Question:
        """The prompt to confirm what the second reader suspects (it ticks nothing itself)."""
        spec = self.matcher.subitems.get(suspicion.subitem)
        label = spec.label if spec is not None else suspicion.subitem
        heard = heard_label(suspicion.words, suspicion.text)
        return Question(
            item=_owners(suspicion.subitem)[0],
            ask=f"「{heard}」：{label}がなかったか、そのまま確かめてください",
            raises_to=_TIER_OF_SEVERE,
            reason="要確認（言い方から疑われます。まだ該当ではありません）",
        )


def _wonders(found: Found, hit: Hit) -> bool:
    """Whether the sentence of ``hit`` only wonders aloud after it
    (「ぼく、しんだほうがいいのかな。」); asked with a question mark, only a thought of being
    better off dead is told."""
    rest = to_sentence_end(found, hit.end, _WONDER_ENDS)
    return _WONDERING.fullmatch(rest) is not None and (
        not _ASKED.intersection(rest)
        or _BETTER_OFF.match(found.analysis.text, hit.start, hit.end) is not None
    )


def _if_again(acts: UtteranceActs, start: int) -> bool:
    """Whether the sentence of the words at ``start`` opens its if-clause with また before
    them: 「もしまた、くびしめられたら」 tells that it was done."""
    tokens = acts.analysis.tokens
    for sentence in acts.sentences:
        if sentence.first >= len(tokens):
            continue
        begin = tokens[sentence.first].begin
        if begin <= start <= tokens[min(sentence.last, len(tokens) - 1)].end:
            return _IF_AGAIN.search(acts.analysis.text[begin:start]) is not None
    return False


_TO_A_PARENT = re.compile(
    r"[『「](ママ|パパ|お母さん|おかあさん|お父さん|おとうさん|母さん|父さん|かあちゃん|とうちゃん)[、,…]"
)
"""A quote that opens by calling to a parent (『ママ、わたし死にたい』): a child's words."""
_A_CHILD_SAID = re.compile(
    r"(女の子|男の子|子|娘|息子|本人|生徒|児童|孫)(が|は)[^『「。]{0,20}[『「]"
    r"|(孫|娘|息子)(が|は)[^『「]{0,50}(わたくし|私|わたし)に(だけ)?[、,]?[『「]"
    r"|(女の子|男の子|子|娘|息子|生徒|児童|孫)に[、,]?[^『「。]{0,30}[『「][^』」]+[』」]"
    r"(って|と)(言われ|いわれ)"
)
"""A quote whose speaker is a child named before it (「年長の女の子が、お昼寝のときに『…』」), or
who said it to the caller (「中二の娘に、…昨日『ママといると死にたくなる』って言われたんです」)."""
_QUOTE = re.compile(
    r"[『「]([^』」]+)[』」](って|と|(?=言|いう|いっ|ゆう|ゆっ))(?![^。]{0,8}(思|おも|考え|かんがえ))"
)
"""Words in quotes passed on (「『もう消えたい。ママごめん』って。」「『…ほっといて』言うて」),
not a thought of the speaker's own (「『消えたい』って思っちゃう」)."""


def _said_again(text: str, hit: Hit) -> bool:
    """「息、してない、してないかも」: words said twice over in a panic; the second saying
    continues the first, it does not deny it."""
    tail = hit.matched[-3:]
    return len(tail) == 3 and text.startswith(tail, hit.end)


def _quoted(text: str, words: str) -> bool:
    """Whether ``words`` (as the matcher saw them) stand inside quotes passed on in ``text``:
    a carer relaying someone's words is not speaking of herself."""
    return any(words in analyse(m.group(1)).text for m in _QUOTE.finditer(text))


@lru_cache(maxsize=4096)
def _verbs(text: str) -> frozenset[str]:
    return frozenset(
        t.lemma for t in analyse(text).tokens if t.pos0 == "動詞" and t.lemma not in _LIGHT_VERBS
    )


_CUT_GAP_S = 1.0
"""At most this long between two finals of one speaker that are one sentence cut in two."""


def _one_sentence_cut(before: TranscriptFinal, final: TranscriptFinal) -> bool:
    """Whether ``final`` goes straight on from ``before``: the same speaker, and no pause
    longer than a breath between them (the recognizer's finals overlap by a few hundred ms)."""
    return (
        before.speaker == final.speaker
        and before.end > before.start
        and final.start - before.end <= _CUT_GAP_S
    )


def _same(a: Evidence, b: Evidence) -> bool:
    return (a.subitem, a.utterance, a.denies) == (b.subitem, b.utterance, b.denies)


def _owners(box: str) -> tuple[str, ...]:
    """The items a box establishes (an item's own cues are named by the item)."""
    return SUBITEMS[box][0] if box in SUBITEMS else (box,)


def _item_state(sheet: RiskSheet, item: str, evidence: list[Evidence]) -> ItemState:
    mine = [e for e in evidence if item in _owners(e.subitem)]
    supports = [e for e in mine if not e.denies]
    denials = [e for e in mine if e.denies]
    state: State = "未確認"
    if supports:
        state = "該当"
    elif denials:
        boxes = {e.subitem for e in denials}
        if item not in _MANY_BOXES or len(boxes) >= 2:
            state = "非該当"
    return ItemState(
        id=item,
        number=ITEM_NUMBERS[item],
        label=sheet.item(item).label,
        state=state,
        subitems=tuple(dict.fromkeys(e.subitem for e in supports)),
        evidence=tuple(mine),
        conflicting=bool(supports and denials),
    )


def assess_finals(matcher: CueMatcher, finals: Iterable[TranscriptFinal]) -> Assessment:
    """The sheet at the end of a call, fed its finals in order."""
    assessor = RiskAssessor(matcher)
    for final in finals:
        assessor.observe(final)
    return assessor.assessment()


def assess_turns(
    matcher: CueMatcher, turns: list[tuple[str, str, float]], session: str = "risk"
) -> Assessment:
    """The sheet of a whole transcript given as ``(speaker, text, at)`` turns."""
    return assess_finals(
        matcher,
        (
            TranscriptFinal(
                session=session, at=at, utterance=n, start=at, end=at, text=text, speaker=speaker
            )
            for n, (speaker, text, at) in enumerate(turns)
        ),
    )
