from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consult_assist.errors import SipError
from consult_assist.sip.message import (
    Headers,
    SipRequest,
    SipResponse,
    StreamFramer,
    make_response,
    new_branch,
    parse_message,
    parse_name_addr,
    parse_uri,
    parse_via,
    split_list,
)

OPTIONS = (
    b"OPTIONS sip:hotline@127.0.0.1 SIP/2.0\r\n"
    b"v: SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bKabc;rport,"
    b" SIP/2.0/TCP proxy:5060;branch=z9hG4bKp\r\n"
    b'f: "Yamada, Taro" <sip:0312345678@10.0.0.1>;tag=1\r\n'
    b"t: <sip:hotline@127.0.0.1>\r\n"
    b"i: abc@10.0.0.1\r\n"
    b"CSeq: 7 OPTIONS\r\n"
    b"Subject: a folded\r\n  subject line\r\n"
    b"l: 4\r\n"
    b"\r\n"
    b"bodyEXTRA"
)


def test_parse_request_expands_compact_headers_and_folds_lines() -> None:
    msg = parse_message(OPTIONS)
    assert isinstance(msg, SipRequest)
    assert (msg.method, msg.uri) == ("OPTIONS", "sip:hotline@127.0.0.1")
    assert msg.call_id == "abc@10.0.0.1"
    assert msg.cseq == (7, "OPTIONS")
    assert msg.headers.get("Subject") == "a folded subject line"
    assert len(msg.headers.get_list("Via")) == 2
    assert msg.body == b"body"  # Content-Length wins over trailing bytes
    frm = parse_name_addr(msg.headers.get("From") or "")
    assert frm.display == "Yamada, Taro"
    assert frm.tag == "1"
    assert parse_uri(frm.uri).user == "0312345678"


def test_serialize_roundtrip_sets_content_length() -> None:
    msg = parse_message(OPTIONS)
    assert isinstance(msg, SipRequest)
    msg.body = b"other body"
    again = parse_message(msg.to_bytes())
    assert isinstance(again, SipRequest)
    assert again.body == b"other body"
    assert again.headers.get("Content-Length") == "10"
    assert again.headers.get_list("Via") == msg.headers.get_list("Via")


def test_make_response_copies_routing_headers_and_adds_the_to_tag() -> None:
    req = parse_message(OPTIONS)
    assert isinstance(req, SipRequest)
    resp = make_response(req, 200, to_tag="xyz")
    parsed = parse_message(resp.to_bytes())
    assert isinstance(parsed, SipResponse)
    assert (parsed.status, parsed.reason) == (200, "OK")
    assert parse_name_addr(parsed.headers.get("To") or "").tag == "xyz"
    assert parsed.headers.get_list("Via") == req.headers.get_list("Via")
    assert parsed.cseq == (7, "OPTIONS")


def test_header_helpers() -> None:
    assert split_list('a, "b, c" <sip:x,y>, d') == ["a", '"b, c" <sip:x,y>', "d"]
    via = parse_via("SIP/2.0/udp [::1]:5070;branch=z9hG4bK1;rport")
    assert (via.transport, via.host, via.port, via.branch) == ("UDP", "::1", 5070, "z9hG4bK1")
    assert via.params["rport"] == ""
    assert parse_uri("tel:+81-3-1234-5678;phone-context=x").user == "+81-3-1234-5678"
    assert parse_uri("sips:alice:secret@example.com;transport=tcp").user == "alice"
    assert new_branch().startswith("z9hG4bK")
    h = Headers([("Via", "a"), ("To", "b"), ("v", "c")])
    h.set_first("via", "A")
    assert list(h) == [("Via", "A"), ("To", "b"), ("v", "c")]
    h.set("Via", "only")
    assert h.get_all("via") == ["only"]


@pytest.mark.parametrize(
    ("data", "status", "partial"),
    [
        (b"", 400, False),
        (b"hello world\r\n\r\n", 400, False),
        (b"INVITE sip:a@b SIP/3.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\r\n", 505, True),
        (OPTIONS.replace(b"l: 4", b"l: 40"), 400, True),
        (OPTIONS.replace(b"l: 4", b"l: four"), 400, True),
        (OPTIONS.replace(b"CSeq: 7 OPTIONS", b"CSeq: 7 INVITE"), 400, True),
        (OPTIONS.replace(b"i: abc@10.0.0.1\r\n", b""), 400, True),
        (OPTIONS.replace(b"CSeq: 7", b"Broken line\r\nCSeq: 7"), 400, True),
        (OPTIONS + b"x" * 70_000, 513, False),
    ],
)
def test_malformed_messages_raise_sip_error(data: bytes, status: int, partial: bool) -> None:
    with pytest.raises(SipError) as info:
        parse_message(data)
    assert info.value.status == status
    assert (info.value.message is not None) is partial


def test_stream_framer_splits_by_content_length_across_chunks() -> None:
    framer = StreamFramer()
    stream = b"\r\n\r\n" + OPTIONS[:-5] + OPTIONS
    out: list[bytes] = []
    for i in range(0, len(stream), 7):
        out += framer.feed(stream[i : i + 7])
    assert out == [OPTIONS[:-5], OPTIONS[:-5]]
    assert all(isinstance(parse_message(m), SipRequest) for m in out)


@pytest.mark.parametrize(
    "data",
    [
        b"OPTIONS sip:a SIP/2.0\r\nVia: x\r\n\r\n",
        b"OPTIONS sip:a SIP/2.0\r\nContent-Length: -1\r\n\r\n",
        b"OPTIONS sip:a SIP/2.0\r\nContent-Length: 99999999\r\n\r\n",
        b"X" * 70_000,
    ],
)
def test_stream_framer_rejects_unframeable_streams(data: bytes) -> None:
    with pytest.raises(SipError):
        StreamFramer().feed(data)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_parser_only_raises_sip_error_on_random_bytes(data: bytes) -> None:
    with contextlib.suppress(SipError):
        parse_message(data)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_parser_only_raises_sip_error_on_mutated_messages(data: st.DataObject) -> None:
    raw = bytearray(OPTIONS)
    for _ in range(data.draw(st.integers(1, 8))):
        pos = data.draw(st.integers(0, len(raw) - 1))
        op = data.draw(st.sampled_from(["flip", "delete", "insert"]))
        if op == "flip":
            raw[pos] = data.draw(st.integers(0, 255))
        elif op == "delete":
            del raw[pos]
        else:
            raw[pos:pos] = data.draw(st.sampled_from([b":", b";", b"<", b"\r\n", b" ", b","]))
    try:
        msg = parse_message(bytes(raw))
    except SipError:
        return
    parse_message(msg.to_bytes())  # what parses serializes to something that parses


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=200), max_size=10))
def test_framer_only_raises_sip_error(chunks: list[bytes]) -> None:
    framer = StreamFramer(max_bytes=1000)
    try:
        for chunk in chunks:
            framer.feed(chunk)
    except SipError:
        pass
