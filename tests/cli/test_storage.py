"""``tokens add|list|revoke`` (file or PostgreSQL) and ``store migrate``, as a user types them."""

from __future__ import annotations

from pathlib import Path

import pytest

from consult_assist.cli import main
from consult_assist.hub.auth import TokenBook
from consult_assist.hub.migrations import MIGRATIONS


def test_tokens_list_has_headers_and_revoke_removes_one(tmp_path: Path, capsys) -> None:
    tokens = tmp_path / "tokens.json"
    for name, role in (("sato", "handler"), ("tanaka", "supervisor")):
        assert main(["tokens", "add", name, "--role", role, "--tokens", str(tokens)]) == 0
    capsys.readouterr()
    assert main(["tokens", "list", "--tokens", str(tokens)]) == 0
    header, *rows = capsys.readouterr().out.splitlines()
    assert header.split() == ["NAME", "ROLE", "CREATED"]
    assert [r.split()[:2] for r in rows] == [["sato", "handler"], ["tanaka", "supervisor"]]
    assert main(["tokens", "revoke", "sato", "--tokens", str(tokens)]) == 0
    assert "revoked" in capsys.readouterr().out
    assert [e.name for e in TokenBook.load(tokens).entries] == ["tanaka"]
    assert main(["tokens", "revoke", "sato", "--tokens", str(tokens)]) == 1
    assert "'sato' has no token" in capsys.readouterr().err


def test_tokens_in_a_postgresql_store(pg_url: str, capsys) -> None:
    assert main(["tokens", "add", "sato", "--role", "handler", "--store", pg_url]) == 0
    old = capsys.readouterr().out.strip()
    assert main(["tokens", "add", "sato", "--role", "handler", "--store", pg_url]) == 1
    assert "--replace" in capsys.readouterr().err
    assert main(["tokens", "add", "sato", "--role", "trainer", "--replace", "--store", pg_url]) == 0
    new = capsys.readouterr().out.strip()
    assert new.startswith("ca_") and new != old
    assert main(["tokens", "list", "--store", pg_url]) == 0
    listed = capsys.readouterr().out
    assert "trainer" in listed and new not in listed and new[3:20] not in listed
    assert main(["tokens", "revoke", "sato", "--store", pg_url]) == 0
    capsys.readouterr()
    assert main(["tokens", "list", "--store", pg_url]) == 0
    assert "no tokens in postgresql://" in capsys.readouterr().out


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_store_migrate_says_what_it_did_and_that_the_store_is_up_to_date(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest, capsys
) -> None:
    store = str(tmp_path / "new.db") if kind == "sqlite" else request.getfixturevalue("pg_url")
    assert main(["store", "migrate", "--store", store]) == 0
    first = capsys.readouterr().out
    assert first.count("applied migration") == len(MIGRATIONS)
    assert f"schema version {MIGRATIONS[-1].version} (up to date)" in first
    assert main(["store", "migrate", "--store", store]) == 0
    assert "applied" not in capsys.readouterr().out


def test_records_of_a_store_that_does_not_exist_say_so(tmp_path: Path, capsys) -> None:
    assert main(["records", "list", "--store", str(tmp_path / "none.db")]) == 1
    assert "no store at" in capsys.readouterr().err
    assert not (tmp_path / "none.db").exists()
