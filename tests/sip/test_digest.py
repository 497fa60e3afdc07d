"""Digest authentication: published test vectors, challenges, stale nonces, replays."""

from __future__ import annotations

import pytest

from consult_assist.errors import ConfigError
from consult_assist.sip.digest import (
    AuthResult,
    DigestAuthenticator,
    DigestOptions,
    digest_response,
    parse_challenge,
    parse_credentials,
)

URI = "sip:sato@127.0.0.1:5060"


def test_responses_match_the_rfc_examples() -> None:
    # RFC 7616 §3.9.1 (SHA-256 and MD5) and RFC 2617 §3.5 (MD5).
    common = {
        "user": "Mufasa",
        "realm": "http-auth@example.org",
        "password": "Circle of Life",
        "method": "GET",
        "uri": "/dir/index.html",
        "nonce": "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
        "qop": "auth",
        "nc": "00000001",
        "cnonce": "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
    }
    assert (
        digest_response(algorithm="SHA-256", **common)
        == "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
    )
    assert digest_response(algorithm="MD5", **common) == "8ca523f5e9506fed4657c9700eebdbec"
    rfc2617 = {
        **common,
        "realm": "testrealm@host.com",
        "password": "Circle Of Life",
        "nonce": "dcd98b7102dd2f0e8b11d0f600bfb0c093",
        "cnonce": "0a4f113b",
    }
    assert digest_response(algorithm="MD5", **rfc2617) == "6629fae49393a05397450978507c4ef1"


def authenticator(**kw: object) -> DigestAuthenticator:
    options = DigestOptions({"pbx": "s3cret"}, realm="hotline", **kw)  # type: ignore[arg-type]
    return DigestAuthenticator(options)


def answer(
    challenge: str,
    *,
    password: str = "s3cret",
    nc: str = "00000001",
    uri: str = URI,
    qop: bool = True,
    user: str = "pbx",
) -> str:
    """What a client puts in Authorization for one of our WWW-Authenticate values."""
    _, params = parse_challenge(challenge)
    algorithm = params["algorithm"]
    cnonce = "c0ffee"
    response = digest_response(
        algorithm=algorithm,
        user=user,
        realm=params["realm"],
        password=password,
        method="INVITE",
        uri=uri,
        nonce=params["nonce"],
        qop="auth" if qop else "",
        nc=nc if qop else "",
        cnonce=cnonce if qop else "",
    )
    value = (
        f'Digest username="{user}", realm="{params["realm"]}", nonce="{params["nonce"]}", '
        f'uri="{uri}", response="{response}", algorithm={algorithm}'
    )
    if qop:
        value += f', qop=auth, nc={nc}, cnonce="{cnonce}"'
    return value


def test_challenges_offer_sha256_before_md5() -> None:
    sha, md5 = authenticator().challenges(0.0)
    assert parse_challenge(sha)[1]["algorithm"] == "SHA-256"
    assert parse_challenge(md5)[1]["algorithm"] == "MD5"
    assert parse_challenge(sha)[1]["qop"] == "auth"
    assert "stale" not in sha
    (only,) = authenticator(algorithms=("SHA-256",)).challenges(0.0)
    assert "SHA-256" in only


@pytest.mark.parametrize("which", [0, 1])
def test_the_right_password_passes_with_either_algorithm(which: int) -> None:
    auth = authenticator()
    challenge = auth.challenges(10.0)[which]
    assert auth.check("INVITE", URI, [answer(challenge)], 11.0) == AuthResult("ok", "pbx")


def test_no_credentials_for_our_realm_is_missing() -> None:
    auth = authenticator()
    assert auth.check("INVITE", URI, [], 0.0).status == "missing"
    other = 'Digest username="pbx", realm="elsewhere", nonce="n", uri="x", response="r"'
    assert auth.check("INVITE", URI, [other], 0.0).status == "missing"


