"""SDES crypto lines and SRTP decryption (libsrtp through pylibsrtp) for received streams."""

from __future__ import annotations

import base64
import struct

import pylibsrtp
import pytest

from consult_assist.errors import RtpError, SdpError
from consult_assist.sip.srtp import SdesKey, SrtpInbound, answer_crypto, choose_crypto, parse_crypto

KEY = bytes(range(30))
INLINE = base64.b64encode(KEY).decode()


def sender(key: bytes = KEY, suite: str = "AES_CM_128_HMAC_SHA1_80") -> pylibsrtp.Session:
    profile = {
        "AES_CM_128_HMAC_SHA1_80": pylibsrtp.Policy.SRTP_PROFILE_AES128_CM_SHA1_80,
        "AES_CM_128_HMAC_SHA1_32": pylibsrtp.Policy.SRTP_PROFILE_AES128_CM_SHA1_32,
    }[suite]
    policy = pylibsrtp.Policy(
        key=key, ssrc_type=pylibsrtp.Policy.SSRC_ANY_OUTBOUND, srtp_profile=profile
    )
    return pylibsrtp.Session(policy)


def rtp(seq: int) -> bytes:
    return struct.pack("!BBHII", 0x80, 0, seq, seq * 160, 0x1234) + b"\xff" * 160


def test_parse_a_crypto_line() -> None:
    key = parse_crypto(f"1 AES_CM_128_HMAC_SHA1_80 inline:{INLINE}")
    assert (key.tag, key.suite, key.key) == (1, "AES_CM_128_HMAC_SHA1_80", KEY)
    assert parse_crypto(f"7 AES_CM_128_HMAC_SHA1_32 inline:{INLINE}|2^20").tag == 7
    assert INLINE not in repr(key)  # a key never reaches a log


@pytest.mark.parametrize(
    "value",
    [
        f"1 AES_256_CM_HMAC_SHA1_80 inline:{INLINE}",  # suite we do not take
        f"1 AES_CM_128_HMAC_SHA1_80 inline:{INLINE}|2^20|1:4",  # MKI
        f"1 AES_CM_128_HMAC_SHA1_80 inline:{INLINE} UNENCRYPTED_SRTP",  # session parameter
        "1 AES_CM_128_HMAC_SHA1_80 inline:c2hvcnQ=",  # not 30 bytes
        "1 AES_CM_128_HMAC_SHA1_80 inline:!!!",
        f"x AES_CM_128_HMAC_SHA1_80 inline:{INLINE}",
        f"1 AES_CM_128_HMAC_SHA1_80 uri:{INLINE}",
    ],
)
def test_unusable_crypto_lines_are_refused(value: str) -> None:
    with pytest.raises(SdpError):
        parse_crypto(value)


def test_the_first_usable_line_is_chosen_in_offer_order() -> None:
    lines = [
        f"1 AES_256_CM_HMAC_SHA1_80 inline:{INLINE}",
        f"2 AES_CM_128_HMAC_SHA1_32 inline:{INLINE}",
        f"3 AES_CM_128_HMAC_SHA1_80 inline:{INLINE}",
    ]
    chosen = choose_crypto(lines)
    assert chosen is not None and chosen.tag == 2
    assert choose_crypto(lines[:1]) is None


def test_our_answer_keeps_tag_and_suite_and_carries_our_own_key() -> None:
    offer = SdesKey(5, "AES_CM_128_HMAC_SHA1_80", KEY)
    value, local = answer_crypto(offer)
    again = parse_crypto(value)
    assert (again.tag, again.suite, again.key) == (5, offer.suite, local)
    assert local != KEY
    assert answer_crypto(offer, local)[0] == value


@pytest.mark.parametrize("suite", ["AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32"])
def test_packets_from_the_key_holder_decrypt_and_nothing_else_does(suite: str) -> None:
    inbound = SrtpInbound(SdesKey(1, suite, KEY))
    tx = sender(suite=suite)
    protected = tx.protect(rtp(1))
    assert protected[12:] != rtp(1)[12:]  # the payload really is encrypted
    assert inbound.unprotect(protected) == rtp(1)
    with pytest.raises(RtpError):
        inbound.unprotect(protected)  # a replay
    tampered = bytearray(tx.protect(rtp(2)))
    tampered[20] ^= 1
    with pytest.raises(RtpError):
        inbound.unprotect(bytes(tampered))
    with pytest.raises(RtpError):
        inbound.unprotect(sender(key=bytes(30)).protect(rtp(3)))  # another key
    with pytest.raises(RtpError):
        inbound.unprotect(rtp(4))  # plain RTP
