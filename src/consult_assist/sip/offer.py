"""What a new INVITE offers: its body read, its m= lines chosen, keyed and given speakers; pure.

:func:`plan_call` turns an INVITE the gate admitted into a :class:`CallPlan`: the SDP offer
(and SIPREC metadata), the codec and SDES key per m= line, the streams we will receive with
their speakers, and the call's ``meta`` (caller, the callee from the Request-URI, transport).
Anything we cannot serve is a :class:`SipError` whose status the user agent answers with
(415 body, 488 media, 400 Contact). SDES keys are only taken from a SIP/TLS peer: over any
other transport they crossed the network in clear.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from consult_assist.errors import SipError
from consult_assist.sip import sdp as sdplib
from consult_assist.sip.message import SipRequest, parse_name_addr, parse_uri
from consult_assist.sip.siprec import (
    METADATA_TYPE,
    RecordingMetadata,
    label_speakers,
    parse_metadata,
    split_multipart,
)
from consult_assist.sip.srtp import SdesKey, choose_crypto
from consult_assist.sip.timers import Peer
from consult_assist.sip.uaevents import StreamOffer

__all__ = ["CallPlan", "plan_call", "read_offer", "srtp_keys", "user_part"]


@dataclass(frozen=True)
class CallPlan:
    """An INVITE we can serve: what to answer and what to tell the adapter."""

    offer: sdplib.SessionDescription
    recording: bool
    """A SIPREC session (two streams, one per party) rather than a plain call."""
    caller: str
    streams: tuple[StreamOffer, ...]
    meta: dict[str, Any]


def user_part(value: str) -> str:
    """The user of a name-addr or URI (``"A" <sip:0312@h>`` → ``0312``); "" when unusable."""
    try:
        return parse_uri(parse_name_addr(value).uri).user
    except SipError:
        return ""


def read_offer(req: SipRequest) -> tuple[sdplib.SessionDescription, RecordingMetadata | None, bool]:
    """The SDP offer, the SIPREC metadata if any, and whether the INVITE is a recording."""
    encoding = (req.headers.get("Content-Encoding") or "identity").strip().lower()
    if encoding != "identity":
        raise SipError(f"Content-Encoding {encoding} not supported", status=415)
    ctype = req.content_type
    recording = "siprec" in [t.lower() for t in req.headers.get_list("Require")]
    recording |= "+sip.src" in (req.headers.get("Contact") or "")
    if ctype == "application/sdp":
        return sdplib.parse_sdp(req.body), None, recording
    if ctype == "multipart/mixed":
        parts = split_multipart(req.headers.get("Content-Type") or "", req.body)
        offer = next((p for p in parts if p.content_type == "application/sdp"), None)
        meta = next((p for p in parts if p.content_type == METADATA_TYPE), None)
        if offer is None:
            raise SipError("multipart body without application/sdp", status=415)
        metadata = None if meta is None else parse_metadata(meta.body)
        return sdplib.parse_sdp(offer.body), metadata, recording or meta is not None
    if not req.body:
        raise SipError("INVITE without an SDP offer is not supported", status=488)
    raise SipError(f"cannot read a {ctype or 'untyped'} body", status=415)


def srtp_keys(offer: sdplib.SessionDescription, transport: str) -> list[SdesKey | None]:
    """The offerer's SDES key per m= line we will take as SRTP (None: plain or refused)."""
    if transport != "tls":
        if any(sdplib.is_secure_profile(m) for m in offer.media) and not any(
            sdplib.choose_codec(m) for m in offer.media
        ):
            # The key would have crossed the network in clear: refusing is all we can do.
            raise SipError("SRTP keys (SDES) are taken over SIP/TLS only", status=488)
        return [None] * len(offer.media)
    return [choose_crypto(m.crypto) if m.crypto else None for m in offer.media]


def plan_call(req: SipRequest, peer: Peer, *, srtp: str, user: str = "") -> CallPlan:
    """Read and negotiate an admitted INVITE (``srtp``: ``optional``/``required``).

    ``user`` is who authenticated (digest), recorded in ``meta``.
    """
    offer, metadata, recording = read_offer(req)
    keys = srtp_keys(offer, peer.transport)
    codecs = sdplib.negotiate(offer, srtp=[k is not None for k in keys])
    if srtp == "required":
        codecs = [c if k is not None else None for c, k in zip(codecs, keys, strict=True)]
        if not any(codecs):
            raise SipError("this server takes SRTP (SDES over SIP/TLS) only", status=488)
    if req.headers.get("Contact") is None:
        raise SipError("INVITE without Contact")
    parse_uri(parse_name_addr(req.headers.get("Contact") or "").uri)
    caller = user_part(req.headers.get("From") or "")
    accepted = [i for i, c in enumerate(codecs) if c is not None]
    if not recording:
        accepted = accepted[:1]  # a plain call has one voice to hear: the caller's
    meta: dict[str, Any] = {
        "call_id": req.call_id,
        "caller": caller,
        # The Request-URI names whom the call is for; a PBX may rewrite it and leave To.
        "callee": user_part(req.uri),
        "transport": peer.transport,
        "remote": f"{peer.host}:{peer.port}",
        "srtp": any(keys[i] is not None for i in accepted),
    }
    if user:
        meta["authenticated_as"] = user
    if recording:
        labels = [offer.media[i].label for i in accepted]
        speakers, rule = label_speakers(labels, metadata, caller=caller)
        meta["speaker_rule"] = rule
        if metadata is not None:
            meta["recording_session"] = metadata.session_id
            meta["participants"] = [
                {"aor": ", ".join(p.aors), "name": p.name} for p in metadata.participants
            ]
    else:
        # A plain call is one mixed stream: caller and handler (when the handler's line is
        # bridged in) cannot be told apart, so nobody is named (issue 11).
        speakers = ["unknown"]
    streams = tuple(
        StreamOffer(
            index=i,
            codec=codecs[i] or sdplib.Codec(0, "PCMU"),
            host=offer.media[i].host,
            port=offer.media[i].port,
            label=offer.media[i].label,
            speaker=speaker,
            active=sdplib.is_active(offer.media[i], recording=recording),
            srtp=keys[i],
        )
        for i, speaker in zip(accepted, speakers, strict=True)
    )
    return CallPlan(offer, recording, caller, streams, meta)
