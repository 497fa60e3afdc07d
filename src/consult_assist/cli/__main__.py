"""``python -m consult_assist.cli``: the same as the ``consult-assist`` script."""

from __future__ import annotations

from consult_assist.cli.dispatch import main

__all__: list[str] = []

if __name__ == "__main__":
    raise SystemExit(main())
