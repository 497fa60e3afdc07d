"""Which requests the whisper adapter decodes together (pure; the model is in tests/e2e)."""

from __future__ import annotations

from consult_assist.asr.whisper import pad_groups


def test_finals_share_a_pass_only_with_windows_of_their_own_length() -> None:
    items = [(5, 600, False), (5, 800, False), (5, 600, False)]
    assert pad_groups(items, final_ratio=1.0, partial_ratio=1.5) == [(5, [0, 2]), (5, [1])]


def test_partials_are_padded_up_to_their_ratio_to_share_a_pass() -> None:
    items = [(1, 400, True), (1, 600, True), (1, 800, True), (1, 1200, True)]
    groups = pad_groups(items, final_ratio=1.0, partial_ratio=1.5)
    assert groups == [(1, [0, 1]), (1, [2, 3])]


def test_beam_widths_never_share_a_pass_and_a_mixed_group_keeps_the_final_ratio() -> None:
    items = [(5, 600, False), (1, 400, True), (1, 600, False), (1, 600, True)]
    groups = pad_groups(items, final_ratio=1.0, partial_ratio=1.5)
    assert (5, [0]) in groups
    assert (1, [1]) in groups and (1, [2, 3]) in groups
