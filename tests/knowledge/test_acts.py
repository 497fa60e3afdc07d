"""Speech acts from Sudachi's analysis: asked, told, denied, quoted, imagined, requested."""

from __future__ import annotations

import pytest

from consult_assist.events import TranscriptFinal
from consult_assist.knowledge.acts import ActTracker, SpanAct, acts_of


def main(text: str) -> str:
    return acts_of(text).main().act


def act_of(text: str, words: str) -> SpanAct:
    """The act of the first occurrence of ``words`` (spelt as in the normalised text)."""
    acts = acts_of(text)
    start = acts.analysis.text.index(words)
    return acts.at(start, start + len(words))


@pytest.mark.parametrize(
    "text",
    [
        "お子さんは何歳くらいですか。",
        "お名前、言えるかな。",
        "今、どこから電話しているの。",
        "おうちにきょうだいはいるかな",  # no punctuation, as recognisers often write it
        "連絡先を教えていただけますか",
        "住所を教えてください",  # asking to be told is asking
        "どんなことでも聞かせてください",
        "お名前は？",
        "何歳くらい",
        "大丈夫なの?",
        "けがわあるかな",  # recognition damage (は -> わ) keeps the question
        "息子さんが戦れたことはありますか",
        "なにがあったの",  # a question word + の asks
        "何も食べてないの？",  # nothing, but the mark asks
    ],
)
def test_questions(text: str) -> None:
    assert main(text) == "question"


@pytest.mark.parametrize(
    "text",
    [
        "3歳くらいの男の子です",
        "お母さんがいないの",  # の without a question word tells
        "腕にあざがあります",
        "公園の公衆電話です。お父さんは仕事で。",
        "うん",
        "ゆうとです 小学四年生です",
        # dn008: a question word + も before a denial is nothing, nobody; the の tells.
        "揺すっても、ぐでーっとして、なんも反応ねぇの。",
        "誰もいないの",
        # dk042: a question that the words after it say was checked asks nothing.
        "今日、屋上の鍵が開いてるか、見に行った。",
    ],
)
def test_statements(text: str) -> None:
    assert main(text) == "statement"


@pytest.mark.parametrize(
    "text",
    [
        "血が出ているところは、タオルでそっと押さえてください",
        "その男の人には近づかないでください",
        "いつでもここに電話してね",
        "百十番に電話していいんだよ",
        "警察に電話してもいいんですね",
        "赤ちゃんを安全な場所に寝かせましょう",
    ],
)
def test_requests_advice_and_permission(text: str) -> None:
    assert main(text) == "request"


def test_the_last_sentence_decides_unless_one_asks() -> None:
    assert main("痛かったね。ゆうとくんは何も悪くないよ。今どこから電話しているの。") == "question"
    assert main("顔にあざもあったんですね。それは、いつごろですか。") == "question"
    assert main("ありがとう。このあと、大人の人が様子を確かめに行くからね。") == "statement"


def test_sentences_split_without_punctuation() -> None:
    acts = acts_of("お名前言えるかな今日はどうしたの")
    assert [s.kind for s in acts.sentences] == ["question", "question"]
    acts = acts_of("小学四年生です妹がいます")
    assert len(acts.sentences) == 2


