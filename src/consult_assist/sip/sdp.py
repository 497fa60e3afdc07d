"""SDP offers (RFC 4566) and our answers (RFC 3264): we only receive G.711 audio.

The answer keeps one m= line per offered line (RFC 3264 §6): audio lines we can take get a
local port, one codec (PCMU preferred over PCMA in the offerer's order, telephone-event and
everything else left out) and a receive-only direction; anything else is rejected with port 0.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from consult_assist.errors import SdpError

__all__ = [
    "Codec",
    "MediaDescription",
    "SessionDescription",
    "answer_direction",
    "build_answer",
    "choose_codec",
    "is_active",
    "is_secure_profile",
    "negotiate",
    "parse_sdp",
]

MAX_MEDIA = 16
"""More m= lines than this is not a call we can serve (and bounds the work per offer)."""

_STATIC = {0: ("PCMU", 8000), 8: ("PCMA", 8000)}
_SUPPORTED = ("PCMU", "PCMA")
_DIRECTIONS = ("sendrecv", "sendonly", "recvonly", "inactive")
_LINE = re.compile(r"([a-z])=(.*)")
_NUMBER = re.compile(r"[0-9]{1,5}")


@dataclass(frozen=True)
class Codec:
    """A negotiated audio codec: RTP payload type, encoding name and clock rate in Hz."""

    payload_type: int
    name: str
    clock_rate: int = 8000


@dataclass(frozen=True)
class MediaDescription:
    """One m= section with what we need of it."""

    kind: str
    port: int
    proto: str
    formats: tuple[str, ...]
    rtpmap: Mapping[int, tuple[str, int]]
    direction: str
    label: str
    host: str
    """The connection address in effect (media-level c= or else the session-level one)."""
    crypto: tuple[str, ...] = ()
    """The ``a=crypto`` values (RFC 4568 SDES), in the offerer's order of preference."""


@dataclass(frozen=True)
class SessionDescription:
    """A parsed SDP body."""

    origin: str
    host: str
    media: tuple[MediaDescription, ...]


def parse_sdp(data: bytes | str) -> SessionDescription:
    """Parse an SDP body; raise :class:`SdpError` (status 400) when it is malformed."""
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    lines = [ln.rstrip("\r") for ln in text.split("\n") if ln.strip()]
    if not lines or lines[0].strip() != "v=0":
        raise SdpError("SDP must start with v=0")
    origin = session_host = ""
    session_direction = "sendrecv"
    sections: list[list[tuple[str, str]]] = []
    for line in lines[1:]:
        m = _LINE.fullmatch(line)
        if not m:
            raise SdpError(f"bad SDP line {line[:60]!r}")
        kind, value = m.group(1), m.group(2).strip()
        if kind == "m":
            if len(sections) >= MAX_MEDIA:
                raise SdpError(f"more than {MAX_MEDIA} media lines", status=488)
            sections.append([(kind, value)])
        elif sections:
            sections[-1].append((kind, value))
        elif kind == "o":
            origin = value
        elif kind == "c":
            session_host = _connection(value)
        elif kind == "a" and value in _DIRECTIONS:
            session_direction = value
    media = tuple(_media(s, session_host, session_direction) for s in sections)
    return SessionDescription(origin=origin, host=session_host, media=media)


def _connection(value: str) -> str:
    parts = value.split()
    if len(parts) != 3 or parts[0] != "IN" or parts[1] not in ("IP4", "IP6"):
        raise SdpError(f"bad c= line {value[:60]!r}")
    return parts[2].split("/", 1)[0]


def _media(section: list[tuple[str, str]], session_host: str, direction: str) -> MediaDescription:
    fields = section[0][1].split()
    if len(fields) < 4 or not _NUMBER.fullmatch(fields[1].split("/", 1)[0]):
        raise SdpError(f"bad m= line {section[0][1][:60]!r}")
    port = int(fields[1].split("/", 1)[0])
    if port > 65535:
        raise SdpError(f"bad port in m= line {section[0][1][:60]!r}")
    host = session_host
    label = ""
    crypto: list[str] = []
    rtpmap: dict[int, tuple[str, int]] = {}
    for kind, value in section[1:]:
        if kind == "c":
            host = _connection(value)
        elif kind == "a":
            name, _, rest = value.partition(":")
            if value in _DIRECTIONS:
                direction = value
            elif name == "label":
                label = rest.strip()
            elif name == "crypto" and len(crypto) < MAX_MEDIA:
                crypto.append(rest.strip())
            elif name == "rtpmap":
                pt, _, encoding = rest.strip().partition(" ")
                enc = encoding.split("/")
                if _NUMBER.fullmatch(pt) and len(enc) >= 2 and _NUMBER.fullmatch(enc[1]):
                    rtpmap[int(pt)] = (enc[0].upper(), int(enc[1]))
    if port and not host:
        raise SdpError("media without a connection address (c=)")
    return MediaDescription(
        kind=fields[0].lower(),
        port=port,
        proto=fields[2],
        formats=tuple(fields[3:]),
        rtpmap=rtpmap,
        direction=direction,
        label=label,
        host=host,
        crypto=tuple(crypto),
    )


