"""What the two apps share: the hub client, requests sent from workers, a section opened.

Both apps hold one :class:`CallView` per session, fed by the update stream
(:func:`~consult_assist.tui.follow.follow`); the requests they make (help, ack, advice, note,
end, a manual section) run in workers and a failure is one sentence, never a crash.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import ClassVar

from textual import work
from textual.app import App

from consult_assist.errors import ConsultAssistError
from consult_assist.hub.client import ConnectionState, HubClient, Update
from consult_assist.tui.callview import CallView
from consult_assist.tui.follow import follow
from consult_assist.tui.screens.section_screen import SectionScreen
from consult_assist.tui.settings import TuiConfig

__all__ = ["HubApp"]


class HubApp(App[int]):
    """An app over a hub client: its options, the calls it has seen, its requests."""

    FOLLOW: ClassVar[str] = "mine"
    """The sessions the app follows: ``"mine"`` (the handler's own) or ``"*"`` (every call)."""

    def __init__(self, config: TuiConfig, client: HubClient) -> None:
        super().__init__()
        self.config = config
        self.client = client
        self.views: dict[str, CallView] = {}
        self.connection: ConnectionState | None = None
        self._history: dict[str, int] = {}
        """The last seq of every call live before the subscription: shown, but not news."""

    @work(exclusive=True, group="hub")
    async def listen(self) -> None:
        """Connect if needed, follow :attr:`FOLLOW` and apply every update in order."""
        await follow(
            self.client,
            self.FOLLOW,
            server=self.config.server,
            apply=self.apply_update,
            history=self._history,
        )

    def apply_update(self, update: Update) -> None:
        """Apply one event or connection change (each app draws it its own way)."""
        raise NotImplementedError

    def open_section(self, section_id: str, title: str) -> None:
        """Show a whole manual section; it is loaded in a worker."""
        screen = SectionScreen(section_id, title)
        self.push_screen(screen)
        self.load_section(screen)

    @work(group="section")
    async def load_section(self, screen: SectionScreen) -> None:
        try:
            section = await self.client.section(screen.section_id)
        except ConsultAssistError as exc:
            screen.show_section(None, f"マニュアルを開けません: {exc}")
            return
        screen.show_section(section)

    def _request(self, call: Callable[[], Awaitable[None]], done: str = "") -> None:
        self.run_worker(self._send(call, done), group="requests")

    async def _send(self, call: Callable[[], Awaitable[None]], done: str) -> None:
        try:
            await call()
        except ConsultAssistError as exc:
            self.notify(str(exc), title="送信できませんでした", severity="error", timeout=10)
            return
        if done:
            self.notify(done)
