"""The ``consult-assist`` command line: the parser, one module per command family.

- :mod:`~consult_assist.cli.parser`: every command and flag (``--help`` stays instant);
- :mod:`~consult_assist.cli.recognition`: the model and streaming flags several commands
  share, read into :class:`~consult_assist.asr.options.ModelOptions` and ``StreamOptions``;
- :mod:`~consult_assist.cli.dispatch`: :func:`main`, exit statuses, errors as one sentence;
- :mod:`~consult_assist.cli.offline`: ``transcribe``, ``lookup``, ``manuals``, ``models``;
- :mod:`~consult_assist.cli.serving`: ``serve``, ``records``, ``replay``;
- :mod:`~consult_assist.cli.storage`: ``tokens``, ``store migrate|copy``;
- :mod:`~consult_assist.cli.apps`: ``handler``, ``supervisor``, ``demo``;
- :mod:`~consult_assist.cli.devices`: ``devices``; :mod:`~consult_assist.cli.benchmarks`:
  ``bench``; :mod:`~consult_assist.cli.output`: what they print.

Commands read their flags once into frozen options objects; nothing below this package sees
argparse, and no library module imports it.
"""

from __future__ import annotations

from consult_assist.cli.dispatch import main
from consult_assist.cli.parser import build_parser

__all__ = ["build_parser", "main"]
