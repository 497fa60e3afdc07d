"""Options of the two terminal apps, and the seam through which the handler app starts calls."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from consult_assist.hub.client import HubClient

__all__ = ["DeviceInfo", "ReplayStarter", "SessionStarter", "TuiConfig"]


@dataclass(frozen=True, kw_only=True)
class TuiConfig:
    """What the apps need besides the hub client."""

    server: str = ""
    """The server URL, shown in the connection line."""
    bell: bool = True
    """Ring the terminal bell on a critical attention word."""
    flash_s: float = 0.5
    """Half-period of the flashing help marker in seconds; 0 shows it steady (snapshots)."""
    tick_s: float = 1.0
    """How often call durations are redrawn, in seconds; 0 never (snapshots, tests)."""
    max_suggestions: int = 5
    """Manual sections listed at most."""
    replay_speed: float = 1.0
    """× real time for a training file started from the handler app."""


class DeviceInfo(Protocol):
    """An audio input device as :func:`consult_assist.audio.mic.list_devices` returns it."""

    @property
    def index(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def channels(self) -> int: ...
    @property
    def default_rate(self) -> int: ...
    @property
    def is_default(self) -> bool: ...


class SessionStarter(Protocol):
    """Starts a call whose audio keeps streaming in the background; returns its session id."""

    def devices(self) -> Sequence[DeviceInfo]:
        """Input devices; raises AudioError (one sentence) when there are none or no PortAudio."""
        ...

    async def microphone(self, client: HubClient, device: str | int | None) -> str: ...

    async def file(self, client: HubClient, path: Path, *, speed: float) -> str: ...


class ReplayStarter:
    """The real starter: the microphone and file streamers of ``consult_assist.hub.replay``.

    Imported when used: the apps start without PortAudio, and a test never loads audio code.
    """

    def devices(self) -> Sequence[DeviceInfo]:
        from consult_assist.audio.mic import list_devices

        return list_devices()

    async def microphone(self, client: HubClient, device: str | int | None) -> str:
        from consult_assist.hub.replay import stream_microphone

        return await stream_microphone(client, device)

    async def file(self, client: HubClient, path: Path, *, speed: float) -> str:
        from consult_assist.hub.replay import replay_file

        return await replay_file(client, path, speed=speed, training=True)
