"""The benchmarks behind ``consult-assist bench …``, each returning one JSON-able summary.

- ``bench asr`` (:mod:`~consult_assist.bench.speech`): streaming against offline CER, final
  latency, partial cadence and real-time factor; the real model on a simulated clock.
- ``bench hub`` (:mod:`~consult_assist.bench.delivery`): delivery latency, loss and server
  memory with many replayed calls and supervisors; a fake recognizer, as its output says.
- ``bench lookup`` (:mod:`~consult_assist.bench.lookup`): manual lookup and attention-word
  quality on labelled utterances, and their speed.

Benchmarks sit above the test fakes in the layers (``bench hub`` uses
:class:`~consult_assist.testing.FakeTranscriber`); nothing in the library imports them.
"""