def is_secure_profile(media: MediaDescription) -> bool:
    """Whether the m= line insists on SRTP (``RTP/SAVP``, ``RTP/SAVPF``)."""
    return media.proto.upper().startswith("RTP/SAVP")


def choose_codec(media: MediaDescription, *, srtp: bool = False) -> Codec | None:
    """The codec we would receive on this m= line (PCMU or PCMA, offer order), or None.

    ``srtp``: we have keys for this line, so an ``RTP/SAVP`` profile is acceptable too.
    """
    proto = media.proto.upper()
    usable = proto.startswith("RTP/AVP") or (srtp and is_secure_profile(media))
    if media.kind != "audio" or media.port == 0 or not usable:
        return None
    for fmt in media.formats:
        if not _NUMBER.fullmatch(fmt) or int(fmt) > 127:
            continue
        pt = int(fmt)
        name, rate = media.rtpmap.get(pt) or _STATIC.get(pt, ("", 0))
        if name in _SUPPORTED and rate == 8000:
            return Codec(pt, name, rate)
    return None


def negotiate(
    offer: SessionDescription, *, srtp: Sequence[bool] | None = None
) -> list[Codec | None]:
    """A codec per m= line (None: reject it); :class:`SdpError` 488 if no audio is usable.

    ``srtp[i]``: line i will be received as SRTP (its keys were accepted).
    """
    keyed = list(srtp) if srtp is not None else [False] * len(offer.media)
    codecs = [choose_codec(m, srtp=k) for m, k in zip(offer.media, keyed, strict=True)]
    if not any(codecs):
        raise SdpError("no PCMU/PCMA audio stream in the offer", status=488)
    return codecs


def is_active(media: MediaDescription, *, recording: bool) -> bool:
    """Whether the offerer will send us the party's speech on this line (False: on hold).

    RFC 3264 §8.4 holds a sendrecv stream by making it sendonly (the holder may play music)
    or inactive, or by the older c=0.0.0.0. A SIPREC client always sends one way, so there
    sendonly is the normal state and only inactive (or recvonly) means paused.
    """
    if media.port == 0 or media.host in ("0.0.0.0", "::"):
        return False
    wanted = ("sendrecv", "sendonly") if recording else ("sendrecv",)
    return media.direction in wanted


def answer_direction(offered: str) -> str:
    """Our direction for an offered one: we only ever receive (RFC 3264 §6.1)."""
    return "recvonly" if offered in ("sendrecv", "sendonly") else "inactive"


def build_answer(
    offer: SessionDescription,
    *,
    host: str,
    ports: Sequence[int],
    codecs: Sequence[Codec | None],
    session_id: int,
    version: int,
    crypto: Sequence[str | None] | None = None,
) -> bytes:
    """Our answer: ``ports[i]``/``codecs[i]`` for m= line i (codec None: rejected, port 0).

    ``crypto[i]``: our ``a=crypto`` value for an SRTP line (None: plain RTP).
    """
    cryptos = list(crypto) if crypto is not None else [None] * len(offer.media)
    ip = "IP6" if ":" in host else "IP4"
    lines = [
        "v=0",
        f"o=consult-assist {session_id} {version} IN {ip} {host}",
        "s=consult-assist",
        f"c=IN {ip} {host}",
        "t=0 0",
    ]
    for media, port, codec, key in zip(offer.media, ports, codecs, cryptos, strict=True):
        if codec is None:
            lines.append(f"m={media.kind} 0 {media.proto} {' '.join(media.formats) or '0'}")
            continue
        lines.append(f"m=audio {port} {media.proto} {codec.payload_type}")
        lines.append(f"a=rtpmap:{codec.payload_type} {codec.name}/{codec.clock_rate}")
        if media.label:
            lines.append(f"a=label:{media.label}")
        if key is not None:
            lines.append(f"a=crypto:{key}")
        lines.append(f"a={answer_direction(media.direction)}")
    return ("\r\n".join(lines) + "\r\n").encode("ascii", errors="replace")
