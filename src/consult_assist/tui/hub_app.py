"""What the two apps share: the hub client, requests sent from workers, a section opened, toasts.

Both apps hold one :class:`CallView` per session, fed by the update stream
(:func:`~consult_assist.tui.follow.follow`); the requests they make (help, ack, advice, note,
end, a manual section) run in workers and a failure is one Japanese sentence, never a crash.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import ClassVar

from textual import work
from textual.app import App
from textual.notifications import SeverityLevel

from consult_assist.errors import ConsultAssistError
from consult_assist.hub.client import ConnectionState, HubClient, Update
from consult_assist.tui.callview import CallView
from consult_assist.tui.follow import follow
from consult_assist.tui.screens.help_screen import HelpScreen
from consult_assist.tui.screens.section_screen import SectionScreen
from consult_assist.tui.settings import TuiConfig
from consult_assist.tui.wording import problem

__all__ = ["HubApp"]

log = logging.getLogger(__name__)


class HubApp(App[int]):
    """An app over a hub client: its options, the calls it has seen, its requests."""

    FOLLOW: ClassVar[str] = "mine"
    """The sessions the app follows: ``"mine"`` (the handler's own) or ``"*"`` (every call)."""

    HELP_TITLE: ClassVar[str] = "キー操作"
    HELP_KEYS: ClassVar[Sequence[tuple[str, str]]] = ()
    """The help screen's rows (key, what it does), in Japanese."""

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

    def is_news(self, session: str, seq: int) -> bool:
        """Whether an event happened after the app subscribed (worth a bell or a toast)."""
        return seq > self._history.get(session, 0)

    # -- toasts --------------------------------------------------------------------------------

    def say(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
    ) -> None:
        """Show one toast: plain text (never markup), and only one at a time.

        A new toast replaces the one on screen. Two toasts stacked (or one seen through a
        dialog's translucent background) overlapped into garbage on double-width text
        (「応援要請を  りました」); whatever a toast says is also kept on screen elsewhere.
        """
        self.clear_notifications()
        self.notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    # -- help ----------------------------------------------------------------------------------

    def action_help(self) -> None:
        """F1 / ?: the keys of this app in Japanese."""
        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(self.help_screen())

    def help_screen(self) -> HelpScreen:
        """The help screen of this app (an app may add lines to it)."""
        return HelpScreen(self.HELP_TITLE, self.HELP_KEYS)

    # -- requests ------------------------------------------------------------------------------

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
            log.info("section %s: %s", screen.section_id, exc)
            screen.show_section(None, f"マニュアルを開けません: {problem(exc)}")
            return
        screen.show_section(section)

    def _request(
        self,
        call: Callable[[], Awaitable[None]],
        done: str = "",
        *,
        then: Callable[[], None] | None = None,
    ) -> None:
        self.run_worker(self._send(call, done, then), group="requests")

    async def _send(
        self, call: Callable[[], Awaitable[None]], done: str, then: Callable[[], None] | None
    ) -> None:
        try:
            await call()
        except ConsultAssistError as exc:
            log.info("request refused: %s", exc)
            self.say(problem(exc), title="送信できませんでした", severity="error", timeout=10)
            return
        if done:
            self.say(done)
        if then is not None:
            then()