def test_a_recognisers_space_after_a_predicate_ends_the_sentence() -> None:
    # ASR text keeps no 。 but a space where the speaker paused: the wish is its own sentence,
    # not inside the condition mused on after it.
    acts = acts_of("いなくなりたい ベランダから飛び降りたら楽になるかなって ずっと考えてる")
    assert len(acts.sentences) == 2  # 「…かなって ずっと考えてる」 goes on after って
    assert act_of("いなくなりたい ベランダから", "いなくなりたい").act == "statement"
    # A space after a particle is no boundary: the phrase goes on.
    assert len(acts_of("お父さんに 叩かれた").sentences) == 1


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("息子を叩くことはないです。", "叩く"),
        ("揺さぶってはいないです", "揺さぶ"),
        ("意識がないわけじゃないけど、ぼんやりしてて", "意識がない"),
        ("殴られてないです", "殴ら"),
        ("叩いたりはしないです", "叩い"),
        ("警察には、まだ言っていませんでした", "警察"),  # a noun denied through its verb
        ("包丁は持っていない", "包丁"),
        ("お酒は一滴も飲まないんです", "お酒"),  # a count (一滴も) leads to the predicate
        ("外に出されてるとか、そういうのは見たことないです", "出され"),  # never seen
        ("体は元気です。酒もたばこもやらないんで", "酒"),  # nouns listed under one denial
        ("お酒やたばこはやりません", "お酒"),
        ("お酒はやめました", "お酒"),  # given up
    ],
)
def test_denials(text: str, words: str) -> None:
    assert act_of(text, words).negated


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("一回しか叩いてない", "叩い"),  # しか…ない: only once, but it happened
        ("殴られて痛くない", "殴ら"),  # the negation belongs to 痛い
        ("意識がないんです", "意識がない"),  # the word's own ない is not a denial of it
        ("お金がないので", "お金がない"),
        ("警察に電話してみます", "警察"),
        ("殴られたけど、痛くはない", "殴ら"),  # けど closes the clause
        ("赤ちゃんのお世話もできない日があって", "赤ちゃん"),  # the care is denied, not the baby
        ("首を閉めてたって上の子は何も言わないんですけど", "閉め"),  # って reports; not a topic
        ("夫はお酒がやめられない", "お酒"),  # cannot give it up
        ("酒もたばこもやめられないんです", "酒"),
    ],
)
def test_not_denials(text: str, words: str) -> None:
    assert not act_of(text, words).negated


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("もし今日、怖いことがあったら、百十番に電話していいんだよ", "怖い"),
        ("また悲鳴などが聞こえて危ないと感じたら、迷わず百十番に電話してください", "悲鳴"),
        ("今夜帰ってこない場合や、居場所が分からない場合は、警察に相談してください", "帰っ"),
        ("もしまた殴られたらどうしよう", "殴ら"),  # a worry, not an event
        ("今夜また危ないと思ったら。", "危ない"),  # the main clause never came
    ],
)
def test_hypotheticals(text: str, words: str) -> None:
    assert act_of(text, words).act == "hypothetical"


def test_a_past_main_clause_is_narrative_not_hypothetical() -> None:
    assert act_of("お父さんが帰ってきたら殴られた", "殴ら").act == "statement"
    assert act_of("お酒を飲むと暴れるんです", "暴れる").act == "statement"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("お父さんが殺すぞって言ってた", "殺す"),
        ("保健室で、お母さんの彼氏に叩かれた、と。", "叩か"),
        ("家で叩くのは毎日だ、とも言っていました", "叩く"),
        ("家出しておいで、泊めてあげる、と書いてありました", "家出"),
        ("うちに何か食べるものないって", "食べる"),  # hearsay at the end
    ],
)
def test_reported_speech(text: str, words: str) -> None:
    assert act_of(text, words).act == "reported"


def test_own_thoughts_and_self_introduction_are_not_reports() -> None:
    assert act_of("もう、死にたいって、毎日思ってて", "死にたい").act == "statement"
    assert main("田中と申します") == "statement"


def test_words_in_a_question_are_asked_even_in_a_long_turn() -> None:
    text = (
        "本当につらかったね。あなたは悪くないよ。"
        "今夜、飛び降りたり、薬を飲んだりしようと考えているかな。"
    )
    assert act_of(text, "飛び降り").act == "question"
    assert act_of(text, "悪く").act == "statement"


def test_asserted_covers_statements_answers_and_reports_only() -> None:
    assert SpanAct(act="statement").asserted
    assert SpanAct(act="answer").asserted
    assert SpanAct(act="reported").asserted
    assert not SpanAct(act="statement", negated=True).asserted
    assert not SpanAct(act="question").asserted
    assert not SpanAct(act="hypothetical").asserted
    assert not SpanAct(act="request").asserted


def final(text: str, utterance: int, speaker: str = "unknown") -> TranscriptFinal:
    return TranscriptFinal(
        session="s", utterance=utterance, start=0, end=1, text=text, speaker=speaker
    )


def test_unknown_speakers_the_utterance_after_a_question_answers_it() -> None:
    tracker = ActTracker()
    assert tracker.observe(final("お子さんは何歳ですか", 1)).act == "question"
    turn = tracker.observe(final("三歳くらいの男の子です", 2))
    assert (turn.act, turn.answers) == ("answer", 1)
    assert tracker.observe(final("夜はいつも一人です", 3)).act == "statement"


def test_known_speakers_wait_for_the_other_side() -> None:
    tracker = ActTracker()
    tracker.observe(final("お名前を教えていただけますか", 1, "handler"))
    # The handler goes on: not an answer, the question still waits.
    assert tracker.observe(final("ゆっくりで大丈夫です", 2, "handler")).act == "statement"
    turn = tracker.observe(final("山田です", 3, "caller"))
    assert (turn.act, turn.answers) == ("answer", 1)


