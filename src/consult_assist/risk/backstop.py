"""A second reader for the severe sub-items: what the rules missed, flagged to be confirmed.

The rules tick a severe cue only for words they know; every new blind set brought phrasings
none of them had met (docs/risk.md §12). This reader is a character n-gram model trained on
the labelled sets: on a caller's turn (with the handler's question before it) that ticked no
severe cue, it may *suspect* one of the four severe sub-items, and it says which words made it
suspect so. A suspicion ticks nothing and changes no tier: it is shown to the handler as a
thing to confirm now (要確認), with a question to confirm it first in line.

Pure: numpy only, no I/O but :func:`load` and :meth:`Backstop.save`. Features are hashed
(crc32, so the same on every machine) character 1- to 4-grams of the caller's words, kana
folded to hiragana and punctuation dropped, and 1- to 4-grams of the handler's words as
separate features. The model is a softmax over "none" and the four sub-items, trained full
batch with the two sides (none / severe) weighted equally.
"""

from __future__ import annotations

import json
import unicodedata
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

import numpy as np
import numpy.typing as npt

from consult_assist.errors import ManualError
from consult_assist.knowledge.text import Morpheme, morphemes

__all__ = [
    "CLASSES",
    "MIN_CHARS",
    "THRESHOLD",
    "Backstop",
    "Suspicion",
    "TrainingRecord",
    "call_negatives",
    "load",
    "records_from",
    "train",
]

CLASSES = ("", "child_suicidal", "strangling", "unconscious", "drowning")
"""What the model tells apart: nothing severe (""), or one of the four severe sub-items."""
DIMS = 1 << 18
_SIZES = (1, 2, 3, 4)
_DROP = frozenset(" \u3000\t、。，．,.!?！？…‥「」『』（）()・〜~ー-―\"'")
_EVIDENCE_WORDS = 3
MIN_CHARS = 8
"""A caller's turn shorter than this (as the features see it), with no handler's question
before it, is not read: a word or two says too little, and on the telephone the recognizer's
short garbles (「開開」「水に水に」) read as anything. No labelled severe record is that short."""
THRESHOLD = 0.6
"""The default probability of any severe sub-item above which a turn is suspected (chosen on
the labelled sets held out five ways and on the sample calls' telephone recognition:
docs/risk.md §13)."""

Turn = tuple[str, str]
"""(speaker, text): "caller", "handler" or "" (one channel: nobody knows)."""


@dataclass(frozen=True)
class Suspicion:
    """A severe sub-item the rules did not tick, suspected from ``words`` in ``text``."""

    subitem: str
    text: str
    words: tuple[str, ...]
    at: float = 0.0
    speaker: str = ""
    asked: str = ""
    """The handler's question the words answer, when they followed one."""


@dataclass(frozen=True)
class TrainingRecord:
    """One labelled exchange: its turns and the severe sub-items it establishes (or none)."""

    turns: tuple[Turn, ...]
    severe: tuple[str, ...] = ()


def _fold(text: str) -> tuple[str, list[int]]:
    """The text as the features see it, and where each kept character was in ``text``."""
    kept: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        folded = _fold_char(ch)
        kept.append(folded)
        where.extend([i] * len(folded))
    return "".join(kept), where


@lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str:
    """One character as the features see it: NFKC, kana as hiragana, lower case; "" for
    punctuation and spaces."""
    out = []
    for c in unicodedata.normalize("NFKC", ch):
        if c in _DROP or c.isspace():
            continue
        if "ァ" <= c <= "ヶ":
            c = chr(ord(c) - 0x60)
        out.append(c.lower())
    return "".join(out)


