"""SRTP keyed by SDES (RFC 4568 ``a=crypto``) for the streams we receive; decryption by libsrtp.

The offerer puts its master key in the SDP (``inline:`` key || salt, base64). That key is only
secret if the SDP travelled encrypted, so the user agent takes SDES only from a SIP/TLS peer.
We answer with the same tag and suite and a key of our own (required by the RFC even though
we never send media). :class:`SrtpInbound` wraps a ``pylibsrtp`` session that authenticates
and decrypts what arrives; a packet that fails authentication is an :class:`RtpError`, so a
party without the key can neither inject audio nor take over the stream's latch.

Supported suites: AES_CM_128_HMAC_SHA1_80 (the mandatory one) and AES_CM_128_HMAC_SHA1_32.
Lines with an MKI or session parameters are skipped (RFC 4568
§6.1: an attribute we cannot honour is not answered), so the offer's next line can be used.
No I/O: randomness from :mod:`secrets`.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

import pylibsrtp

from consult_assist.errors import RtpError, SdpError

__all__ = ["SUITES", "SdesKey", "SrtpInbound", "answer_crypto", "choose_crypto", "parse_crypto"]

SUITES: dict[str, int] = {
    "AES_CM_128_HMAC_SHA1_80": pylibsrtp.Policy.SRTP_PROFILE_AES128_CM_SHA1_80,
    "AES_CM_128_HMAC_SHA1_32": pylibsrtp.Policy.SRTP_PROFILE_AES128_CM_SHA1_32,
}
"""SDES crypto-suite names we accept → libsrtp profiles (first is preferred)."""

_KEY_BYTES = 30  # 128-bit master key + 112-bit master salt


@dataclass(frozen=True)
class SdesKey:
    """One usable ``a=crypto`` line: its tag, suite and the 30-byte master key || salt."""

    tag: int
    suite: str
    key: bytes

    def __repr__(self) -> str:  # never show a key in a log or a traceback
        return f"SdesKey(tag={self.tag}, suite={self.suite})"


def parse_crypto(value: str) -> SdesKey:
    """Parse the value of ``a=crypto:`` (without the prefix); :class:`SdpError` if unusable."""
    parts = value.split()
    if len(parts) < 3 or not parts[0].isdigit() or len(parts[0]) > 9:
        raise SdpError("bad a=crypto line")
    if len(parts) > 3:
        raise SdpError("a=crypto session parameters are not supported")
    suite = parts[1].upper()
    if suite not in SUITES:
        raise SdpError(f"crypto suite {parts[1][:40]} is not supported")
    method, _, key_info = parts[2].partition(":")
    if method != "inline" or not key_info:
        raise SdpError("a=crypto key must be inline")
    if ";" in key_info:
        raise SdpError("several keys in one a=crypto line are not supported")
    key_text, *extra = key_info.split("|")
    # A lifetime only binds the sender (it must re-key in time); an MKI needs libsrtp MKI
    # support that pylibsrtp does not expose.
    if any(":" in item for item in extra):
        raise SdpError("a=crypto MKI is not supported")
    try:
        key = base64.b64decode(key_text + "=" * (-len(key_text) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise SdpError("a=crypto key is not base64") from None
    if len(key) != _KEY_BYTES:
        raise SdpError(f"a=crypto key is {len(key)} bytes, not {_KEY_BYTES}")
    return SdesKey(int(parts[0]), suite, key)


def choose_crypto(values: Sequence[str]) -> SdesKey | None:
    """The first ``a=crypto`` value of an m= line we can use (offerer's order), or None."""
    for value in values:
        try:
            return parse_crypto(value)
        except SdpError:
            continue
    return None


def answer_crypto(offer: SdesKey, local_key: bytes | None = None) -> tuple[str, bytes]:
    """Our ``a=crypto`` value for an accepted offer line, and the local key it carries."""
    key = local_key if local_key is not None else secrets.token_bytes(_KEY_BYTES)
    inline = base64.b64encode(key).decode("ascii")
    return f"{offer.tag} {offer.suite} inline:{inline}", key


class SrtpInbound:
    """Authenticate and decrypt the SRTP packets of one received stream (any SSRC)."""

    def __init__(self, key: SdesKey) -> None:
        self.suite = key.suite
        policy = pylibsrtp.Policy(
            key=key.key,
            ssrc_type=pylibsrtp.Policy.SSRC_ANY_INBOUND,
            srtp_profile=SUITES[key.suite],
        )
        self._session = pylibsrtp.Session(policy)

    def unprotect(self, data: bytes) -> bytes:
        """The plain RTP packet; :class:`RtpError` if it fails authentication or replays."""
        try:
            plain: bytes = self._session.unprotect(data)
        except pylibsrtp.Error as exc:
            raise RtpError(f"SRTP packet refused ({exc})") from None
        return plain
