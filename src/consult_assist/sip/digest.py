"""Digest authentication of SIP requests (RFC 3261 §22, RFC 8760 SHA-256, RFC 2617 MD5); pure.

We are the UAS, so we challenge with ``401`` and ``WWW-Authenticate``: one challenge per
algorithm, SHA-256 first (RFC 8760 §2.4: in order of preference), MD5 after it for PBXs that
know nothing better. ``qop=auth`` is offered; a client that answers without qop (RFC 2069
style) may use a nonce only once.

Nonces are stateless and unforgeable: ``issued-at | random | HMAC(secret, issued-at | random)``
with a per-process secret, so any number of challenges costs no memory and a nonce from
another process (or before a restart) is recognised as not ours. A nonce lives
``nonce_ttl_s``; a request whose digest is right but whose nonce is expired, foreign or
replayed (a nonce count not above the last one seen) gets a fresh challenge with
``stale=true``, which a client answers without asking anyone for a password again. A wrong
digest, an unknown user or a mismatching realm or URI is ``failed`` (the UAS answers 403).

No clock, no file: time is passed in, credentials are given as a mapping (the adapter reads
the 0600 file, see :func:`parse_credentials`).

The digest URI must name this server: the Request-URI itself, or (as SIPp and some PBXs
send) a SIP URI of the same host and port.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from consult_assist.errors import ConfigError, SipError
from consult_assist.sip.message import parse_uri

__all__ = [
    "ALGORITHMS",
    "AuthResult",
    "DigestAuthenticator",
    "DigestOptions",
    "digest_response",
    "parse_challenge",
    "parse_credentials",
]

ALGORITHMS: dict[str, str] = {"SHA-256": "sha256", "MD5": "md5"}
"""Digest algorithm names (as on the wire) → hashlib names."""

_NONCE = struct.Struct("!d8s")
_MAC_BYTES = 16


@dataclass(frozen=True)
class DigestOptions:
    """Who may call in and how challenges are made (times in seconds)."""

    credentials: Mapping[str, str]
    """User name → password (what the PBX trunk is configured with)."""
    realm: str = "consult-assist"
    algorithms: tuple[str, ...] = ("SHA-256", "MD5")
    """Offered in this order; drop MD5 when every peer speaks SHA-256."""
    nonce_ttl_s: float = 300.0
    """How long a nonce may be used; after that the client is told ``stale=true``."""
    max_nonces: int = 4096
    """Nonces whose counts are remembered for replay checks. Beyond it the oldest are
    forgotten, and every nonce issued before the last forgotten one is treated as stale."""


@dataclass(frozen=True)
class AuthResult:
    """What a request's credentials come to.

    ``status``: ``ok`` (``user`` is who), ``missing`` (no credentials for our realm: 401),
    ``stale`` (right password, unusable nonce: 401 with stale=true), ``failed`` (403).
    """

    status: str
    user: str = ""
    reason: str = ""


def parse_credentials(text: str, *, source: str = "digest file") -> dict[str, str]:
    """``user:password`` per line (``#`` comments, blank lines) → mapping; ConfigError if bad.

    The password is everything after the first colon, without surrounding blanks.
    """
    out: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        user, sep, password = line.partition(":")
        user, password = user.strip(), password.strip()
        if not sep or not user or not password:
            raise ConfigError(f"{source}:{number}: expected user:password")
        if any(c in user for c in ' \t"\\'):
            raise ConfigError(f"{source}:{number}: a user name cannot contain blanks or quotes")
        if user in out:
            raise ConfigError(f"{source}:{number}: {user} is listed twice")
        out[user] = password
    if not out:
        raise ConfigError(f"{source}: no user:password line")
    return out


def parse_challenge(value: str) -> tuple[str, dict[str, str]]:
    """``Digest a=b, c="d"`` → ("digest", {"a": "b", "c": "d"}) (names lower-cased)."""
    scheme, _, rest = value.strip().partition(" ")
    params: dict[str, str] = {}
    i, n = 0, len(rest)
    while i < n:
        while i < n and rest[i] in " \t,":
            i += 1
        start = i
        while i < n and rest[i] not in "=, \t":
            i += 1
        name = rest[start:i].strip().lower()
        while i < n and rest[i] in " \t":
            i += 1
        if i >= n or rest[i] != "=":
            if name:
                params[name] = ""
            continue
        i += 1
        while i < n and rest[i] in " \t":
            i += 1
        if i < n and rest[i] == '"':
            i += 1
            chars: list[str] = []
            while i < n and rest[i] != '"':
                if rest[i] == "\\" and i + 1 < n:
                    i += 1
                chars.append(rest[i])
                i += 1
            i += 1
            value_text = "".join(chars)
        else:
            start = i
            while i < n and rest[i] != ",":
                i += 1
            value_text = rest[start:i].strip()
        if name:
            params[name] = value_text
    return scheme.lower(), params


def digest_response(
    *,
    algorithm: str,
    user: str,
    realm: str,
    password: str,
    method: str,
    uri: str,
    nonce: str,
    qop: str = "",
    nc: str = "",
    cnonce: str = "",
) -> str:
    """The ``response`` value (RFC 2617 §3.2.2.1, RFC 7616 §3.4.1); used by both sides."""
    name = ALGORITHMS[algorithm]

    def h(text: str) -> str:
        return hashlib.new(name, text.encode("utf-8")).hexdigest()

    ha1 = h(f"{user}:{realm}:{password}")
    ha2 = h(f"{method}:{uri}")
    if qop:
        return h(f"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}")
    return h(f"{ha1}:{nonce}:{ha2}")


@dataclass
class DigestAuthenticator:
    """Challenges and checks; keeps only the nonce counts seen (bounded)."""

    options: DigestOptions
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    _counts: OrderedDict[str, tuple[int, float]] = field(default_factory=OrderedDict)
    _horizon: float = float("-inf")

    def __post_init__(self) -> None:
        unknown = [a for a in self.options.algorithms if a not in ALGORITHMS]
        if unknown or not self.options.algorithms:
            raise ConfigError(
                f"digest algorithms must be among {', '.join(ALGORITHMS)}, not {unknown}"
            )

    def challenges(self, now: float, *, stale: bool = False) -> list[str]:
        """``WWW-Authenticate`` values, one per algorithm, most preferred first."""
        nonce = self._new_nonce(now)
        extra = ", stale=true" if stale else ""
        return [
            f'Digest realm="{self.options.realm}", nonce="{nonce}", algorithm={alg}, '
            f'qop="auth"{extra}'
            for alg in self.options.algorithms
        ]

    def check(self, method: str, uri: str, authorizations: Sequence[str], now: float) -> AuthResult:
        """Check the ``Authorization`` values of a request against our realm and nonces."""
        params = None
        for value in authorizations:
            scheme, candidate = parse_challenge(value)
            if scheme == "digest" and candidate.get("realm") == self.options.realm:
                params = candidate
                break
        if params is None:
            return AuthResult("missing")
        user = params.get("username", "")
        algorithm = params.get("algorithm", "MD5").upper()
        qop = params.get("qop", "").lower()
        nonce = params.get("nonce", "")
        password = self.options.credentials.get(user)
        if algorithm not in self.options.algorithms:
            return AuthResult("failed", user, f"algorithm {algorithm} not offered")
        if qop not in ("", "auth"):
            return AuthResult("failed", user, f"qop {qop} not offered")
        digest_uri = params.get("uri", "")
        if not _same_target(digest_uri, uri):
            return AuthResult("failed", user, "digest URI does not name this server")
        if qop and not (params.get("cnonce") and params.get("nc")):
            return AuthResult("failed", user, "qop=auth without cnonce and nc")
        expected = digest_response(
            algorithm=algorithm,
            user=user,
            realm=self.options.realm,
            password=password if password is not None else secrets.token_hex(16),
            method=method,
            uri=digest_uri,
            nonce=nonce,
            qop=qop,
            nc=params.get("nc", ""),
            cnonce=params.get("cnonce", ""),
        )
        given = params.get("response", "").lower()
        if not hmac.compare_digest(expected, given) or password is None:
            return AuthResult("failed", user, "wrong credentials")
        why = self._nonce_problem(nonce, params.get("nc", ""), qop, now)
        if why:
            return AuthResult("stale", user, why)
        return AuthResult("ok", user)

    # -- nonces --------------------------------------------------------------------------
    def _new_nonce(self, now: float) -> str:
        body = _NONCE.pack(now, secrets.token_bytes(8))
        mac = hmac.new(self.secret, body, hashlib.sha256).digest()[:_MAC_BYTES]
        return base64.urlsafe_b64encode(body + mac).decode("ascii").rstrip("=")

    def _issued_at(self, nonce: str) -> float | None:
        try:
            raw = base64.urlsafe_b64decode(nonce + "=" * (-len(nonce) % 4))
        except ValueError:
            return None
        if len(raw) != _NONCE.size + _MAC_BYTES:
            return None
        body, mac = raw[: _NONCE.size], raw[_NONCE.size :]
        want = hmac.new(self.secret, body, hashlib.sha256).digest()[:_MAC_BYTES]
        if not hmac.compare_digest(mac, want):
            return None
        issued: float = _NONCE.unpack(body)[0]
        return issued

    def _nonce_problem(self, nonce: str, nc_text: str, qop: str, now: float) -> str:
        issued = self._issued_at(nonce)
        if issued is None:
            return "nonce not issued by this server"
        if not 0 <= now - issued < self.options.nonce_ttl_s:
            return "nonce expired"
        if qop:
            try:
                count = int(nc_text, 16)
            except ValueError:
                return "bad nonce count"
        else:
            count = 1  # RFC 2069 style: a nonce is good for one request
        seen = self._counts.get(nonce)
        if seen is None and issued <= self._horizon:
            return "nonce forgotten"
        if seen is not None and count <= seen[0]:
            return "nonce count replayed"
        self._counts[nonce] = (count, issued)
        self._counts.move_to_end(nonce)
        while len(self._counts) > self.options.max_nonces:
            _, (_, old) = self._counts.popitem(last=False)
            self._horizon = max(self._horizon, old)
        return ""


def _same_target(digest_uri: str, request_uri: str) -> bool:
    """Whether the digest's URI names the Request-URI's server (RFC 2617 §3.2.2.5).

    Equal strings match; so does a SIP URI of the same host and port with another user
    part, as SIPp and some PBXs send (``sip:host:port`` for ``sip:sato@host:port``).
    """
    if digest_uri == request_uri:
        return True
    try:
        a, b = parse_uri(digest_uri), parse_uri(request_uri)
    except SipError:
        return False
    defaults = {"sip": 5060, "sips": 5061}
    if a.scheme not in defaults or b.scheme not in defaults:
        return False
    return (a.host.lower(), a.port or defaults[a.scheme]) == (
        b.host.lower(),
        b.port or defaults[b.scheme],
    )