def test_annotate_fills_act_and_negation() -> None:
    tracker = ActTracker()
    out = tracker.annotate(final("揺さぶってはいないです", 1))
    assert (out.act, out.negated) == ("statement", True)
    assert tracker.annotate(final("", 2)).act == "statement"


@pytest.mark.parametrize("text", ["はい、何度か。", "何回か。", "いくつか。"])
def test_a_few_times_is_an_answer_not_a_question(text: str) -> None:
    assert acts_of(text).main().act == "statement"


def test_a_few_times_with_a_question_mark_asks() -> None:
    assert acts_of("何回か？").main().act == "question"


@pytest.mark.parametrize("text", ["保健室で話してくれて。", "先生が教えてくれた"])
def test_telling_what_someone_told_is_not_asking_to_be_told(text: str) -> None:
    assert acts_of(text).main().act == "statement"


def test_asking_what_to_do_is_a_question_not_a_condition() -> None:
    acts = acts_of("呼んでも目を開けなくて、どうしたら…")
    assert acts.main().act == "question"


def test_a_what_to_do_question_after_a_quote_does_not_ask_what_was_quoted() -> None:
    """No punctuation: 「…意味ないって私どうしたらいいか」 says the quote, then asks."""
    text = "もう生きてても意味ないって私どうしたらいいか"
    acts = acts_of(text)
    quoted = text.index("意味ない")
    assert acts.at(quoted, quoted + 4).act == "reported"
    assert acts.main().act == "question"


def test_what_to_do_about_a_thing_stays_one_question() -> None:
    acts = acts_of("これをどうしたらいいか")
    assert len(acts.sentences) == 1
    assert acts.main().act == "question"


def test_a_condition_mused_on_is_hypothetical() -> None:
    acts = acts_of("この子の口をふさいだら静かになるかなって、一瞬、思っちゃって")
    assert acts.at(0, 8).act == "hypothetical"


def test_a_request_quoted_is_no_request_of_the_speaker_even_without_punctuation() -> None:
    text = "娘がね孫の顔を洗面機の水に押し付けて反省しなさいって孫は咽て泣いてて"
    assert acts_of(text).at(5, 17).act != "request"


def test_permission_closes_the_sentence_or_it_is_no_request() -> None:
    assert acts_of("電話してもいい").main().act == "request"
    assert acts_of("生きてていいことないし").main().act != "request"


@pytest.mark.parametrize(
    ("text", "denied"),
    [
        ("死にたいとかは、思ってないよ", True),
        ("死にたいって思ってる", False),
        ("手をあげたことは、一度もないです", True),
        ("叩いたことはあるけど、怒鳴ったことはない", False),
        # The ない of another clause does not deny the thought (fifth blind set).
        ("死にたいって毎日思ってて、子どもがいなかったら……とか考えちゃって", False),
    ],
)
def test_words_made_the_topic_of_a_denial_are_denied(text: str, denied: bool) -> None:
    assert acts_of(text).at(0, 3).negated is denied


def test_hearing_from_someone_is_not_asking_to_be_told() -> None:
    text = "先生から聞いたんですけど、その子が『いなくなりたい』って言ってるらしくて"
    assert acts_of(text).main().act != "question"


@pytest.mark.parametrize(
    ("text", "words", "denied"),
    [
        ("本気で殺しちゃうんじゃないかって、自分が怖いんです", "殺しちゃう", False),
        ("叩いたのではないかと思います", "叩いた", False),
        ("叩いてはいないです", "叩いて", True),
        ("叩かないかもしれない", "叩か", True),
        ("叩いたかもしれない", "叩いた", False),
    ],
)
def test_the_nai_of_a_conjecture_closed_by_ka_denies_nothing(
    text: str, words: str, denied: bool
) -> None:
    assert act_of(text, words).negated is denied


def test_an_if_word_set_apart_opens_the_question_that_follows() -> None:
    text = "仮に、仮にですよ、子どもを施設に預けるってなったら、どういう手続きになるんですか。"
    assert act_of(text, "施設に預ける").act == "hypothetical"
    assert act_of("子どもを施設に預けることはできますか。", "施設に預ける").act == "question"


