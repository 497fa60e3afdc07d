"""What the SIP user agent says to its adapter: options, messages to send, call events."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from consult_assist.sip.admission import AdmissionOptions
from consult_assist.sip.digest import DigestOptions
from consult_assist.sip.sdp import Codec
from consult_assist.sip.srtp import SdesKey
from consult_assist.sip.timers import Peer, TimerOptions

__all__ = [
    "CallEnded",
    "CallEvent",
    "CallHeld",
    "CallOffered",
    "CallResumed",
    "CallStarted",
    "CallUpdated",
    "Outgoing",
    "StreamOffer",
    "UasOptions",
]


@dataclass(frozen=True)
class UasOptions:
    """What the user agent says about itself and its timers."""

    host: str
    """The address we advertise in Contact, Via and SDP (where we are bound)."""
    port: int
    """Our SIP port."""
    timers: TimerOptions = field(default_factory=TimerOptions)
    user_agent: str = "consult-assist"
    max_message_bytes: int = 65_535
    admission: AdmissionOptions = field(default_factory=AdmissionOptions)
    """Trusted networks, rates and caps (see :mod:`consult_assist.sip.gate`)."""
    digest: DigestOptions | None = None
    """Digest authentication of new INVITEs; None: the allowlist alone decides."""
    tls_port: int | None = None
    """Our SIP/TLS port, named in Contact for calls that came over TLS."""
    srtp: str = "optional"
    """``optional``: SDES-keyed SRTP when a TLS peer offers it, plain RTP otherwise;
    ``required``: only SRTP over TLS (anything else is refused with 488)."""
    log_content: bool = False
    """Log caller numbers and header text (personal data); off unless asked for."""


@dataclass(frozen=True)
class Outgoing:
    """A message to send to ``peer``."""

    peer: Peer
    data: bytes


@dataclass(frozen=True)
class StreamOffer:
    """One accepted media stream of a call: which m= line, codec, remote address, speaker."""

    index: int
    codec: Codec
    host: str
    port: int
    label: str
    speaker: str
    active: bool
    srtp: SdesKey | None = None
    """The offerer's SDES key when the stream is SRTP (None: plain RTP)."""


@dataclass(frozen=True)
class CallOffered:
    """An INVITE we can serve: the adapter binds ports and calls accept (or ring/reject)."""

    call_id: str
    source: str
    """"sip" or "siprec"."""
    caller: str
    streams: tuple[StreamOffer, ...]
    meta: Mapping[str, Any]
    peer: Peer


@dataclass(frozen=True)
class CallStarted:
    """We answered (200 OK sent): the call is live."""

    call_id: str


@dataclass(frozen=True)
class CallHeld:
    """A re-INVITE put every stream on hold (no speech expected; no RTP timeout)."""

    call_id: str


@dataclass(frozen=True)
class CallResumed:
    """A re-INVITE took the call off hold."""

    call_id: str


@dataclass(frozen=True)
class CallUpdated:
    """A re-INVITE moved the remote media (address, port or codec)."""

    call_id: str
    streams: tuple[StreamOffer, ...]


@dataclass(frozen=True)
class CallEnded:
    """The call is over: ``hangup`` (BYE), ``cancel``, ``timeout``, ``no-ack``, ``rejected``…"""

    call_id: str
    reason: str
    answered: bool


CallEvent = CallOffered | CallStarted | CallHeld | CallResumed | CallUpdated | CallEnded
