"""Who gets in, through the sans-I/O user agent: allowlist, rates, digest, extensions, caps."""

from __future__ import annotations

import pytest

from consult_assist.sip.admission import AdmissionOptions, parse_networks
from consult_assist.sip.digest import DigestOptions, digest_response, parse_challenge
from consult_assist.sip.message import SipResponse, parse_message
from consult_assist.sip.timers import Peer, TimerOptions
from consult_assist.sip.ua import CallOffered, UasOptions, UserAgentServer

PBX = Peer("udp", "10.0.0.1", 5060)
STRANGER = Peer("udp", "192.0.2.66", 5060)
SDP = "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n"
SDP += "m=audio 6000 RTP/AVP 0\r\n"
HANDLERS = {"sato", "suzuki"}


def invite(
    *,
    user: str = "sato",
    to_user: str | None = None,
    call_id: str = "c1",
    branch: str = "z9hG4bK-1",
    cseq: int = 1,
    host: str = "10.0.0.1",
    extra: str = "",
) -> bytes:
    to_user = to_user or user
    head = (
        f"INVITE sip:{user}@127.0.0.1:5060 SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP {host}:5060;branch={branch};rport\r\n"
        f"From: <sip:0312345678@{host}>;tag=f1\r\nTo: <sip:{to_user}@127.0.0.1>\r\n"
        f"Call-ID: {call_id}\r\nCSeq: {cseq} INVITE\r\n"
        f"Contact: <sip:pbx@{host}:5060>\r\n{extra}Content-Type: application/sdp\r\n"
    )
    return f"{head}Content-Length: {len(SDP)}\r\n\r\n{SDP}".encode()


def ack(response: SipResponse, *, branch: str = "z9hG4bK-1", cseq: int = 1) -> bytes:
    h = response.headers
    return (
        f"ACK sip:sato@127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch={branch}\r\n"
        f"From: {h.get('From')}\r\nTo: {h.get('To')}\r\nCall-ID: {response.call_id}\r\n"
        f"CSeq: {cseq} ACK\r\nContent-Length: 0\r\n\r\n"
    ).encode()


def uas(*, digest: DigestOptions | None = None, **admission: object) -> UserAgentServer:
    options = AdmissionOptions(allow=parse_networks("10.0.0.0/8"), **admission)  # type: ignore[arg-type]
    return UserAgentServer(
        UasOptions("127.0.0.1", 5060, TimerOptions(), admission=options, digest=digest),
        extension_known=HANDLERS.__contains__,
    )


def replies(agent: UserAgentServer) -> list[SipResponse]:
    out = []
    for item in agent.data_to_send():
        message = parse_message(item.data)
        assert isinstance(message, SipResponse)
        out.append(message)
    return out


def test_a_source_outside_the_allowlist_gets_403_and_never_a_call() -> None:
    agent = uas()
    agent.receive(invite(host="192.0.2.66"), STRANGER, 0.0)
    (reply,) = replies(agent)
    assert reply.status == 403
    assert agent.events() == [] and agent.calls == {}
    assert agent.counters["sip_refused_untrusted"] == 1
    agent.receive(ack(reply), STRANGER, 0.1)  # nothing for an ACK, no state kept
    agent.tick(100.0)
    assert replies(agent) == [] and agent.next_deadline() is None


def test_a_flood_from_a_spoofed_source_is_answered_at_a_bounded_rate() -> None:
    agent = uas()
    for i in range(1000):
        agent.receive(invite(host="192.0.2.66", branch=f"z9hG4bK-{i}"), STRANGER, i * 0.001)
    sent = replies(agent)
    # One second of flood: a burst of 20 then 10 per second, never one per request.
    assert 20 <= len(sent) <= 31, len(sent)
    assert agent.counters["sip_refusals_unsent"] == 1000 - len(sent)
    assert agent.counters["sip_refused_untrusted"] == 1000


def test_unknown_extension_is_404_and_the_owner_comes_from_the_request_uri() -> None:
    agent = uas()
    agent.receive(invite(user="nobody"), PBX, 0.0)
    assert [r.status for r in replies(agent)] == [404]
    assert agent.events() == []
    # A PBX that rewrote the Request-URI to the handler but left To alone.
    agent.receive(invite(user="sato", to_user="reception", call_id="c2"), PBX, 1.0)
    assert [r.status for r in replies(agent)] == [100]
    (offered,) = agent.events()
    assert isinstance(offered, CallOffered)
    assert offered.meta["callee"] == "sato"
    # And the other way round: To names a handler, the Request-URI does not.
    agent.receive(invite(user="reception", to_user="sato", call_id="c3"), PBX, 2.0)
    assert [r.status for r in replies(agent)] == [404]
    assert agent.counters["sip_refused_unknown_extension"] == 2


