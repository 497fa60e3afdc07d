"""The SIP edge's door: who may send requests, and whether a new INVITE may become a call.

The user agent asks the gate before it does any work for a peer:

1. :meth:`Gate.trusted`: is the source in ``sip_allow``? Anything else gets 403 to its
   requests (never a call) and nothing at all for responses and ACKs.
2. :meth:`Gate.admit`: for a new INVITE from a trusted source, in this order (cheapest and
   least revealing first): the per-source INVITE rate (503 + Retry-After), digest
   authentication when configured (401 challenge, 403 for wrong credentials), the dialled
   extension (404 when no handler has that name: never a call for nobody), then the
   concurrent-call caps (486 Busy Here per source, 503 + Retry-After in total).
3. :meth:`Gate.may_respond`: every refusal is rate limited per source, so however many
   requests a spoofed source sends, it is answered at a fixed, small rate.

Every refusal is counted (``sip_refused_<reason>``) and logged once per source and reason at
WARNING (then at DEBUG: a flood must not become a flood of log lines), without caller content.
Pure: time is passed in; the extension check is a callable port given by the adapter.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from consult_assist.errors import SipError
from consult_assist.sip.admission import AdmissionOptions, Allowlist, LogThrottle, RateLimiter
from consult_assist.sip.digest import DigestAuthenticator, DigestOptions
from consult_assist.sip.message import SipRequest, parse_uri
from consult_assist.sip.timers import Peer

__all__ = ["Admitted", "Gate", "Refusal"]

log = logging.getLogger(__name__)

ExtensionKnown = Callable[[str], bool]


@dataclass(frozen=True)
class Refusal:
    """A final response to send instead of taking the request any further."""

    status: int
    reason: str
    """Why, as a counter suffix (``rate``, ``auth``, ``unknown_extension``…)."""
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Admitted:
    """The INVITE may become a call; ``user`` is who authenticated ("" without digest)."""

    user: str = ""


class Gate:
    """Trusted networks, rates, digest authentication, known extensions and call caps."""

    def __init__(
        self,
        options: AdmissionOptions,
        *,
        digest: DigestOptions | None = None,
        extension_known: ExtensionKnown | None = None,
        counters: Counter[str] | None = None,
    ) -> None:
        self.options = options
        self.counters: Counter[str] = Counter() if counters is None else counters
        self.allowlist = Allowlist(options.allow)
        self.authenticator = DigestAuthenticator(digest) if digest is not None else None
        self.extension_known = extension_known
        self._invites = RateLimiter(options.invites_per_s, max(1.0, 2 * options.invites_per_s))
        self._refusals = RateLimiter(options.refusals_per_s, max(1.0, 2 * options.refusals_per_s))
        self._throttle = LogThrottle()

    def trusted(self, host: str) -> bool:
        """Whether ``host`` may send us SIP requests at all."""
        return self.allowlist.allows(host)

    def may_respond(self, host: str, now: float) -> bool:
        """Whether a refusal may be sent to ``host`` now (else it is dropped, and counted)."""
        if self._refusals.allow(host, now):
            return True
        self.counters["sip_refusals_unsent"] += 1
        return False

    def refused(self, reason: str, peer: Peer, now: float, detail: str = "") -> None:
        """Count and log a refusal (at WARNING once a minute per source and reason)."""
        self.counters[f"sip_refused_{reason}"] += 1
        level = self._throttle.level((reason, peer.host), now)
        log.log(level, "refused SIP from %s (%s)%s", peer.host, reason, detail)

    def admit(
        self, req: SipRequest, peer: Peer, now: float, *, calls: int, calls_from_source: int
    ) -> Admitted | Refusal:
        """Decide on a new INVITE from a trusted source (see the module docstring's order)."""
        options = self.options
        if not self._invites.allow(peer.host, now):
            wait = max(1, math.ceil(self._invites.wait_s(peer.host, now)))
            retry = (("Retry-After", str(wait)),)
            return self._refuse(503, "rate", peer, now, retry, " over the INVITE rate")
        user = ""
        if self.authenticator is not None:
            result = self.authenticator.check(
                "INVITE", req.uri, req.headers.get_all("Authorization"), now
            )
            if result.status in ("missing", "stale"):
                stale = result.status == "stale"
                self.counters["sip_auth_challenges"] += 1
                challenges = tuple(
                    ("WWW-Authenticate", c) for c in self.authenticator.challenges(now, stale=stale)
                )
                # A challenge is the normal first step, not worth a warning.
                log.debug("challenging INVITE from %s (%s)", peer.host, result.reason or "none")
                return Refusal(401, "challenge", challenges)
            if result.status != "ok":
                return self._refuse(403, "auth", peer, now, detail=f": {result.reason}")
            user = result.user
        if self.extension_known is not None:
            try:
                extension = parse_uri(req.uri).user
            except SipError:
                extension = ""
            if not extension or not self.extension_known(extension):
                return self._refuse(404, "unknown_extension", peer, now)
        if calls >= options.max_calls:
            retry = (("Retry-After", str(options.retry_after_s)),)
            return self._refuse(503, "capacity", peer, now, retry, f": {calls} calls in progress")
        if calls_from_source >= options.calls_per_source:
            detail = f": {calls_from_source} calls from there"
            return self._refuse(486, "source_calls", peer, now, detail=detail)
        return Admitted(user)

    def _refuse(
        self,
        status: int,
        reason: str,
        peer: Peer,
        now: float,
        headers: tuple[tuple[str, str], ...] = (),
        detail: str = "",
    ) -> Refusal:
        self.refused(reason, peer, now, detail)
        return Refusal(status, reason, headers)
