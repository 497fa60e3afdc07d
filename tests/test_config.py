"""Server configuration: precedence, coercion and the TLS refusal."""

from __future__ import annotations

from pathlib import Path

import pytest

from consult_assist.config import is_loopback, load_server_config
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


def test_workers_auto_and_the_capacity_limits_come_from_every_source(tmp_path: Path) -> None:
    assert load_server_config(env={}).workers == 0  # auto by default
    file = tmp_path / "server.toml"
    file.write_text(
        'workers = "auto"\nmax_live_sessions = 20\nmax_audio_speed = 1.5\ndrain_s = 5\n',
        encoding="utf-8",
    )
    config = load_server_config(
        file=file, env={"CONSULT_ASSIST_MAX_SESSIONS_PER_TOKEN": "2"}, flags={"drain_s": 3.0}
    )
    assert (config.workers, config.max_live_sessions, config.max_sessions_per_token) == (0, 20, 2)
    assert (config.max_audio_speed, config.drain_s) == (1.5, 3.0)
    with pytest.raises(ConfigError, match="max_audio_speed"):
        load_server_config(env={}, flags={"max_audio_speed": 0.5})
    with pytest.raises(ConfigError, match="workers"):
        load_server_config(env={"CONSULT_ASSIST_WORKERS": "-1"})