def test_the_global_cap_is_503_with_retry_after_and_the_source_cap_486() -> None:
    agent = uas(max_calls=3, calls_per_source=2, retry_after_s=7)
    for i in range(2):
        agent.receive(invite(call_id=f"a{i}", branch=f"z9hG4bK-a{i}"), PBX, 0.0)
    agent.receive(invite(call_id="a2", branch="z9hG4bK-a2"), PBX, 0.0)
    assert [r.status for r in replies(agent)] == [100, 100, 486]
    other = Peer("udp", "10.0.0.2", 5060)
    agent.receive(invite(call_id="b0", branch="z9hG4bK-b0", host="10.0.0.2"), other, 0.0)
    agent.receive(invite(call_id="b1", branch="z9hG4bK-b1", host="10.0.0.2"), other, 0.0)
    statuses = [(r.status, r.headers.get("Retry-After")) for r in replies(agent)]
    assert statuses == [(100, None), (503, "7")]
    assert agent.counters["sip_refused_capacity"] == 1
    assert agent.counters["sip_refused_source_calls"] == 1
    assert len(agent.calls) == 3


def test_the_invite_rate_per_source_is_503_with_retry_after() -> None:
    agent = uas(invites_per_s=1.0)
    for i in range(3):
        agent.receive(invite(call_id=f"r{i}", branch=f"z9hG4bK-r{i}"), PBX, 0.0)
    sent = replies(agent)
    assert [r.status for r in sent] == [100, 100, 503]
    assert sent[-1].headers.get("Retry-After") == "1"
    agent.receive(invite(call_id="r3", branch="z9hG4bK-r3"), PBX, 1.0)
    assert [r.status for r in replies(agent)] == [100]


def test_refusals_are_sent_once_and_repeated_only_for_a_retransmitted_invite() -> None:
    agent = uas()
    agent.receive(invite(user="nobody"), PBX, 0.0)
    (first,) = replies(agent)
    for t in (0.5, 1.5, 3.5, 7.5, 31.9):
        agent.tick(t)
        assert replies(agent) == []  # no Timer G: no 100 Trying stopped the client's Timer A
    agent.receive(invite(user="nobody"), PBX, 1.0)  # the client's retransmission
    (again,) = replies(agent)
    assert again.headers.get("To") == first.headers.get("To")
    agent.receive(ack(first), PBX, 1.1)
    assert replies(agent) == []
    agent.tick(40.0)
    assert agent.next_deadline() is None


def authorization(challenge: str, password: str, *, uri: str = "sip:sato@127.0.0.1:5060") -> str:
    _, p = parse_challenge(challenge)
    response = digest_response(
        algorithm=p["algorithm"],
        user="pbx",
        realm=p["realm"],
        password=password,
        method="INVITE",
        uri=uri,
        nonce=p["nonce"],
        qop="auth",
        nc="00000001",
        cnonce="abc",
    )
    return (
        f'Authorization: Digest username="pbx", realm="{p["realm"]}", nonce="{p["nonce"]}", '
        f'uri="{uri}", response="{response}", algorithm={p["algorithm"]}, qop=auth, '
        'nc=00000001, cnonce="abc"\r\n'
    )


@pytest.mark.parametrize("which", [0, 1], ids=["SHA-256", "MD5"])
def test_digest_challenge_then_an_authenticated_invite_becomes_a_call(which: int) -> None:
    agent = uas(digest=DigestOptions({"pbx": "s3cret"}, realm="hotline"))
    agent.receive(invite(), PBX, 0.0)
    (challenge,) = replies(agent)
    assert challenge.status == 401
    offers = challenge.headers.get_all("WWW-Authenticate")
    assert ["SHA-256" in offers[0], "MD5" in offers[1]] == [True, True]
    assert agent.events() == []
    agent.receive(ack(challenge), PBX, 0.05)
    header = authorization(offers[which], "s3cret")
    agent.receive(invite(branch="z9hG4bK-2", cseq=2, extra=header), PBX, 0.1)
    assert [r.status for r in replies(agent)] == [100]
    (offered,) = agent.events()
    assert isinstance(offered, CallOffered)
    assert offered.meta["authenticated_as"] == "pbx"


def test_wrong_digest_is_403_and_a_stale_nonce_is_challenged_again() -> None:
    agent = uas(digest=DigestOptions({"pbx": "s3cret"}, realm="hotline", nonce_ttl_s=10.0))
    agent.receive(invite(), PBX, 0.0)
    (challenge,) = replies(agent)
    offer = challenge.headers.get_all("WWW-Authenticate")[0]
    agent.receive(invite(branch="z9hG4bK-2", extra=authorization(offer, "guess")), PBX, 0.1)
    assert [r.status for r in replies(agent)] == [403]
    agent.receive(invite(branch="z9hG4bK-3", extra=authorization(offer, "s3cret")), PBX, 11.0)
    (stale,) = replies(agent)
    assert stale.status == 401
    assert all("stale=true" in v for v in stale.headers.get_all("WWW-Authenticate"))
    assert agent.counters["sip_refused_auth"] == 1
    assert agent.events() == []
