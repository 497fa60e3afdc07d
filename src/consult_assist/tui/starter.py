"""The seam through which the handler app starts a call: a microphone or a training file."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from consult_assist.hub.client import HubClient

__all__ = ["DeviceInfo", "ReplayStarter", "SessionStarter"]


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

    The audio stack (numpy, the resampler) is imported when F5 first needs it, not when the app
    starts (0.2-0.5 s measured): calls usually reach the handler through the server, and the
    Pilot tests, which pass a fake starter, never load it.
    """

    def devices(self) -> Sequence[DeviceInfo]:
        from consult_assist.audio.mic import list_devices  # lazy: numpy, 0.2-0.5 s start-up

        return list_devices()

    async def microphone(self, client: HubClient, device: str | int | None) -> str:
        from consult_assist.hub.replay import stream_microphone  # lazy: numpy, 0.2-0.5 s start-up

        return await stream_microphone(client, device)

    async def file(self, client: HubClient, path: Path, *, speed: float) -> str:
        from consult_assist.hub.replay import replay_file  # lazy: numpy, 0.2-0.5 s start-up

        return await replay_file(client, path, speed=speed, training=True)
