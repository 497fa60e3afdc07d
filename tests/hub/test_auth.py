"""Tokens: printed once, stored as hashes only, checked in constant time."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from consult_assist.errors import AuthError, ConfigError
from consult_assist.hub.auth import TokenBook, add_token


def test_a_token_is_stored_only_as_its_hash(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    token = add_token(path, "sato", "handler")
    text = path.read_text(encoding="utf-8")
    assert token not in text and token[3:20] not in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    entry = TokenBook.load(path).check(token)
    assert entry is not None and (entry.name, entry.role) == ("sato", "handler")
    assert TokenBook.load(path).check(token + "x") is None
    assert json.loads(text)["tokens"][0]["sha256"] != token


def test_names_are_unique_unless_replaced(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    old = add_token(path, "sato", "handler")
    with pytest.raises(AuthError, match="already has a token"):
        add_token(path, "sato", "handler")
    new = add_token(path, "sato", "supervisor", replace=True)
    book = TokenBook.load(path)
    assert book.check(old) is None
    entry = book.check(new)
    assert entry is not None and entry.role == "supervisor"


def test_bad_names_and_roles_are_refused(tmp_path: Path) -> None:
    with pytest.raises(AuthError):
        add_token(tmp_path / "t.json", "two words", "handler")
    with pytest.raises(AuthError, match="unknown role"):
        add_token(tmp_path / "t.json", "kato", "janitor")


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o666, 0o620])
def test_a_tokens_file_others_may_use_is_refused_naming_the_file_and_the_chmod(
    tmp_path: Path, mode: int
) -> None:
    path = tmp_path / "tokens.json"
    add_token(path, "sato", "handler")
    path.chmod(mode)
    with pytest.raises(ConfigError) as refused:
        TokenBook.load(path)
    sentence = str(refused.value)
    assert str(path) in sentence and f"chmod 600 {path}" in sentence
    assert "\n" not in sentence
    path.chmod(0o600)
    assert len(TokenBook.load(path).entries) == 1
