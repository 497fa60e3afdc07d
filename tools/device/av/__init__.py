"""GPU machine only: a stand-in for PyAV that reads 16-bit PCM WAV files with the stdlib.

The FFmpeg wheel is too large to carry to the lent machine; tools/device_pack.py decodes the
calls to WAV here and this module answers the few calls audio/file.py makes. Never on a path
the product uses.
"""

import wave as _wave

import numpy as _np


class error:
    class FFmpegError(Exception):
        pass


class AudioFrame:
    def __init__(self, data, rate, channels):
        self._data = data
        self.sample_rate = rate
        self.format = type("F", (), {"name": "s16"})()
        self.layout = type("L", (), {"channels": [0] * channels})()

    def to_ndarray(self):
        return self._data.reshape(1, -1)


class _Stream:
    type = "audio"

    def __init__(self):
        self.codec_context = type("C", (), {"name": "pcm_s16le"})()


class _Container:
    def __init__(self, path):
        try:
            self._w = _wave.open(path, "rb")  # noqa: SIM115 - closed by __exit__
        except (_wave.Error, EOFError) as exc:
            raise error.FFmpegError(str(exc)) from None
        self.streams = [_Stream()]

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self._w.close()

    def decode(self, stream):
        w = self._w
        data = _np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
        yield AudioFrame(data, w.getframerate(), w.getnchannels())


def open(path, *a, **k):
    return _Container(path)
