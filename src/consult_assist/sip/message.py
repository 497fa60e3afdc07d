"""SIP messages (RFC 3261): parse, serialize, header helpers, Via/branch and tags; no I/O.

The parser is strict where a wrong guess would route or match a message wrongly (start line,
Content-Length, CSeq, Via) and lenient elsewhere (unknown headers are kept as text, invalid
UTF-8 is replaced). Every failure is a :class:`~consult_assist.errors.SipError`; when the
headers a response needs could be read, the error carries the partial request so the caller
can still answer it (400 instead of silence, as RFC 3261 §8.2 expects).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from consult_assist.errors import SipError

__all__ = [
    "MAX_MESSAGE_BYTES",
    "REASONS",
    "Headers",
    "NameAddr",
    "SipMessage",
    "SipRequest",
    "SipResponse",
    "SipUri",
    "StreamFramer",
    "Via",
    "make_response",
    "new_branch",
    "new_tag",
    "parse_message",
    "parse_name_addr",
    "parse_params",
    "parse_uri",
    "parse_via",
    "split_list",
]

MAX_MESSAGE_BYTES = 65_535
"""Default upper bound of one SIP message in bytes (UDP datagrams cannot be larger)."""

BRANCH_COOKIE = "z9hG4bK"

# RFC 3261 §7.3.3 compact forms, so lookups by full name find them.
_COMPACT = {
    "i": "call-id",
    "m": "contact",
    "f": "from",
    "t": "to",
    "v": "via",
    "l": "content-length",
    "c": "content-type",
    "k": "supported",
    "s": "subject",
    "e": "content-encoding",
    "o": "event",
    "r": "refer-to",
    "u": "allow-events",
    "x": "session-expires",
}

REASONS = {
    100: "Trying",
    180: "Ringing",
    200: "OK",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    413: "Request Entity Too Large",
    415: "Unsupported Media Type",
    416: "Unsupported URI Scheme",
    420: "Bad Extension",
    481: "Call/Transaction Does Not Exist",
    482: "Loop Detected",
    483: "Too Many Hops",
    486: "Busy Here",
    487: "Request Terminated",
    488: "Not Acceptable Here",
    491: "Request Pending",
    500: "Server Internal Error",
    501: "Not Implemented",
    503: "Service Unavailable",
    505: "Version Not Supported",
    513: "Message Too Large",
}

_TOKEN = re.compile(r"[A-Za-z0-9\-.!%*_+`'~]+")
_DIGITS = re.compile(r"[0-9]{1,10}")
_REQUEST_LINE = re.compile(r"([A-Za-z0-9\-.!%*_+`'~]+) (\S+) (SIP/\S+)")
_STATUS_LINE = re.compile(r"(SIP/\S+) ([1-6][0-9][0-9])(?: (.*))?")
_REQUIRED = ("via", "from", "to", "call-id", "cseq")


def _key(name: str) -> str:
    low = name.strip().lower()
    return _COMPACT.get(low, low)


class Headers:
    """Ordered, case-insensitive, multi-valued headers; compact names are expanded on lookup."""

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self._items: list[tuple[str, str]] = [(n, v) for n, v in items]

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def get(self, name: str) -> str | None:
        """The first value of ``name``, or None."""
        key = _key(name)
        for n, v in self._items:
            if _key(n) == key:
                return v
        return None

    def get_all(self, name: str) -> list[str]:
        """Every value of ``name`` in order (header lines, not comma-split)."""
        key = _key(name)
        return [v for n, v in self._items if _key(n) == key]

    def get_list(self, name: str) -> list[str]:
        """Every element of a comma-list header (Via, Allow, Require…), split across lines."""
        return [part for v in self.get_all(name) for part in split_list(v)]

    def add(self, name: str, value: str) -> None:
        self._items.append((name, value))

    def set(self, name: str, value: str) -> None:
        """Replace every ``name`` line with one, kept where the first one was."""
        key = _key(name)
        out: list[tuple[str, str]] = []
        placed = False
        for n, v in self._items:
            if _key(n) == key:
                if not placed:
                    out.append((name, value))
                    placed = True
            else:
                out.append((n, v))
        if not placed:
            out.append((name, value))
        self._items = out

    def set_first(self, name: str, value: str) -> None:
        """Replace the first ``name`` line's value in place (or add one)."""
        key = _key(name)
        for i, (n, _) in enumerate(self._items):
            if _key(n) == key:
                self._items[i] = (n, value)
                return
        self._items.append((name, value))

    def remove(self, name: str) -> None:
        key = _key(name)
        self._items = [(n, v) for n, v in self._items if _key(n) != key]

    def copy(self) -> Headers:
        return Headers(self._items)