def _is_kanji(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or ch == "\u3005"


def _whole_words(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The stretch ``text[start:end]`` widened to the whole morphemes it touches, without the
    particles, fillers and punctuation at its edges nor the auxiliaries at its start, which
    carry no word of their own (「に首」→「首」, 「にたいっ」→「しにたい」; a closing たい or
    ない stays: it is what was said); None when nothing else is left."""
    touched = _touched(text, start, end)
    while touched and touched[0].pos0 in _NOT_EVIDENCE | {"助動詞"}:
        touched.pop(0)
    while touched and touched[-1].pos0 in _NOT_EVIDENCE:
        touched.pop()
    if not touched:
        return None
    return touched[0].begin, touched[-1].end


def _touched(text: str, start: int, end: int) -> list[Morpheme]:
    """The morphemes of ``text`` that ``text[start:end]`` touches, in order."""
    return [m for m in morphemes(text) if m.begin < end and start < m.end]


_NOT_EVIDENCE = frozenset({"助詞", "補助記号", "空白", "感動詞"})
"""Parts of speech that are not shown at the edges of an evidence word."""


def _hash(side: str, gram: str) -> int:
    return zlib.crc32(gram.encode(), _PREFIX[side, len(gram)]) % DIMS


_PREFIX = {(side, n): zlib.crc32(f"{side}{n}".encode()) for side in "ch" for n in _SIZES}
"""The CRC of each feature's prefix (side and size): a gram's CRC continues from it, the same
as the CRC of prefix and gram written together, at a fraction of the cost."""


@lru_cache(maxsize=2048)
def _turn_features(side: str, text: str) -> frozenset[int]:
    folded, _ = _fold(text)
    return frozenset(
        _hash(side, folded[i : i + n]) for n in _SIZES for i in range(len(folded) - n + 1)
    )


def _grams(turns: Sequence[Turn]) -> dict[int, list[tuple[int, int, int]]]:
    """Each feature of the turns, with where its caller occurrences are: (turn, start, end)."""
    out: dict[int, list[tuple[int, int, int]]] = {}
    for number, (speaker, text) in enumerate(turns):
        side = "h" if speaker == "handler" else "c"
        folded, where = _fold(text)
        for n in _SIZES:
            for i in range(len(folded) - n + 1):
                places = out.setdefault(_hash(side, folded[i : i + n]), [])
                if side == "c":
                    places.append((number, where[i], where[i + n - 1] + 1))
    return out


def _feature_ids(turns: Sequence[Turn]) -> list[int]:
    ids: set[int] = set()
    for speaker, text in turns:
        ids |= _turn_features("h" if speaker == "handler" else "c", text)
    return sorted(ids)


@dataclass(frozen=True, eq=False)
class Backstop:
    """The trained model: ``weights`` (DIMS × classes), ``bias``, and the ``threshold`` on the
    probability of any severe sub-item above which a turn is suspected."""

    weights: npt.NDArray[np.float32]
    bias: npt.NDArray[np.float32]
    threshold: float = THRESHOLD
    trained_on: tuple[str, ...] = ()

    def probabilities(self, turns: Sequence[Turn]) -> npt.NDArray[np.float64]:
        """One probability per class of :data:`CLASSES`."""
        ids = _feature_ids(turns)
        logits = self.weights[ids].astype(np.float64).sum(axis=0) + self.bias
        logits -= logits.max()
        p = np.exp(logits)
        return np.asarray(p / p.sum(), dtype=np.float64)

    def suspect(self, turns: Sequence[Turn], at: float = 0.0) -> Suspicion | None:
        """The severe sub-item the last turn (a caller's) makes likely, with its words; None
        when nothing is likely, the last turn is the handler's, or it is too short to read
        (:data:`MIN_CHARS`) and answers no question of the handler's."""
        if not turns or turns[-1][0] == "handler":
            return None
        speaker, text = turns[-1]
        asked = turns[-2][1] if len(turns) > 1 and turns[-2][0] == "handler" else ""
        if not asked and len(_fold(text)[0]) < MIN_CHARS:
            return None
        p = self.probabilities(turns)
        if 1.0 - p[0] <= self.threshold:
            return None
        k = int(np.argmax(p[1:])) + 1
        words = self._evidence(turns, k)
        return Suspicion(CLASSES[k], text, words, at, speaker, asked)

    def _evidence(self, turns: Sequence[Turn], k: int) -> tuple[str, ...]:
        """The stretches of the last turn that pull most towards class ``k``: each character
        gets the pull of the n-grams over it (shared among their characters); the runs of
        characters pulling at least half as hard as the strongest are the words, the strongest
        runs first kept, in the order said."""
        last = len(turns) - 1
        text = turns[last][1]
        pull = np.zeros(len(text))
        for feature, places in _grams(turns).items():
            gain = float(self.weights[feature, k]) - float(self.weights[feature, 0])
            for number, start, end in places:
                if number == last and gain > 0:
                    pull[start:end] += gain / (end - start)
        if not pull.size or pull.max() <= 0:
            return ()
        strong = pull >= 0.5 * pull.max()
        runs: list[tuple[float, int, int]] = []
        i = 0
        while i < len(text):
            if not strong[i]:
                i += 1
                continue
            j = i
            while j < len(text) and (
                strong[j] or (text[j].isspace() and j + 1 < len(text) and strong[j + 1])
            ):
                j += 1
            if j - i >= 2 or _is_kanji(text[i]):
                runs.append((float(pull[i:j].sum()), i, j))
            i = j
        runs.sort(key=lambda r: -r[0])
        words: list[tuple[int, int]] = []
        for _, start, end in runs:
            word = _whole_words(text, start, end)
            if word is not None and not any(s < word[1] and word[0] < e for s, e in words):
                words.append(word)
            if len(words) == _EVIDENCE_WORDS:
                break
        if not words and runs:
            # Only particles and endings pulled: show the strongest stretch as whole morphemes.
            _, start, end = runs[0]
            touched = _touched(text, start, end)
            words = [(touched[0].begin, touched[-1].end)] if touched else [(start, end)]
        return tuple(text[s:e].strip() for s, e in sorted(words))

    def save(self, path: Path) -> None:
        """Write the model (weights as float16, small ones zeroed so the file packs small)."""
        weights = self.weights.astype(np.float16)
        weights[np.abs(weights) < 1e-3] = 0
        meta = {"classes": list(CLASSES), "dims": DIMS, "sizes": list(_SIZES)}
        meta |= {"threshold": self.threshold, "trained_on": list(self.trained_on)}
        with path.open("wb") as out:
            np.savez_compressed(
                out, weights=weights, bias=self.bias, meta=np.array(json.dumps(meta))
            )


def load(path: Path) -> Backstop:
    """Read a model written by :meth:`Backstop.save`; :class:`ManualError` when it is not one
    this code can use (other classes, dimensions or n-gram sizes)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            weights = data["weights"].astype(np.float32)
            bias = data["bias"].astype(np.float32)
    except OSError as exc:
        raise ManualError(
            f"{path}: cannot read the backstop model ({exc.strerror or exc})"
        ) from None
    except (ValueError, KeyError, EOFError):
        raise ManualError(
            f"{path}: not a backstop model (write one with `consult-assist manuals backstop`)"
        ) from None
    expected = {"classes": list(CLASSES), "dims": DIMS, "sizes": list(_SIZES)}
    found = {key: meta.get(key) for key in expected}
    if found != expected or weights.shape != (DIMS, len(CLASSES)) or bias.shape != (len(CLASSES),):
        raise ManualError(
            f"{path}: made for another version of the backstop ({found}); "
            "train it again with `consult-assist risk train`"
        )
    threshold = float(meta.get("threshold", THRESHOLD))
    return Backstop(weights, bias, threshold, tuple(meta.get("trained_on", ())))


def train(
    records: Iterable[TrainingRecord],
    *,
    iterations: int = 200,
    rate: float = 0.05,
    l2: float = 3e-4,
    threshold: float = THRESHOLD,
    severe_share: float | None = 0.5,
    trained_on: Sequence[str] = (),
) -> Backstop:
    """Fit the model (deterministic: full batch, Adam). Records with several severe
    sub-items share their weight among them; the severe records together weigh
    ``severe_share`` of the whole (None: as many as they are)."""
    ids: list[int] = []
    bounds = [0]
    targets: list[list[float]] = []
    for record in records:
        features = _feature_ids(record.turns)
        if not features:
            continue
        ids.extend(features)
        bounds.append(len(ids))
        want = [CLASSES.index(s) for s in record.severe if s in CLASSES]
        row = [0.0] * len(CLASSES)
        for k in want or [0]:
            row[k] = 1.0 / len(want or [0])
        targets.append(row)
    if not targets:
        raise ValueError("nothing to train on")
    index = np.asarray(ids, dtype=np.int64)
    starts = np.asarray(bounds[:-1], dtype=np.int64)
    lengths = np.asarray([b - a for a, b in pairwise(bounds)], dtype=np.int64)
    rows = np.repeat(np.arange(len(targets), dtype=np.int64), lengths)
    y = np.asarray(targets, dtype=np.float64)
    share = float((y[:, 0] < 1).mean())
    if severe_share is not None and 0 < share < 1:
        balance = np.where(
            y[:, 0] < 1, severe_share / share, (1 - severe_share) / (1 - share)
        ) / len(y)
    else:
        balance = np.full(len(y), 1.0 / len(y))
    w = np.zeros((DIMS, len(CLASSES)))
    b = np.zeros(len(CLASSES))
    moments = [np.zeros_like(w), np.zeros_like(w), np.zeros_like(b), np.zeros_like(b)]
    for step in range(1, iterations + 1):
        logits = np.add.reduceat(w[index], starts, axis=0)
        logits += b
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        error = (p - y) * balance[:, None]
        grad_w: npt.NDArray[np.float64] = np.stack(
            [
                np.bincount(index, weights=error[rows, k], minlength=DIMS)
                for k in range(len(CLASSES))
            ],
            axis=1,
        )
        grad_w += l2 * w
        grad_b = error.sum(axis=0)
        for value, grad, m, v in (
            (w, grad_w, moments[0], moments[1]),
            (b, grad_b, moments[2], moments[3]),
        ):
            m *= 0.9
            m += 0.1 * grad
            v *= 0.999
            v += 0.001 * grad * grad
            value -= rate * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    return Backstop(w.astype(np.float32), b.astype(np.float32), threshold, tuple(trained_on))


def call_negatives(turns: Sequence[Mapping[str, object]]) -> list[TrainingRecord]:
    """Every caller turn of a whole call in which nothing severe is said (labelled so), with
    the handler's turn before it: the ordinary talk of a call (greetings, names, yes, places)
    that the labelled exchanges have too little of."""
    out: list[TrainingRecord] = []
    before: Turn | None = None
    for turn in turns:
        pair = (str(turn["speaker"]), str(turn["text"]))
        if pair[0] == "handler":
            before = pair
            continue
        out.append(TrainingRecord((before, pair) if before is not None else (pair,)))
        before = None
    return out


def records_from(lines: Iterable[Mapping[str, object]]) -> list[TrainingRecord]:
    """Training records from labelled-set lines (docs/risk.md §8a): turns and severe sub-items."""
    out: list[TrainingRecord] = []
    for line in lines:
        turns = line.get("turns")
        subitems = line.get("subitems", [])
        if not isinstance(turns, list) or not isinstance(subitems, list):
            raise ValueError(f"not a labelled record: {line.get('id')!r}")
        pairs = tuple((str(t["speaker"]), str(t["text"])) for t in turns)
        severe = tuple(str(s) for s in subitems if s in CLASSES[1:]) if line.get("severe") else ()
        out.append(TrainingRecord(pairs, severe))
    return out
