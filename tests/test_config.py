"""Server configuration: precedence, coercion and the TLS refusal."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from consult_assist.config import (
    ServerConfig,
    is_loopback,
    load_server_config,
    sip_rtp_range,
    store_location,
)
from consult_assist.errors import ConfigError
from consult_assist.hub.postgres_writers import DEFAULT_CONNECTIONS


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


def test_sip_edge_keys_come_from_toml_env_and_flags(tmp_path: Path) -> None:
    file = tmp_path / "server.toml"
    file.write_text(
        '[server]\nsip_allow = ["192.0.2.10", "10.1.0.0/16"]\nsip_max_calls = 12\n'
        'sip_rtp_ports = "30000-30999"\n',
        encoding="utf-8",
    )
    env = {"CONSULT_ASSIST_SIP_INVITE_RATE": "2.5", "CONSULT_ASSIST_SIP_TCP_IDLE_S": "30"}
    config = load_server_config(file=file, env=env, flags={"sip_calls_per_source": 4})
    assert config.sip_allow == "192.0.2.10,10.1.0.0/16"
    assert (config.sip_max_calls, config.sip_calls_per_source) == (12, 4)
    assert (config.sip_invite_rate, config.sip_tcp_idle_s) == (2.5, 30.0)
    assert sip_rtp_range(config) == (30000, 30999)
    defaults = load_server_config(env={})
    assert defaults.sip_allow == "127.0.0.0/8,::1" and defaults.sip_srtp == "optional"


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        ({"sip_allow": "10.0.0.0/8,pbx.example"}, "'pbx.example'"),
        ({"sip_rtp_ports": "30000"}, "LOW-HIGH"),
        ({"sip_rtp_ports": "30000-80"}, "LOW < HIGH"),
        ({"sip_srtp": "sometimes"}, "optional or required"),
        ({"sip_srtp": "required"}, "needs SIP over TLS"),
        ({"sip_tls": "127.0.0.1:5061"}, "needs a certificate"),
        ({"sip_digest_algorithms": "SHA-1"}, "SHA-256 and MD5"),
        ({"sip_digest_file": "/nonexistent/digest"}, "no such file"),
        ({"sip_max_calls": 0}, "at least 1"),
        ({"sip_media_timeout_s": "0"}, "more than 0"),
        ({"sip_invite_rate": "fast"}, "sip_invite_rate"),
    ],
)
def test_bad_sip_settings_name_the_problem(flags: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_server_config(env={}, flags=flags)


def test_the_store_is_a_path_or_a_url_and_not_both_with_db(tmp_path: Path) -> None:
    url = "postgresql://ca@db.example/consult"
    assert store_location(load_server_config(flags={"store": url}), tmp_path) == url
    config = load_server_config(flags={"store": "~/calls.db"})
    assert store_location(config, tmp_path) == Path("~/calls.db").expanduser()
    assert store_location(load_server_config(), tmp_path / "d.db") == tmp_path / "d.db"
    with pytest.raises(ConfigError, match="--store or --db"):
        load_server_config(flags={"store": url, "db": "x.db"})
    with pytest.raises(ConfigError, match="store_queue"):
        load_server_config(env={"CONSULT_ASSIST_STORE_QUEUE": "0"})


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
    # Files that must exist, and the store URL that is db's alternative, stay commented.
    tls = {"tls_cert", "tls_key", "sip_digest_file", "store_key_file", "store", "sip_tls_cert"}
    tls |= {"sip_tls_key", "sip_tls"}
    file = tmp_path / "all.toml"
    file.write_text(
        "\n".join(line for line in lines if line.split(" = ")[0] not in tls), encoding="utf-8"
    )
    config = load_server_config(file=file, env={})
    assert config.sip == "0.0.0.0:5060" and config.db is not None


def test_node_keys_come_from_toml_env_and_flags_and_bad_ones_are_named(tmp_path: Path) -> None:
    file = tmp_path / "server.toml"
    file.write_text('[server]\nlease_s = 6\nmetrics = "127.0.0.1:9464"\n', encoding="utf-8")
    env = {"CONSULT_ASSIST_LEASE_RENEW_S": "1.5"}
    config = load_server_config(file=file, env=env, flags={"drain_calls_s": "30"})
    assert (config.lease_s, config.lease_renew_s, config.drain_calls_s) == (6.0, 1.5, 30.0)
    assert config.metrics == "127.0.0.1:9464"
    defaults = load_server_config(env={})
    assert (defaults.lease_s, defaults.lease_renew_s, defaults.metrics) == (10.0, 2.5, None)
    with pytest.raises(ConfigError, match="twice lease_renew_s"):
        load_server_config(env={}, flags={"lease_s": 4, "lease_renew_s": 2.5})
    with pytest.raises(ConfigError, match="HOST:PORT"):
        load_server_config(env={}, flags={"metrics": "9464"})
    with pytest.raises(ConfigError, match="drain_calls_s"):
        load_server_config(env={}, flags={"drain_calls_s": "-1"})


def test_store_connections_come_from_every_source_and_stay_between_1_and_64(
    tmp_path: Path,
) -> None:
    assert load_server_config(env={}).store_connections == DEFAULT_CONNECTIONS
    file = tmp_path / "server.toml"
    file.write_text("store_connections = 8\n", encoding="utf-8")
    assert load_server_config(file=file, env={}).store_connections == 8
    env = {"CONSULT_ASSIST_STORE_CONNECTIONS": "2"}
    assert load_server_config(file=file, env=env).store_connections == 2
    assert (
        load_server_config(file=file, env=env, flags={"store_connections": 1}).store_connections
        == 1
    )
    for bad in ("0", "65"):
        with pytest.raises(ConfigError, match="store_connections"):
            load_server_config(env={"CONSULT_ASSIST_STORE_CONNECTIONS": bad})
