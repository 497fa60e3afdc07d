"""The widgets of the two apps, one per module; each carries its own CSS (``DEFAULT_CSS``).

Widgets never talk to the hub: they draw state handed to them and post
:class:`~textual.message.Message` dataclasses that the apps turn into requests.
"""

from __future__ import annotations

__all__: list[str] = []