@pytest.mark.parametrize(
    "text",
    [
        "あの子に何しちゃうか、自分でもわからなくて",
        "どうしたらいいか、わからないんです",
        "いつだったか、覚えてない",
    ],
)
def test_a_question_that_is_said_to_be_unknown_asks_nothing(text: str) -> None:
    acts = acts_of(text)
    assert [s.kind for s in acts.sentences] == ["statement"]
    assert acts.closing_negation() is not None


def test_a_question_closed_by_ka_before_another_phrase_is_still_asked() -> None:
    assert acts_of("何があったか、話してくれる？").main().act == "question"
    assert acts_of("大丈夫か、お母さんは家にいるの？").sentences[0].kind == "question"


def test_the_closing_negation_is_where_the_last_predicate_is_denied() -> None:
    acts = acts_of("うん……帰りたくない。")
    where = acts.closing_negation()
    assert where is not None and acts.analysis.text[where[0] : where[1]] == "ない"
    assert acts_of("帰りたい。").closing_negation() is None


@pytest.mark.parametrize(
    ("text", "negated"),
    [
        ("顔は叩かれてへんよ", True),  # after て, the dictionary reads へん as a noun
        ("首なんか絞められてへん", True),
        ("お酒は一滴も飲まへんのです", True),
        ("叩かれへんかった", True),
        ("お父さんに顔叩かれてん", False),
        ("そのへんに跡があってん", False),  # その辺: a place
    ],
)
def test_kansai_hen_denies(text: str, negated: bool) -> None:
    assert acts_of(text).main().negated is negated


@pytest.mark.parametrize("text", ["古い黄色いあざと、新しい紫のあざが、いくつも。", "何回も"])
def test_a_question_word_with_mo_is_a_quantity_not_a_question(text: str) -> None:
    assert acts_of(text).main().act == "statement"


def test_an_apology_is_no_request() -> None:
    text = "ベランダに子どもが出されてて、ずっと、ごめんなさい、入れてって泣いてるんです"
    # told, the child's cry passed on (「…って泣いてる」 reports it), not asked of the listener
    assert acts_of(text).main().act in ("statement", "reported")
    assert acts_of("ごめんなさい、電話してください").main().act == "request"


@pytest.mark.parametrize(
    "text", ["お酒は一切飲まない", "お酒は絶対飲まない", "お酒はいっさい飲まない"]
)
def test_a_noun_used_as_an_adverb_does_not_stop_the_denial(text: str) -> None:
    acts = acts_of(text)
    start = acts.analysis.text.index("お酒")
    assert acts.at(start, start + 2).negated


@pytest.mark.parametrize(
    ("text", "denied"),
    [
        ("首を絞めたとか、そういうのは絶対ないです", True),
        ("首を絞められたとか、そういうのはありません", True),
        ("首を絞められたとか、そういうのもあって", False),
    ],
)
def test_such_things_said_not_to_exist_deny_what_was_quoted(text: str, denied: bool) -> None:
    acts = acts_of(text)
    start = acts.analysis.text.index("首")
    end = acts.analysis.text.index("たとか")  # up to the verb's ending, as a cue's span stops
    assert acts.at(start, end).negated is denied


def test_a_clause_that_ends_is_not_denied_by_the_next() -> None:
    """「もう限界で毎日ほとんど寝れてない」: the ない belongs to 寝れる, not to 限界."""
    text = "私もう限界で毎日ほとんど寝れてないんです"
    acts = acts_of(text)
    start = acts.analysis.text.index("限界")
    assert not acts.at(start, start + 2).negated


def test_a_question_quoted_and_taken_up_by_tte_is_reported_not_asked() -> None:
    text = "夜中に『ママ、わたし死んだほうがいい？』って聞いてきて。"
    acts = acts_of(text)
    start = acts.analysis.text.index("死ん")
    assert acts.at(start, start + 5).act == "reported"


def test_a_polite_past_of_telling_is_told_not_asked() -> None:
    assert acts_of("今朝ぽつっと話してくれまして").main().act == "statement"
    assert acts_of("話してくれませんか").main().act == "question"


def test_a_statement_trailing_off_with_tteiuka_asks_nothing() -> None:
    act = acts_of("もう気力が残ってないっていうか……").main()
    assert act.act != "question" and act.asserted


def test_a_question_word_with_ka_is_someone_not_a_question() -> None:
    assert (
        acts_of("誰かに見張られてるって言って、カーテン全部閉めたりするの").main().act != "question"
    )
    assert acts_of("誰にやられたの").main().act == "question"


