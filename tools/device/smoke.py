"""GPU machine only: the real model, one-by-one vs batched decode_batch, and batch timings.

    python3 smoke.py MODEL_DIR CALL.wav cuda float16 1,8,32,64,128

Prints one JSON line. Run before ``bench capacity``: it also warms the GPU's kernel cache.
"""

import json
import statistics
import sys
import time
from pathlib import Path

from consult_assist.asr.decoding import DecodeRequest
from consult_assist.asr.options import ModelOptions, load_transcriber
from consult_assist.audio.file import read_audio

t0 = time.perf_counter()
tr = load_transcriber(
    ModelOptions(model=sys.argv[1], device=sys.argv[3], compute_type=sys.argv[4]), num_workers=1
)
out = {
    "load_s": round(time.perf_counter() - t0, 2),
    "device": tr.device,
    "compute": tr.compute_type,
}
audio = read_audio(Path(sys.argv[2])).mono()


def req(i, kind="final", seconds=6.0):
    start = (i * 2.5) % 25
    a = audio[int(start * 16000) : int((start + seconds) * 16000)]
    return DecodeRequest(
        stream=f"s{i}",
        id=i,
        kind=kind,
        utterance=i,
        audio=a,
        start=start,
        end=start + seconds,
        prefix="",
        issued_at=0.0,
        speech_ratio=1.0,
    )


one = [tr.decode(req(i)).text for i in range(8)]
batch = [r.text for r in tr.decode_batch([req(i) for i in range(8)])]
out["same_texts_8"] = sum(a == b for a, b in zip(one, batch, strict=True))
out["sample"] = one[:2]
timing = {}
for kind in ("final", "partial"):
    for n in tuple(int(x) for x in sys.argv[5].split(",")):
        reqs = [req(i, kind) for i in range(n)]
        tr.decode_batch(reqs)
        runs = []
        for _ in range(3):
            t = time.perf_counter()
            tr.decode_batch(reqs)
            runs.append(time.perf_counter() - t)
        med = statistics.median(runs)
        timing[f"{kind}_{n}"] = {
            "batch_ms": round(1000 * med, 1),
            "per_item_ms": round(1000 * med / n, 2),
        }
out["decode_6s_windows"] = timing
print(json.dumps(out, ensure_ascii=False))
