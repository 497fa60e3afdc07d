"""Server configuration: precedence, coercion and the TLS refusal."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from consult_assist.config import ServerConfig, is_loopback, load_server_config
from consult_assist.errors import ConfigError


def test_defaults_work_on_loopback() -> None:
    config = load_server_config(env={})
    assert (config.host, config.port, config.insecure) == ("127.0.0.1", 8765, False)


def test_flags_beat_env_which_beats_the_file(tmp_path: Path) -> None:
    file = tmp_path / "server.toml"
    file.write_text('[server]\nport = 9000\nworkers = 2\ndb = "~/calls.db"\n', encoding="utf-8")
    env = {"CONSULT_ASSIST_PORT": "9100", "CONSULT_ASSIST_LOG_CONTENT": "yes"}
    config = load_server_config(file=file, env=env, flags={"port": 9200, "workers": None})
    assert config.port == 9200
    assert config.workers == 2
    assert config.log_content is True
    assert config.db == Path("~/calls.db").expanduser()
    assert load_server_config(file=file, env=env).port == 9100
    assert load_server_config(file=file, env={}).port == 9000


def test_a_public_address_without_tls_is_refused_and_says_why() -> None:
    with pytest.raises(ConfigError, match=r"without TLS.*--insecure"):
        load_server_config(env={}, flags={"host": "0.0.0.0"})
    assert load_server_config(env={}, flags={"host": "0.0.0.0", "insecure": True}).insecure


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("port = 'many'", "port"),
        ("colour = 'blue'", "unknown key 'colour'"),
        ("port = [", "not valid TOML"),
        ("tls_cert = '/nope.pem'", "give both"),
    ],
)
def test_bad_config_files_name_the_problem(tmp_path: Path, text: str, message: str) -> None:
    file = tmp_path / "bad.toml"
    file.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_server_config(file=file, env={})


def test_loopback_detection() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.0.2.1")


EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "config.example.toml"


def test_the_example_config_loads_with_the_real_loader_and_names_every_key() -> None:
    config = load_server_config(file=EXAMPLE, env={})
    assert config == ServerConfig()  # what it sets are the defaults
    text = EXAMPLE.read_text(encoding="utf-8")
    for field in dataclasses.fields(ServerConfig):
        # Set (`key = …`) or shown commented out (`# key = …`), each with its explanation.
        assert re.search(rf"^(# )?{field.name} = ", text, re.MULTILINE), field.name


def test_every_commented_key_of_the_example_loads_too(tmp_path: Path) -> None:
    """The commented examples are valid values: uncommented, the file still loads."""
    text = EXAMPLE.read_text(encoding="utf-8")
    lines = [re.sub(r"^# (\w+ = )", r"\1", line) for line in text.splitlines()]
    tls = {"tls_cert", "tls_key"}
    file = tmp_path / "all.toml"
    file.write_text(
        "\n".join(line for line in lines if line.split(" = ")[0] not in tls), encoding="utf-8"
    )
    config = load_server_config(file=file, env={})
    assert config.sip == "0.0.0.0:5060" and config.db is not None