@dataclass
class SipMessage:
    """What requests and responses share: headers and a body."""

    headers: Headers = field(default_factory=Headers)
    body: bytes = b""

    @property
    def call_id(self) -> str:
        return (self.headers.get("Call-ID") or "").strip()

    @property
    def cseq(self) -> tuple[int, str]:
        """(number, method) of the CSeq header; (0, "") when absent or malformed."""
        parts = (self.headers.get("CSeq") or "").split()
        if len(parts) == 2 and _DIGITS.fullmatch(parts[0]):
            return int(parts[0]), parts[1].upper()
        return 0, ""

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower case ("" when absent)."""
        value = self.headers.get("Content-Type") or ""
        return value.split(";", 1)[0].strip().lower()

    def _head_lines(self) -> list[str]:
        return [f"{n}: {v}" for n, v in self.headers if _key(n) != "content-length"]

    def _serialize(self, start: str) -> bytes:
        lines = [start, *self._head_lines(), f"Content-Length: {len(self.body)}", "", ""]
        return "\r\n".join(lines).encode("utf-8") + self.body


@dataclass
class SipRequest(SipMessage):
    """A request: method, Request-URI, headers, body."""

    method: str = ""
    uri: str = ""

    def to_bytes(self) -> bytes:
        return self._serialize(f"{self.method} {self.uri} SIP/2.0")


@dataclass
class SipResponse(SipMessage):
    """A response: status code, reason phrase, headers, body."""

    status: int = 0
    reason: str = ""

    def to_bytes(self) -> bytes:
        return self._serialize(f"SIP/2.0 {self.status} {self.reason}")


def split_list(value: str) -> list[str]:
    """Split a comma-list header value, ignoring commas inside quotes and <…>."""
    out: list[str] = []
    buf: list[str] = []
    quoted = angled = False
    escaped = False
    for ch in value:
        if escaped:
            escaped = False
        elif quoted and ch == "\\":
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif not quoted and ch == "<":
            angled = True
        elif not quoted and ch == ">":
            angled = False
        elif ch == "," and not quoted and not angled:
            out.append("".join(buf).strip())
            buf = []
            continue
        buf.append(ch)
    out.append("".join(buf).strip())
    return [p for p in out if p]


def parse_params(text: str) -> dict[str, str]:
    """``;a=b;c`` → {"a": "b", "c": ""} (names lower-cased, quotes removed)."""
    params: dict[str, str] = {}
    for part in text.split(";"):
        part = part.strip()
        if not part:
            continue
        name, _, value = part.partition("=")
        params[name.strip().lower()] = value.strip().strip('"')
    return params


@dataclass(frozen=True)
class NameAddr:
    """A From/To/Contact value: display name, URI and header parameters (tag…)."""

    display: str
    uri: str
    params: dict[str, str]

    @property
    def tag(self) -> str:
        return self.params.get("tag", "")


def parse_name_addr(value: str) -> NameAddr:
    """Parse ``"Name" <sip:u@h>;tag=x`` or ``sip:u@h;tag=x``."""
    value = value.strip()
    if "<" in value:
        display, _, rest = value.partition("<")
        uri, sep, params = rest.partition(">")
        if not sep:
            raise SipError(f"unterminated <…> in {value!r}")
        return NameAddr(display.strip().strip('"'), uri.strip(), parse_params(params))
    uri, _, params = value.partition(";")
    if not uri:
        raise SipError(f"empty address in {value!r}")
    return NameAddr("", uri.strip(), parse_params(params))


@dataclass(frozen=True)
class SipUri:
    """The parts of a sip:/sips:/tel: URI that routing and caller ids need."""

    scheme: str
    user: str
    host: str
    port: int | None
    params: dict[str, str]


def parse_uri(text: str) -> SipUri:
    """Parse ``sip:user:password@host:port;params?headers`` (tel: gives the number as user)."""
    scheme, sep, rest = text.strip().partition(":")
    if not sep or not _TOKEN.fullmatch(scheme):
        raise SipError(f"not a URI: {text!r}", status=416)
    scheme = scheme.lower()
    rest = rest.split("?", 1)[0]
    if scheme == "tel":
        number, _, params = rest.partition(";")
        return SipUri(scheme, number, "", None, parse_params(params))
    hostport, _, params = rest.partition(";")
    user = ""
    if "@" in hostport:
        userinfo, _, hostport = hostport.rpartition("@")
        user = userinfo.split(":", 1)[0]
    host, port = _split_hostport(hostport)
    return SipUri(scheme, user, host, port, parse_params(params))


def _split_hostport(text: str) -> tuple[str, int | None]:
    text = text.strip()
    if text.startswith("["):
        host, sep, rest = text[1:].partition("]")
        if not sep:
            raise SipError(f"bad IPv6 reference {text!r}")
        port_text = rest[1:] if rest.startswith(":") else ""
    else:
        host, _, port_text = text.partition(":")
    if not host:
        raise SipError(f"missing host in {text!r}")
    if not port_text:
        return host, None
    if not _DIGITS.fullmatch(port_text) or not 0 < int(port_text) < 65536:
        raise SipError(f"bad port in {text!r}")
    return host, int(port_text)


@dataclass(frozen=True)
class Via:
    """One Via value: ``SIP/2.0/UDP host:port;branch=…;rport``."""

    transport: str
    host: str
    port: int | None
    params: dict[str, str]

    @property
    def branch(self) -> str:
        return self.params.get("branch", "")


def parse_via(value: str) -> Via:
    """Parse one Via element (use :meth:`Headers.get_list` to split a combined line)."""
    proto, _, rest = value.strip().partition(" ")
    parts = proto.split("/")
    if len(parts) != 3 or parts[0].upper() != "SIP" or not parts[2]:
        raise SipError(f"bad Via {value!r}")
    sent_by, _, params = rest.strip().partition(";")
    host, port = _split_hostport(sent_by)
    return Via(parts[2].upper(), host, port, parse_params(params))


def new_tag() -> str:
    """A random From/To tag (RFC 3261 §19.3: at least 32 bits of randomness)."""
    return secrets.token_hex(8)


def new_branch() -> str:
    """A random Via branch with the RFC 3261 magic cookie."""
    return BRANCH_COOKIE + secrets.token_hex(10)


def parse_message(data: bytes, *, max_bytes: int = MAX_MESSAGE_BYTES) -> SipRequest | SipResponse:
    """Parse one complete SIP message (a UDP datagram or one framed TCP message)."""
    if len(data) > max_bytes:
        raise SipError(f"message of {len(data)} bytes is larger than {max_bytes}", status=513)
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = data.partition(b"\n\n")
    lines = _unfold(head.decode("utf-8", errors="replace").lstrip("\r\n").split("\n"))
    if not lines or not lines[0]:
        raise SipError("empty message")
    start = lines[0]
    message: SipRequest | SipResponse
    version: str
    if start.startswith("SIP/"):
        m = _STATUS_LINE.fullmatch(start)
        if not m:
            raise SipError(f"bad status line {start[:80]!r}")
        version = m.group(1)
        message = SipResponse(status=int(m.group(2)), reason=m.group(3) or "")
    else:
        m = _REQUEST_LINE.fullmatch(start)
        if not m:
            raise SipError(f"bad request line {start[:80]!r}")
        version = m.group(3)
        message = SipRequest(method=m.group(1).upper(), uri=m.group(2))
    problems: list[str] = []
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if not colon or not _TOKEN.fullmatch(name.strip()):
            problems.append(f"bad header line {line[:60]!r}")
            continue
        message.headers.add(name.strip(), value.strip())
    problems.extend(_check(message, body))
    if version.upper() != "SIP/2.0":
        raise SipError(f"unsupported version {version[:20]!r}", status=505, message=message)
    if problems:
        raise SipError("; ".join(problems), message=message)
    length = message.headers.get("Content-Length")
    message.body = body if length is None else body[: int(length)]
    return message


def _unfold(lines: list[str]) -> list[str]:
    out: list[str] = []
    for raw in lines:
        line = raw.rstrip("\r")
        if line[:1] in (" ", "\t") and len(out) > 1:
            out[-1] += " " + line.strip()
        else:
            out.append(line)
    while out and not out[-1]:
        out.pop()
    return out


def _check(message: SipRequest | SipResponse, body: bytes) -> list[str]:
    problems = []
    h = message.headers
    for name in _REQUIRED:
        if h.get(name) is None:
            problems.append(f"missing {name} header")
    length = h.get("Content-Length")
    if length is not None:
        if not _DIGITS.fullmatch(length):
            problems.append(f"bad Content-Length {length[:20]!r}")
        elif int(length) > len(body):
            problems.append(f"body shorter than Content-Length {length}")
    if h.get("cseq") is not None:
        _, method = message.cseq
        if not method:
            problems.append("bad CSeq")
        elif isinstance(message, SipRequest) and method != message.method:
            problems.append("CSeq method does not match the request")
    if h.get("via") is not None and not h.get_list("via"):
        problems.append("empty Via")
    for via in h.get_list("via"):
        try:
            parse_via(via)
        except SipError as exc:
            problems.append(str(exc))
    for name in ("from", "to"):
        value = h.get(name)
        if value is not None:
            try:
                parse_name_addr(value)
            except SipError as exc:
                problems.append(str(exc))
    return problems


def make_response(
    request: SipRequest,
    status: int,
    reason: str | None = None,
    *,
    to_tag: str = "",
    headers: Iterable[tuple[str, str]] = (),
    body: bytes = b"",
) -> SipResponse:
    """A response to ``request`` (RFC 3261 §8.2.6): Via, From, To (+tag), Call-ID, CSeq copied."""
    h = Headers()
    for via in request.headers.get_all("Via"):
        h.add("Via", via)
    for name in ("From", "To", "Call-ID", "CSeq"):
        value = request.headers.get(name)
        if value is not None:
            if name == "To" and to_tag and ";tag=" not in value.replace(" ", "").lower():
                value = f"{value};tag={to_tag}"
            h.add(name, value)
    for name, value in headers:
        h.add(name, value)
    return SipResponse(
        headers=h, body=body, status=status, reason=reason or REASONS.get(status, "Unknown")
    )


class StreamFramer:
    """Cut a TCP byte stream into SIP messages by Content-Length (RFC 3261 §18.3).

    Leading CRLFs (keep-alives, RFC 5626) are skipped. A stream that can never frame again
    (no or bad Content-Length, a message over ``max_bytes``) raises :class:`SipError`; the
    connection should then be closed.
    """

    def __init__(self, *, max_bytes: int = MAX_MESSAGE_BYTES) -> None:
        self.max_bytes = max_bytes
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        """Add received bytes; return the complete messages now available."""
        self._buf += data
        out: list[bytes] = []
        while True:
            while self._buf[:2] == b"\r\n":
                del self._buf[:2]
            end = self._buf.find(b"\r\n\r\n")
            if end < 0:
                if len(self._buf) > self.max_bytes:
                    raise SipError("headers longer than the message limit", status=513)
                return out
            head = bytes(self._buf[:end]).decode("utf-8", errors="replace")
            length = _content_length(head)
            total = end + 4 + length
            if total > self.max_bytes:
                raise SipError(f"message of {total} bytes over the limit", status=513)
            if len(self._buf) < total:
                return out
            out.append(bytes(self._buf[:total]))
            del self._buf[:total]


def _content_length(head: str) -> int:
    for line in head.split("\r\n")[1:]:
        name, colon, value = line.partition(":")
        if colon and _key(name) == "content-length":
            value = value.strip()
            if not _DIGITS.fullmatch(value):
                raise SipError(f"bad Content-Length {value[:20]!r}")
            return int(value)
    raise SipError("a stream message needs Content-Length")
