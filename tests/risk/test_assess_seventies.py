"""The sheet of a call on what the seventy-fourth to seventy-seventh blind sets showed:
phrasings it missed, and everyday words it ticked.

Each case failed before the change it names (manuals/risk.toml, risk/cues.py or
risk/assess.py).
"""

from __future__ import annotations

from collections.abc import Callable

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
