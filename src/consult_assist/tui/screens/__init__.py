"""The dialogs and full screens of the two apps, one per module.

Screens draw what the app hands them; the app does the hub requests in its workers and calls
``show_…`` when the answer comes, so a screen never waits on the network itself.
"""

from __future__ import annotations

__all__: list[str] = []
