"""How client commands trust a wss:// server: a CA file, or (a lab) no check at all."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest
from clitools import self_signed

from consult_assist.cli.client_tls import client_ssl_context
from consult_assist.errors import ConfigError


def test_no_ca_file_is_the_systems_trust() -> None:
    assert client_ssl_context(None) is None


def test_a_ca_file_is_trusted(tmp_path: Path) -> None:
    cert, _ = self_signed(tmp_path)
    context = client_ssl_context(cert)
    assert context is not None and context.verify_mode == ssl.CERT_REQUIRED
    assert any("localhost" in str(c.get("subject")) for c in context.get_ca_certs())


@pytest.mark.parametrize(
    ("content", "sentence"),
    [(None, "no such file"), ("not a certificate\n", "not a PEM certificate")],
)
def test_a_bad_ca_file_is_one_sentence(tmp_path: Path, content: str | None, sentence: str) -> None:
    path = tmp_path / "ca.pem"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=f"cannot use the CA file {path}: {sentence}"):
        client_ssl_context(path)


def test_skipping_the_check_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    context = client_ssl_context(None, insecure=True)
    assert context is not None and context.verify_mode == ssl.CERT_NONE
    assert "not checking the server's certificate" in capsys.readouterr().err