def test_such_a_thing_denied_denies_what_it_points_back_to() -> None:
    acts = acts_of("首を絞めたとか、そんなことは絶対にしてません。")
    assert acts.at(0, 4).negated


@pytest.mark.parametrize(
    "text",
    [
        "叩かれたりとか首を絞められたりとか、そういうのは一切ないって、はっきり言ってました。",
        "お風呂で沈められるとか、そんなのされたことない。",
        "死にたいとかは、ないっす。",
    ],
)
def test_what_is_listed_then_said_to_be_none_of_it_is_denied(text: str) -> None:
    acts = acts_of(text)
    plain = acts.analysis.text
    word = next(w for w in ("絞められ", "沈められ", "死にたい") if w in plain)
    start = plain.index(word)
    assert acts.at(start, start + len(word)).negated


def test_nakunaru_is_a_change_not_a_denial() -> None:
    assert not acts_of("もう死にたいいなくなりたい").at(2, 5).negated
    assert acts_of("もう死にたくない").at(2, 5).negated


def test_a_wish_left_open_after_moraeru_is_a_request() -> None:
    assert acts_of("二人をどこかで預かってもらえたら").main().act == "request"
    assert acts_of("もし預かってもらえたら、楽になるのかな").main().act != "request"


def test_a_childs_te_ne_going_on_telling_is_no_request() -> None:
    told = acts_of("頭をねぐっと小湯の中にいれてねブクブクってなって来るしかったの")  # unpunctuated
    assert "request" not in [s.kind for s in told.sentences]
    assert acts_of("ママには言わないでね").main().act == "request"


def test_tteiuka_pointing_back_hedges_and_asks_nothing() -> None:
    acts = acts_of("水を張った中に頭ごと、沈めるっていうか、そういうのを夫が")
    assert "question" not in [s.kind for s in acts.sentences]


def test_a_reply_guessing_counts_on_the_way_to_a_statement_answers() -> None:
    tracker = ActTracker()
    tracker.observe(final("それは一度だけですか", 1, "handler"))
    turn = tracker.observe(final("いえいえ、週に…四回？五回？もうほとんど毎晩です", 2, "caller"))
    assert (turn.act, turn.answers) == ("answer", 1)
    assert tracker.observe(final("四回？五回？", 3, "handler")).act == "question"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("顔を湯船につけて、何秒か…やってしまいました。", "湯船"),  # 何秒か: some seconds
        ("くびに、ひも？みたいなの、まいてきて、ひっぱった", "ひも"),  # a word said unsure
    ],
)
def test_an_unsure_word_or_a_few_seconds_asks_nothing(text: str, words: str) -> None:
    assert act_of(text, words).act == "statement"


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("行くたびですから、この三か月で五回か六回か、いつもどこかしらに", ["statement"]),
        ("あります。でも子どもがいるから、って、なんとか", ["statement", "statement"]),
        ("どうにかして", ["statement"]),
        ("どこにいるのかしら", ["question"]),
    ],
)
def test_somewhere_and_somehow_ask_nothing(text: str, kinds: list[str]) -> None:
    assert [s.kind for s in acts_of(text).sentences] == kinds


def test_a_hedged_answer_is_an_answer_not_a_question() -> None:
    tracker = ActTracker()
    said = [
        ("handler", "そういうことは、どのくらいの頻度でありますか。"),
        ("caller", "ほぼ毎日ですかね"),
        ("caller", "毎日ですかね？"),
    ]
    turns = [
        tracker.observe(
            TranscriptFinal(session="s", at=n, utterance=n, start=n, end=n, text=text, speaker=who)
        )
        for n, (who, text) in enumerate(said)
    ]
    assert turns[1].act == "answer"
    assert turns[2].act == "question"  # with a question mark, it asks back
    acts = acts_of("ほぼ毎日ですかね")
    assert acts.hedged(acts.sentences[0])
    assert not acts.hedged(acts_of("毎日ですか").sentences[0])


@pytest.mark.parametrize(
    "text",
    [
        # df116: the caller's own what-to-say question starts after the quote.
        "昨日の夜布団被ってもうしにたいって俺何て言ってやればいいのか分かんなくて",
        "もうしにたいってなんて声かけたらいいのか",
    ],
)
def test_a_what_to_say_question_after_a_quote_does_not_ask_the_quote(text: str) -> None:
    assert act_of(text, "しにたい").act != "question"