@pytest.mark.parametrize(
    ("kw", "reason"),
    [
        ({"password": "guess"}, "wrong credentials"),
        ({"user": "intruder"}, "wrong credentials"),
        ({"uri": "sip:sato@192.0.2.1:5060"}, "URI"),
        ({"uri": "sip:sato@127.0.0.1:5070"}, "URI"),
        ({"uri": "tel:+81312345678"}, "URI"),
    ],
)
def test_wrong_credentials_fail(kw: dict[str, str], reason: str) -> None:
    auth = authenticator()
    challenge = auth.challenges(0.0)[0]
    result = auth.check("INVITE", URI, [answer(challenge, **kw)], 1.0)  # type: ignore[arg-type]
    assert result.status == "failed"
    assert reason in result.reason


def test_an_expired_nonce_is_stale_and_the_new_challenge_says_so() -> None:
    auth = authenticator(nonce_ttl_s=30.0)
    challenge = auth.challenges(0.0)[0]
    result = auth.check("INVITE", URI, [answer(challenge)], 31.0)
    assert (result.status, result.reason) == ("stale", "nonce expired")
    assert all("stale=true" in c for c in auth.challenges(31.0, stale=True))


def test_a_replayed_nonce_count_is_stale_and_a_higher_one_passes() -> None:
    auth = authenticator()
    challenge = auth.challenges(0.0)[0]
    assert auth.check("INVITE", URI, [answer(challenge)], 1.0).status == "ok"
    replay = auth.check("INVITE", URI, [answer(challenge)], 2.0)
    assert (replay.status, replay.reason) == ("stale", "nonce count replayed")
    assert auth.check("INVITE", URI, [answer(challenge, nc="00000002")], 3.0).status == "ok"


def test_without_qop_a_nonce_is_good_once() -> None:
    auth = authenticator()
    challenge = auth.challenges(0.0)[1]
    assert auth.check("INVITE", URI, [answer(challenge, qop=False)], 1.0).status == "ok"
    assert auth.check("INVITE", URI, [answer(challenge, qop=False)], 1.0).status == "stale"


def test_a_nonce_from_another_server_is_stale_not_accepted() -> None:
    ours, theirs = authenticator(), authenticator()
    result = ours.check("INVITE", URI, [answer(theirs.challenges(0.0)[0])], 1.0)
    assert (result.status, result.reason) == ("stale", "nonce not issued by this server")


def test_forgotten_nonces_cannot_be_replayed() -> None:
    auth = authenticator(max_nonces=2)
    first = auth.challenges(0.0)[0]
    assert auth.check("INVITE", URI, [answer(first)], 0.5).status == "ok"
    for t in (1.0, 2.0):
        later = auth.challenges(t)[0]
        assert auth.check("INVITE", URI, [answer(later)], t).status == "ok"
    # ``first`` was forgotten to make room: its replay is refused, not taken as new.
    assert auth.check("INVITE", URI, [answer(first, nc="00000001")], 3.0).status == "stale"


def test_parse_challenge_handles_quotes_escapes_and_bare_values() -> None:
    scheme, params = parse_challenge(
        'Digest realm="a, \\"b\\"", nonce=xyz, algorithm=MD5,qop="auth"'
    )
    assert scheme == "digest"
    assert params == {"realm": 'a, "b"', "nonce": "xyz", "algorithm": "MD5", "qop": "auth"}


def test_credentials_file_lines() -> None:
    text = "# trunk\npbx:s3cret\n\nrecorder: pass:with:colons \n"
    assert parse_credentials(text) == {"pbx": "s3cret", "recorder": "pass:with:colons"}
    for bad in ("", "nopassword", "a:1\na:2", "we ird:x"):
        with pytest.raises(ConfigError):
            parse_credentials(bad)


def test_a_digest_uri_naming_this_server_without_the_user_passes() -> None:
    auth = authenticator()
    challenge = auth.challenges(0.0)[1]
    assert (
        auth.check("INVITE", URI, [answer(challenge, uri="sip:127.0.0.1:5060")], 1).status == "ok"
    )
