from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consult_assist.errors import SdpError
from consult_assist.sip.sdp import (
    Codec,
    build_answer,
    choose_codec,
    is_active,
    negotiate,
    parse_sdp,
)

OFFER = (
    "v=0\r\n"
    "o=caller 1 1 IN IP4 10.0.0.1\r\n"
    "s=-\r\n"
    "c=IN IP4 10.0.0.1\r\n"
    "t=0 0\r\n"
    "m=audio 6000 RTP/AVP 101 0 8\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-15\r\n"
    "a=sendrecv\r\n"
    "m=video 6002 RTP/AVP 96\r\n"
    "a=rtpmap:96 H264/90000\r\n"
    "m=audio 6004 RTP/AVP 97 8\r\n"
    "c=IN IP4 10.0.0.9\r\n"
    "a=rtpmap:97 opus/48000/2\r\n"
    "a=label:2\r\n"
    "a=sendonly\r\n"
)


def test_parse_offer() -> None:
    sdp = parse_sdp(OFFER.encode())
    audio, video, second = sdp.media
    assert (audio.kind, audio.port, audio.host, audio.direction) == (
        "audio",
        6000,
        "10.0.0.1",
        "sendrecv",
    )
    assert audio.rtpmap[101] == ("TELEPHONE-EVENT", 8000)
    assert video.kind == "video"
    assert (second.host, second.label, second.direction) == ("10.0.0.9", "2", "sendonly")


def test_codec_choice_skips_telephone_event_and_unknown_codecs() -> None:
    audio, video, second = parse_sdp(OFFER).media
    assert choose_codec(audio) == Codec(0, "PCMU")
    assert choose_codec(video) is None
    assert choose_codec(second) == Codec(8, "PCMA")
    assert negotiate(parse_sdp(OFFER)) == [Codec(0, "PCMU"), None, Codec(8, "PCMA")]


def test_dynamic_payload_type_mapped_to_pcmu() -> None:
    sdp = parse_sdp(
        "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 5 RTP/AVP 110\r\na=rtpmap:110 pcmu/8000\r\n"
    )
    assert choose_codec(sdp.media[0]) == Codec(110, "PCMU")
    # A dynamic type named like a codec but at another rate is not G.711.
    sdp = parse_sdp("v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 5 RTP/AVP 96\r\na=rtpmap:96 PCMA/16000\r\n")
    assert choose_codec(sdp.media[0]) is None


def test_no_usable_audio_is_488() -> None:
    offer = "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 5 RTP/AVP 9 18\r\nm=video 7 RTP/AVP 96\r\n"
    with pytest.raises(SdpError) as info:
        negotiate(parse_sdp(offer))
    assert info.value.status == 488


@pytest.mark.parametrize(
    "text",
    [
        "",
        "v=1\r\n",
        "v=0\r\nthis is not sdp\r\n",
        "v=0\r\nm=audio 5 RTP/AVP 0\r\n",  # no connection address
        "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio x RTP/AVP 0\r\n",
        "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 70000 RTP/AVP 0\r\n",
        "v=0\r\nc=IN XX 1.2.3.4\r\nm=audio 5 RTP/AVP 0\r\n",
        "v=0\r\nc=IN IP4 1.2.3.4\r\n" + "m=audio 5 RTP/AVP 0\r\n" * 17,
    ],
)
def test_malformed_sdp(text: str) -> None:
    with pytest.raises(SdpError):
        parse_sdp(text)


def test_answer_keeps_every_line_rejects_unusable_and_only_receives() -> None:
    offer = parse_sdp(OFFER)
    answer = build_answer(
        offer,
        host="127.0.0.1",
        ports=[20000, 0, 20002],
        codecs=negotiate(offer),
        session_id=5,
        version=2,
    ).decode()
    lines = answer.split("\r\n")
    assert "o=consult-assist 5 2 IN IP4 127.0.0.1" in lines
    assert "c=IN IP4 127.0.0.1" in lines
    m_lines = [ln for ln in lines if ln.startswith("m=")]
    assert m_lines == ["m=audio 20000 RTP/AVP 0", "m=video 0 RTP/AVP 96", "m=audio 20002 RTP/AVP 8"]
    assert "telephone-event" not in answer
    assert lines.count("a=recvonly") == 2
    assert "a=label:2" in lines
    again = parse_sdp(answer)
    assert [m.port for m in again.media] == [20000, 0, 20002]


@pytest.mark.parametrize(
    ("direction", "host", "recording", "active"),
    [
        ("sendrecv", "1.2.3.4", False, True),
        ("sendonly", "1.2.3.4", False, False),  # RFC 3264 hold: the holder plays music
        ("inactive", "1.2.3.4", False, False),
        ("sendrecv", "0.0.0.0", False, False),  # RFC 2543 hold
        ("sendonly", "1.2.3.4", True, True),  # SIPREC always sends one way
        ("inactive", "1.2.3.4", True, False),
    ],
)
def test_hold_detection(direction: str, host: str, recording: bool, active: bool) -> None:
    sdp = parse_sdp(f"v=0\r\nc=IN IP4 {host}\r\nm=audio 5 RTP/AVP 0\r\na={direction}\r\n")
    assert is_active(sdp.media[0], recording=recording) is active


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from([*OFFER.split("\r\n"), "a=rtpmap:x", "m=", "c=IN IP4", "a=label:"]),
        max_size=20,
    )
)
def test_sdp_parser_only_raises_sdp_error(lines: list[str]) -> None:
    try:
        offer = parse_sdp("v=0\r\n" + "\r\n".join(lines))
        codecs = negotiate(offer)
    except SdpError:
        return
    build_answer(offer, host="::1", ports=[1] * len(codecs), codecs=codecs, session_id=1, version=1)
