"""The sans-I/O user agent: bytes and time in, messages and call events out; no sockets."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consult_assist.sip.admission import AdmissionOptions, parse_networks
from consult_assist.sip.message import SipRequest, SipResponse, parse_message, parse_name_addr
from consult_assist.sip.sdp import parse_sdp
from consult_assist.sip.timers import TimerOptions
from consult_assist.sip.ua import (
    CallEnded,
    CallHeld,
    CallOffered,
    CallResumed,
    CallStarted,
    CallUpdated,
    Peer,
    UasOptions,
    UserAgentServer,
)

PEER = Peer("udp", "10.0.0.1", 5062)
SDP = (
    "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n"
    "m=audio 6000 RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n"
)


def request(
    method: str = "INVITE",
    *,
    branch: str = "z9hG4bK-1",
    cseq: int = 1,
    to_tag: str = "",
    body: str = SDP,
    ctype: str = "application/sdp",
    extra: str = "",
    call_id: str = "call-1",
) -> bytes:
    to = "<sip:hotline@127.0.0.1>" + (f";tag={to_tag}" if to_tag else "")
    head = (
        f"{method} sip:hotline@127.0.0.1:5060 SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP 10.0.0.1:5062;branch={branch};rport\r\n"
        'From: "Caller" <sip:0312345678@10.0.0.1>;tag=from-1\r\n'
        f"To: {to}\r\nCall-ID: {call_id}\r\nCSeq: {cseq} {method}\r\n"
        "Contact: <sip:0312345678@10.0.0.1:5062>\r\nMax-Forwards: 70\r\n" + extra
    )
    if body:
        head += f"Content-Type: {ctype}\r\n"
    return (head + f"Content-Length: {len(body.encode())}\r\n\r\n" + body).encode()


TRUST_PEER = AdmissionOptions(allow=parse_networks("10.0.0.0/8"))


def new_uas() -> UserAgentServer:
    timers = TimerOptions(t1_s=0.5, t2_s=4.0)
    return UserAgentServer(UasOptions("127.0.0.1", 5060, timers, admission=TRUST_PEER))


def responses(uas: UserAgentServer) -> list[SipResponse]:
    out = []
    for item in uas.data_to_send():
        msg = parse_message(item.data)
        assert isinstance(msg, SipResponse), msg
        assert item.peer == PEER
        out.append(msg)
    return out


def statuses(uas: UserAgentServer) -> list[int]:
    return [r.status for r in responses(uas)]


def answered(uas: UserAgentServer) -> tuple[str, SipResponse]:
    """Offer, accept with port 20000, ACK: a confirmed call; returns our To tag and the 200."""
    uas.receive(request(), PEER, 0.0)
    assert statuses(uas) == [100]
    (offered,) = uas.events()
    assert isinstance(offered, CallOffered)
    assert uas.accept("call-1", [20000], 0.0)
    (ok,) = responses(uas)
    tag = parse_name_addr(ok.headers.get("To") or "").tag
    uas.receive(request("ACK", branch="z9hG4bK-ack", to_tag=tag, body=""), PEER, 0.1)
    assert uas.events() == [CallStarted("call-1")]
    return tag, ok


def test_invite_offer_accept_answer() -> None:
    uas = new_uas()
    uas.receive(request(), PEER, 0.0)
    assert statuses(uas) == [100]
    (offered,) = uas.events()
    assert isinstance(offered, CallOffered)
    assert (offered.source, offered.caller) == ("sip", "0312345678")
    assert offered.meta["call_id"] == "call-1"
    (stream,) = offered.streams
    assert (stream.codec.name, stream.host, stream.port, stream.speaker) == (
        "PCMU",
        "10.0.0.1",
        6000,
        "unknown",
    )
    uas.accept("call-1", [20000], 0.0)
    (ok,) = responses(uas)
    assert ok.status == 200
    assert ok.headers.get("Contact") == "<sip:consult-assist@127.0.0.1:5060>"
    assert "received" not in (ok.headers.get("Via") or "")
    assert "rport=5062" in (ok.headers.get("Via") or "")
    answer = parse_sdp(ok.body)
    assert answer.host == "127.0.0.1"
    assert [(m.port, m.formats, m.direction) for m in answer.media] == [(20000, ("0",), "recvonly")]


def test_200_is_resent_until_ack_with_doubling_interval() -> None:
    uas = new_uas()
    uas.receive(request(), PEER, 0.0)
    uas.data_to_send()
    uas.accept("call-1", [20000], 0.0)
    (ok,) = responses(uas)
    sent = []
    for now in [x * 0.25 for x in range(1, 16)]:
        uas.tick(now)
        if statuses(uas) == [200]:
            sent.append(now)
    assert sent == [0.5, 1.5, 3.5]  # T1, then 2*T1, then 4*T1 later
    tag = parse_name_addr(ok.headers.get("To") or "").tag
    uas.receive(request("ACK", branch="z9hG4bK-ack", to_tag=tag, body=""), PEER, 4.0)
    uas.tick(100.0)
    assert statuses(uas) == []
    assert uas.calls == {"call-1": "confirmed"}


def test_no_ack_ends_the_call_after_64_t1_without_a_bye_to_the_unverified_contact() -> None:
    uas = new_uas()
    uas.receive(request(), PEER, 0.0)
    uas.accept("call-1", [20000], 0.0)
    uas.data_to_send()
    uas.events()
    uas.tick(32.0)
    sent = [parse_message(o.data) for o in uas.data_to_send()]
    assert not any(isinstance(m, SipRequest) for m in sent)
    assert uas.events() == [CallEnded("call-1", "no-ack", answered=True)]
    assert uas.counters["sip_bye_withheld"] == 1
    uas.tick(100.0)
    assert uas.data_to_send() == [] and uas.next_deadline() is None


def test_retransmitted_invite_gets_the_last_response_not_a_new_call() -> None:
    uas = new_uas()
    uas.receive(request(), PEER, 0.0)
    uas.receive(request(), PEER, 0.5)
    assert statuses(uas) == [100, 100]
    assert len(uas.events()) == 1
    assert uas.counters["sip_retransmissions"] == 1


def test_bye_ends_the_call_and_its_retransmission_gets_the_same_200() -> None:
    uas = new_uas()
    tag, _ = answered(uas)
    bye = request("BYE", branch="z9hG4bK-bye", cseq=2, to_tag=tag, body="")
    uas.receive(bye, PEER, 1.0)
    (ok,) = responses(uas)
    assert ok.status == 200
    assert uas.events() == [CallEnded("call-1", "hangup", answered=True)]
    uas.receive(bye, PEER, 1.5)
    (again,) = responses(uas)
    assert again.to_bytes() == ok.to_bytes()
    assert uas.events() == []


def test_bye_for_an_unknown_dialog_is_481() -> None:
    uas = new_uas()
    uas.receive(request("BYE", to_tag="nope", body=""), PEER, 0.0)
    assert statuses(uas) == [481]
    uas.receive(request("BYE", body=""), PEER, 0.0)
    assert statuses(uas) == [481]


def test_cancel_while_ringing_gives_200_and_487_and_ends_unanswered() -> None:
    uas = new_uas()
    uas.receive(request(), PEER, 0.0)
    uas.events()
    assert uas.ring("call-1", 0.0)
    assert statuses(uas) == [100, 180]
    uas.receive(request("CANCEL", cseq=1, body=""), PEER, 1.0)
    assert statuses(uas) == [200, 487]
    assert uas.events() == [CallEnded("call-1", "cancel", answered=False)]
    assert not uas.accept("call-1", [20000], 1.1)  # the answer that was waiting is void
    uas.tick(1.5)
    assert statuses(uas) == [487]  # Timer G until the ACK
    uas.receive(request("ACK", cseq=1, body=""), PEER, 1.6)
    uas.tick(10.0)
    assert statuses(uas) == []
    assert uas.counters["calls_cancelled"] == 1


def test_cancel_without_a_matching_invite_is_481_and_after_answer_has_no_effect() -> None:
    uas = new_uas()
    uas.receive(request("CANCEL", body="", branch="z9hG4bK-other", call_id="other"), PEER, 0.0)
    assert statuses(uas) == [481]
    answered(uas)
    uas.receive(request("CANCEL", body=""), PEER, 1.0)
    assert statuses(uas) == [200]
    assert uas.events() == []
    assert uas.calls == {"call-1": "confirmed"}


@pytest.mark.parametrize(
    ("method", "status", "header"),
    [
        ("REGISTER", 405, "Allow"),
        ("INFO", 405, "Allow"),
        ("FROBNICATE", 501, "Allow"),
        ("OPTIONS", 200, "Allow"),
    ],
)
def test_other_methods(method: str, status: int, header: str) -> None:
    uas = new_uas()
    uas.receive(request(method, body=""), PEER, 0.0)
    (resp,) = responses(uas)
    assert resp.status == status
    assert resp.headers.get(header) == "INVITE, ACK, BYE, CANCEL, OPTIONS"


def test_unsupported_require_is_420() -> None:
    uas = new_uas()
    uas.receive(request(extra="Require: 100rel, siprec\r\n"), PEER, 0.0)
    (resp,) = responses(uas)
    assert (resp.status, resp.headers.get("Unsupported")) == (420, "100rel")


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (request(body="v=0\r\nnonsense\r\n"), 400),
        (request(body=SDP.replace("0 8 101", "9 101")), 488),
        (request(body="hello", ctype="text/plain"), 415),
        (request(body=""), 488),
        (request(extra="Content-Encoding: gzip\r\n"), 415),
        (request().replace(b"Contact: <sip:0312345678@10.0.0.1:5062>\r\n", b""), 400),
        (request().replace(b"CSeq: 1 INVITE", b"CSeq: x INVITE"), 400),
        (request().replace(b"Max-Forwards: 70", b"Broken header line"), 400),
        (request().replace(b"sip:hotline@127.0.0.1:5060 SIP", b"http://x SIP"), 416),
        (request(to_tag="stale"), 481),
    ],
)
def test_bad_invites_get_error_responses(data: bytes, status: int) -> None:
    uas = new_uas()
    uas.receive(data, PEER, 0.0)
    (out,) = uas.data_to_send()
    assert out.data.startswith(f"SIP/2.0 {status} ".encode())
    assert uas.events() == []
    if status == 415:
        assert b"\r\nAccept: application/sdp" in out.data


def test_garbage_is_dropped_and_counted() -> None:
    uas = new_uas()
    for data in [b"", b"\x00\xff" * 40, b"SIP/2.0 999\r\n\r\n", b"INVITE x SIP/2.0\r\n\r\n"]:
        uas.receive(data, PEER, 0.0)
    assert uas.data_to_send() == []
    assert uas.counters["sip_malformed"] == 4
    assert uas.counters["sip_dropped"] == 4


def test_reinvite_hold_resume_and_move() -> None:
    uas = new_uas()
    tag, _ = answered(uas)

    def reinvite(n: int, sdp: str) -> SipResponse:
        uas.receive(request(branch=f"z9hG4bK-re{n}", cseq=n, to_tag=tag, body=sdp), PEER, float(n))
        (ok,) = responses(uas)
        uas.receive(
            request("ACK", branch=f"z9hG4bK-a{n}", cseq=n, to_tag=tag, body=""), PEER, n + 0.1
        )
        return ok

    held = reinvite(2, SDP.replace("a=sendrecv", "a=sendonly"))
    assert held.status == 200
    assert parse_sdp(held.body).media[0].port == 20000
    assert uas.events() == [CallHeld("call-1")]
    resumed = reinvite(3, SDP)
    assert uas.events() == [CallResumed("call-1")]
    assert parse_sdp(resumed.body).media[0].direction == "recvonly"
    reinvite(4, SDP.replace("6000", "7000"))
    (moved,) = uas.events()
    assert isinstance(moved, CallUpdated)
    assert moved.streams[0].port == 7000
    # Same SDP again: nothing happens, and the o= version did not move.
    again = reinvite(5, SDP.replace("6000", "7000"))
    assert uas.events() == []
    assert again.body.split(b"\r\n")[1] == resumed.body.split(b"\r\n")[1].replace(
        b" 2 IN", b" 3 IN"
    )


def test_hangup_sends_bye_to_the_contact_and_stops_on_200() -> None:
    uas = new_uas()
    answered(uas)
    assert uas.hangup("call-1", "timeout", 5.0)
    (out,) = uas.data_to_send()
    bye = parse_message(out.data)
    assert isinstance(bye, SipRequest)
    assert (bye.method, bye.uri, out.peer) == ("BYE", "sip:0312345678@10.0.0.1:5062", PEER)
    assert parse_name_addr(bye.headers.get("To") or "").tag == "from-1"
    assert uas.events() == [CallEnded("call-1", "timeout", answered=True)]
    uas.tick(5.5)
    assert len(uas.data_to_send()) == 1  # Timer E
    h = bye.headers
    ok = f"SIP/2.0 200 OK\r\nVia: {h.get('Via')}\r\nFrom: {h.get('From')}\r\nTo: {h.get('To')}\r\n"
    ok += "Call-ID: call-1\r\nCSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n"
    uas.receive(ok.encode(), PEER, 5.6)
    uas.tick(60.0)
    assert uas.data_to_send() == []
    assert uas.next_deadline() is not None or True


SIPREC_SDP = (
    "v=0\r\no=src 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n"
    "m=audio 6000 RTP/AVP 0\r\na=label:1\r\na=sendonly\r\n"
    "m=audio 6002 RTP/AVP 8\r\na=label:2\r\na=sendonly\r\n"
)
SIPREC_META = (
    "<recording xmlns='urn:ietf:params:xml:ns:recording:1'><session session_id='S'/>"
    "<participant participant_id='a'><nameID aor='sip:0312345678@carrier'/></participant>"
    "<participant participant_id='b'><nameID aor='sip:hotline@center'/></participant>"
    "<stream stream_id='s1' session_id='S'><label>1</label></stream>"
    "<stream stream_id='s2' session_id='S'><label>2</label></stream>"
    "<participantstreamassoc participant_id='a'><send>s2</send></participantstreamassoc>"
    "<participantstreamassoc participant_id='b'><send>s1</send></participantstreamassoc>"
    "</recording>"
)


def test_siprec_invite_opens_two_labelled_streams() -> None:
    body = (
        f"--b\r\nContent-Type: application/sdp\r\n\r\n{SIPREC_SDP}\r\n"
        f"--b\r\nContent-Type: application/rs-metadata+xml\r\n\r\n{SIPREC_META}\r\n--b--\r\n"
    )
    data = request(body=body, ctype="multipart/mixed;boundary=b", extra="Require: siprec\r\n")
    data = data.replace(b"10.0.0.1:5062>", b"10.0.0.1:5062>;+sip.src")
    uas = new_uas()
    uas.receive(data, PEER, 0.0)
    assert statuses(uas) == [100]
    (offered,) = uas.events()
    assert isinstance(offered, CallOffered)
    assert offered.source == "siprec"
    assert [(s.label, s.codec.name, s.speaker) for s in offered.streams] == [
        ("1", "PCMU", "handler"),
        ("2", "PCMA", "caller"),
    ]
    assert offered.meta["speaker_rule"] == "aor"
    uas.accept("call-1", [20000, 20002], 0.0)
    (ok,) = responses(uas)
    assert "+sip.srs" in (ok.headers.get("Contact") or "")
    media = parse_sdp(ok.body).media
    assert [(m.port, m.label, m.direction) for m in media] == [
        (20000, "1", "recvonly"),
        (20002, "2", "recvonly"),
    ]


def test_tcp_peer_gets_no_retransmissions_of_errors() -> None:
    uas = new_uas()
    tcp = Peer("tcp", "10.0.0.1", 40000)
    uas.receive(request(body="hello", ctype="text/plain"), tcp, 0.0)
    assert len(uas.data_to_send()) == 1
    uas.tick(1.0)
    assert uas.data_to_send() == []


MESSAGES = [
    request(),
    request("BYE", to_tag="x", body=""),
    request("CANCEL", body=""),
    request("ACK", body=""),
]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, len(MESSAGES) - 1), st.binary(max_size=8), st.integers(0, 400)),
        max_size=6,
    )
)
def test_any_mutated_conversation_never_raises(steps: list[tuple[int, bytes, int]]) -> None:
    uas = new_uas()
    now = 0.0
    for index, noise, pos in steps:
        data = bytearray(MESSAGES[index])
        data[pos : pos + len(noise)] = noise
        uas.receive(bytes(data), PEER, now)
        for event in uas.events():
            if isinstance(event, CallOffered):
                uas.accept(event.call_id, [20000] * len(event.streams), now)
        now += 1.0
        uas.tick(now)
        for out in uas.data_to_send():
            assert isinstance(out.data, bytes)
    # Whatever happened, every timer runs out: nothing is stuck.
    for later in (1000.0, 2000.0):
        uas.tick(now + later)
        for event in uas.events():
            if isinstance(event, CallOffered):
                uas.hangup(event.call_id, "test", now + later)
    uas.tick(now + 3000.0)
    assert uas.next_deadline() is None
    assert set(uas.calls.values()) <= {"confirmed"}  # live calls wait for BYE or RTP timeout


def test_responses_go_to_the_source_address_never_to_a_host_the_via_names() -> None:
    uas = new_uas()
    # No rport: the source IP ("received") at the Via's port; the Via host and maddr are
    # ignored, so a spoofed request cannot aim our responses at a third host.
    data = request("OPTIONS", body="").replace(
        b"Via: SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bK-1;rport",
        b"Via: SIP/2.0/UDP 10.9.9.9:7000;branch=z9hG4bK-1;maddr=10.8.8.8",
    )
    uas.receive(data, Peer("udp", "10.0.0.1", 40000), 0.0)
    (out,) = uas.data_to_send()
    assert out.peer == Peer("udp", "10.0.0.1", 7000)
    reply = parse_message(out.data)
    assert "received=10.0.0.1" in (reply.headers.get("Via") or "")
    # With rport: the source port too (RFC 3581).
    uas.receive(request("OPTIONS", body="", branch="z9hG4bK-2"), Peer("udp", "10.0.0.1", 40000), 0)
    (out,) = uas.data_to_send()
    assert out.peer == Peer("udp", "10.0.0.1", 40000)


def test_a_bye_never_goes_to_a_contact_on_another_host() -> None:
    uas = new_uas()
    data = request().replace(
        b"Contact: <sip:0312345678@10.0.0.1:5062>", b"Contact: <sip:x@10.7.7.7:9>"
    )
    uas.receive(data, PEER, 0.0)
    uas.accept("call-1", [20000], 0.0)
    (ok,) = [m for m in responses(uas) if m.status == 200]
    tag = parse_name_addr(ok.headers.get("To") or "").tag
    uas.receive(request("ACK", branch="z9hG4bK-ack", to_tag=tag, body=""), PEER, 0.1)
    uas.hangup("call-1", "timeout", 1.0)
    (out,) = uas.data_to_send()
    bye = parse_message(out.data)
    assert isinstance(bye, SipRequest) and bye.method == "BYE"
    assert out.peer == PEER  # where the ACK came from, not 10.7.7.7:9
    assert bye.uri == "sip:x@10.7.7.7:9"  # the remote target stays the Request-URI


def test_caller_numbers_are_logged_only_with_log_content(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO")
    new_uas().receive(request(), PEER, 0.0)
    assert "0312345678" not in caplog.text
    assert "sip call from a caller" in caplog.text
    caplog.clear()
    bad = request(body="hello", ctype="text/plain").replace(
        b'From: "Caller"', b'From: "0312345678"'
    )
    new_uas().receive(bad.replace(b"Via: SIP/2.0/UDP", b"Via: SIP/2.0/UDP x y"), PEER, 0.0)
    assert "0312345678" not in caplog.text
    caplog.clear()
    timers = TimerOptions()
    loud = UserAgentServer(
        UasOptions("127.0.0.1", 5060, timers, admission=TRUST_PEER, log_content=True)
    )
    loud.receive(request(), PEER, 0.0)
    assert "'0312345678'" in caplog.text


TLS = Peer("tls", "10.0.0.1", 40500)
KEY_B64 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd"
SRTP_SDP = (
    "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n"
    "m=audio 6000 RTP/SAVP 0\r\n"
    "a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:AAAA\r\n"
    f"a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:{KEY_B64}\r\na=sendrecv\r\n"
)


def tls_uas(srtp: str = "optional") -> UserAgentServer:
    options = UasOptions(
        "127.0.0.1", 5060, TimerOptions(), admission=TRUST_PEER, tls_port=5061, srtp=srtp
    )
    return UserAgentServer(options)


def test_srtp_over_tls_is_keyed_from_the_offer_and_answered_with_our_own_key() -> None:
    uas = tls_uas()
    data = request(body=SRTP_SDP).replace(b"SIP/2.0/UDP", b"SIP/2.0/TLS")
    uas.receive(data, TLS, 0.0)
    (offered,) = uas.events()
    assert isinstance(offered, CallOffered)
    (stream,) = offered.streams
    assert stream.srtp is not None and (stream.srtp.tag, stream.srtp.key) == (2, bytes(range(30)))
    assert offered.meta["srtp"] is True and offered.meta["transport"] == "tls"
    uas.accept("call-1", [20000], 0.0)
    ok = [parse_message(o.data) for o in uas.data_to_send()][-1]
    assert isinstance(ok, SipResponse) and ok.status == 200
    assert ok.headers.get("Contact") == "<sip:consult-assist@127.0.0.1:5061;transport=tls>"
    (media,) = parse_sdp(ok.body).media
    assert media.proto == "RTP/SAVP"
    (crypto,) = media.crypto
    assert crypto.startswith("2 AES_CM_128_HMAC_SHA1_80 inline:") and KEY_B64 not in crypto


def test_sdes_keys_over_plain_udp_are_refused() -> None:
    uas = new_uas()
    uas.receive(request(body=SRTP_SDP), PEER, 0.0)
    (reply,) = responses(uas)
    assert reply.status == 488
    assert "TLS" in (reply.headers.get("Warning") or "")
    assert uas.events() == []


def test_required_srtp_refuses_a_plain_offer_even_over_tls() -> None:
    uas = tls_uas("required")
    uas.receive(request().replace(b"SIP/2.0/UDP", b"SIP/2.0/TLS"), TLS, 0.0)
    (out,) = uas.data_to_send()
    reply = parse_message(out.data)
    assert isinstance(reply, SipResponse) and reply.status == 488
