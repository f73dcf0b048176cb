"""The public API: light to import, and the vendored model is checked."""

from __future__ import annotations

import subprocess
import sys

import pytest

from microcue.errors import ModelError
from microcue.faces import model


def test_import_is_light():
    code = ("import sys, microcue; heavy = [m for m in ('mediapipe', 'av', 'pandas', 'cv2', 'pyarrow') "
            "if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_public_names_resolve():
    import microcue

    for name in microcue.__all__:
        assert getattr(microcue, name) is not None
    with pytest.raises(AttributeError):
        microcue.not_a_thing  # noqa: B018


def test_model_checksum_is_verified(monkeypatch, tmp_path):
    assert len(model.verified_model_bytes()) == 3758596
    fake = tmp_path / "face_landmarker.task"
    fake.write_bytes(b"not the model")
    model.verified_model_bytes.cache_clear()
    monkeypatch.setattr(model, "model_path", lambda: fake)
    try:
        with pytest.raises(ModelError, match="sha256"):
            model.verified_model_bytes()
        monkeypatch.setattr(model, "model_path", lambda: tmp_path / "missing.task")
        with pytest.raises(ModelError, match="missing"):
            model.verified_model_bytes()
    finally:
        model.verified_model_bytes.cache_clear()
