"""The terminal apps: the handler's call screen and the supervisor's view of all live calls.

- ``handler.py``, ``supervisor.py`` (each with its ``.tcss`` layout): the two apps, kept thin;
  ``hub_app.py`` is what they share (the update stream, requests from workers).
- ``callview.py``: one call's state, free of Textual; ``follow.py``: the update stream.
- ``widgets/`` and ``screens/``: one widget or screen per module, each with its own CSS.
- ``settings.py``: the apps' options; ``starter.py``: how the handler starts a call.
"""
