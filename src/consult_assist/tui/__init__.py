"""The terminal apps: the handler's call screen and the supervisor's view of all live calls."""
