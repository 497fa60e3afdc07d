"""consult_assist: streaming call transcription and manual lookup for consultation hotlines."""

from __future__ import annotations

import os

__version__ = "0.1.0"

# NumPy's OpenBLAS keeps one thread per core and lets each spin for ~0.1 s after every matrix
# product. The products here are small and frequent (the mel features of every decode request):
# on 2 cores, 20 feature extractions of a 6 s window cost 2.37 s of CPU with the default threads
# against 0.17 s with one (0.18 s of it useful), and on a 16-core GPU node the spinning took
# ~13 of 16 cores at 30 live calls while the GPU stayed under 40 % busy. One thread is the
# default for every process of ours (children inherit it); an operator's own setting wins.
# It must be set before NumPy is first imported, hence here.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
