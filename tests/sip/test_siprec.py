from __future__ import annotations

import pytest

from consult_assist.errors import SipError
from consult_assist.sip.siprec import (
    label_speakers,
    parse_metadata,
    split_multipart,
)

METADATA = """<?xml version="1.0" encoding="UTF-8"?>
<recording xmlns='urn:ietf:params:xml:ns:recording:1'>
  <datamode>complete</datamode>
  <session session_id="S1"><sipSessionID>abc</sipSessionID></session>
  <participant participant_id="P1">
    <nameID aor="sip:hotline@consult.example.jp"><name xml:lang="ja">相談員</name></nameID>
  </participant>
  <participant participant_id="P2">
    <nameID aor="tel:+81-3-1234-5678"><name>Caller</name></nameID>
  </participant>
  <stream stream_id="A" session_id="S1"><label>10</label></stream>
  <stream stream_id="B" session_id="S1"><label>20</label></stream>
  <participantstreamassoc participant_id="P1"><send>A</send><recv>B</recv></participantstreamassoc>
  <participantstreamassoc participant_id="P2"><send>B</send><recv>A</recv></participantstreamassoc>
</recording>
""".encode()

DRAFT = b"""<recording xmlns='urn:ietf:params:xml:ns:recording'>
  <session id="S9"/>
  <participant id="X" session="S9"><aor>sip:0312345678@pbx</aor><send>s1</send></participant>
  <participant id="Y" session="S9"><aor>sip:100@pbx</aor><send>s2</send></participant>
  <stream id="s1" session="S9"><label>a</label></stream>
  <stream id="s2" session="S9"><label>b</label></stream>
</recording>"""


def test_split_multipart() -> None:
    body = (
        b"preamble\r\n--XyZ\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n\r\n"
        b"--XyZ\r\nContent-Type: application/rs-metadata+xml\r\n"
        b"Content-Disposition: recording-session\r\n\r\n<recording/>\r\n--XyZ--\r\nepilogue"
    )
    parts = split_multipart('multipart/mixed; boundary="XyZ"', body)
    assert [p.content_type for p in parts] == ["application/sdp", "application/rs-metadata+xml"]
    assert parts[0].body == b"v=0\r\n"
    assert parts[1].body == b"<recording/>"
    assert parts[1].headers.get("Content-Disposition") == "recording-session"


@pytest.mark.parametrize(
    ("ctype", "body"),
    [("multipart/mixed", b"--a\r\n\r\nx"), ("multipart/mixed;boundary=a", b"no parts here")],
)
def test_bad_multipart(ctype: str, body: bytes) -> None:
    with pytest.raises(SipError):
        split_multipart(ctype, body)


def test_parse_rfc7865_metadata() -> None:
    meta = parse_metadata(METADATA)
    assert meta.session_id == "S1"
    assert [p.aors for p in meta.participants] == [
        ("sip:hotline@consult.example.jp",),
        ("tel:+81-3-1234-5678",),
    ]
    assert meta.participants[0].name == "相談員"
    assert meta.sender_of("20") is meta.participants[1]
    assert meta.sender_of("99") is None


def test_parse_draft_metadata() -> None:
    meta = parse_metadata(DRAFT)
    assert meta.sender_of("a") is not None
    assert meta.sender_of("a").aors == ("sip:0312345678@pbx",)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "data",
    [
        b"not xml",
        b"<other/>",
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><recording>&a;</recording>',
        b"<recording>" + b" " * 40_000 + b"</recording>",
    ],
)
def test_bad_metadata(data: bytes) -> None:
    with pytest.raises(SipError):
        parse_metadata(data)


def test_speakers_by_aor_match_with_the_caller_number() -> None:
    meta = parse_metadata(METADATA)
    # The number is compared without separators, so tel:+81-3-… matches +81312345678.
    assert label_speakers(["10", "20"], meta, caller="+81312345678") == (
        ["handler", "caller"],
        "aor",
    )
    assert label_speakers(["20", "10"], meta, caller="sip:+81-3-1234-5678@x") == (
        ["caller", "handler"],
        "aor",
    )


def test_speakers_fall_back_to_stream_order() -> None:
    meta = parse_metadata(METADATA)
    assert label_speakers(["10", "20"], meta, caller="nobody") == (["caller", "handler"], "order")
    assert label_speakers(["10", "20"], None, caller="x") == (["caller", "handler"], "order")
    assert label_speakers(["10", "??"], meta, caller="+81312345678") == (
        ["caller", "handler"],
        "order",
    )
    assert label_speakers(["1", "2", "3"], None, caller="") == (["caller", "handler", ""], "order")
