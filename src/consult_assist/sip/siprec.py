"""SIPREC (RFC 7866) recording offers: multipart bodies and rs-metadata (RFC 7865); no I/O.

A session recording client (an SBC or PBX) sends us one INVITE per recorded call, whose body
is ``multipart/mixed``: an SDP offer with one (sendonly) m= line per recorded stream, each
tagged with ``a=label``, and an ``application/rs-metadata+xml`` document that says which
participant sends which stream.

Speaker rule (:func:`label_speakers`): the participant whose ``nameID aor`` names the caller
(the user part of the From of the recording INVITE, which SRCs set to the original caller)
is "caller"; every other participant sending a stream is "handler". When that cannot be
decided (no metadata, no label that maps to a participant, or no aor matching the caller),
the fallback is stream order: the first audio stream is the caller, the second the handler,
as SRCs conventionally offer the inbound leg first.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from consult_assist.errors import SipError
from consult_assist.sip.message import Headers, parse_params, parse_uri

__all__ = [
    "METADATA_TYPE",
    "BodyPart",
    "Participant",
    "RecordingMetadata",
    "label_speakers",
    "parse_metadata",
    "split_multipart",
]

METADATA_TYPE = "application/rs-metadata+xml"
MAX_METADATA_BYTES = 32_768
"""rs-metadata for a two-party call is a few kB; anything far larger is refused."""

_NS = "{urn:ietf:params:xml:ns:recording:1}"


@dataclass(frozen=True)
class BodyPart:
    """One part of a multipart body."""

    content_type: str
    headers: Headers
    body: bytes


def split_multipart(content_type: str, body: bytes) -> list[BodyPart]:
    """Split a ``multipart/*`` body (RFC 2046) by the boundary in its Content-Type header."""
    boundary = parse_params(content_type.partition(";")[2]).get("boundary", "")
    if not boundary:
        raise SipError("multipart body without a boundary")
    delimiter = b"--" + boundary.encode("utf-8", errors="replace")
    chunks = body.split(delimiter)
    parts: list[BodyPart] = []
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break
        chunk = chunk.removeprefix(b"\r\n").removeprefix(b"\n")
        head, sep, content = chunk.partition(b"\r\n\r\n")
        if not sep:
            head, sep, content = chunk.partition(b"\n\n")
        if not sep:
            head, content = b"", chunk
        headers = Headers()
        for line in head.decode("utf-8", errors="replace").splitlines():
            name, colon, value = line.partition(":")
            if colon:
                headers.add(name.strip(), value.strip())
        # The CRLF before the next delimiter belongs to the delimiter (RFC 2046 §5.1.1).
        content = content[:-2] if content.endswith(b"\r\n") else content.removesuffix(b"\n")
        ctype = (headers.get("Content-Type") or "text/plain").split(";", 1)[0].strip().lower()
        parts.append(BodyPart(ctype, headers, content))
    if not parts:
        raise SipError("multipart body has no parts")
    return parts


@dataclass(frozen=True)
class Participant:
    """A participant of the recorded call: id, addresses of record, name, streams it sends."""

    participant_id: str
    aors: tuple[str, ...]
    name: str
    sends: tuple[str, ...]


@dataclass(frozen=True)
class RecordingMetadata:
    """What we use of rs-metadata: the recorded session and who sends which labelled stream."""

    session_id: str
    participants: tuple[Participant, ...]
    stream_labels: Mapping[str, str]
    """stream_id → the SDP ``a=label`` of that stream."""

    def sender_of(self, label: str) -> Participant | None:
        """The participant that sends the stream with SDP label ``label``."""
        ids = {sid for sid, lab in self.stream_labels.items() if lab == label}
        for p in self.participants:
            if ids.intersection(p.sends):
                return p
        return None


def parse_metadata(data: bytes) -> RecordingMetadata:
    """Parse an ``application/rs-metadata+xml`` document (RFC 7865 §6, and its older draft)."""
    if len(data) > MAX_METADATA_BYTES:
        raise SipError("rs-metadata too large", status=413)
    # Metadata never needs a DTD; refusing one rules out entity-expansion attacks.
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise SipError("rs-metadata with a DTD is not accepted", status=415)
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise SipError(f"rs-metadata is not XML: {exc}") from exc
    if _local(root.tag) != "recording":
        raise SipError("rs-metadata root is not <recording>")
    session = next((el for el in root if _local(el.tag) == "session"), None)
    session_id = "" if session is None else _attr(session, "session_id")
    labels: dict[str, str] = {}
    sends: dict[str, list[str]] = {}
    people: list[tuple[str, tuple[str, ...], str]] = []
    for el in root:
        tag = _local(el.tag)
        if tag == "stream":
            label = _child_text(el, "label")
            if label:
                labels[_attr(el, "stream_id")] = label
        elif tag == "participant":
            pid = _attr(el, "participant_id")
            aors = tuple(
                [_attr(n, "aor") for n in el if _local(n.tag) == "nameID" and _attr(n, "aor")]
                + [(n.text or "").strip() for n in el if _local(n.tag) == "aor" and n.text]
            )
            name = next(
                ((n.text or "").strip() for n in el.iter() if _local(n.tag) == "name" and n.text),
                "",
            )
            people.append((pid, aors, name))
            # The draft format put <send> inside <participant>.
            sends.setdefault(pid, []).extend(_texts(el, "send"))
        elif tag == "participantstreamassoc":
            sends.setdefault(_attr(el, "participant_id"), []).extend(_texts(el, "send"))
    participants = tuple(
        Participant(pid, aors, name, tuple(sends.get(pid, ()))) for pid, aors, name in people
    )
    return RecordingMetadata(session_id, participants, labels)


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _attr(el: ET.Element, name: str) -> str:
    return (el.get(name) or el.get(_NS + name) or el.get("id") or "").strip()


def _child_text(el: ET.Element, name: str) -> str:
    for child in el:
        if _local(child.tag) == name and child.text:
            return child.text.strip()
    return ""


def _texts(el: ET.Element, name: str) -> list[str]:
    return [(c.text or "").strip() for c in el if _local(c.tag) == name and c.text]


_SEPARATORS = re.compile(r"[\s\-().]")


def _identity(aor: str) -> str:
    """Comparable form of an address: the user part (or the whole text), separators dropped."""
    try:
        user = parse_uri(aor).user or aor
    except SipError:
        user = aor
    return _SEPARATORS.sub("", user).lower()


def label_speakers(
    labels: Sequence[str], metadata: RecordingMetadata | None, *, caller: str
) -> tuple[list[str], str]:
    """Speaker per stream ("caller"/"handler"/"") and the rule that decided ("aor"/"order").

    ``labels`` are the ``a=label`` values of the accepted streams in m= line order;
    ``caller`` identifies the original caller (a number, user part or URI).
    """
    want = _identity(caller) if caller else ""
    if metadata is not None and want:
        senders = [metadata.sender_of(label) if label else None for label in labels]
        is_caller = [p is not None and any(_identity(a) == want for a in p.aors) for p in senders]
        if any(is_caller) and all(p is not None for p in senders):
            return ["caller" if c else "handler" for c in is_caller], "aor"
    order = ["caller", "handler"]
    return [order[i] if i < len(order) else "" for i in range(len(labels))], "order"
