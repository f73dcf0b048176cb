"""The vendored expression CNN: checked on load, fed a level face crop, read on real faces, fused with the AU model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from microcue.errors import ModelError
from microcue.evaluation.images import ImageLandmarker, evaluate_images
from microcue.faces import expression_cnn
from microcue.faces.expression_cnn import CNN_CLASSES, ExpressionCNN
from microcue.signals.emotions import EMOTIONS, fuse_cnn

cv2 = pytest.importorskip("cv2")
SAMPLE = Path(expression_cnn.__file__).resolve().parents[1] / "data" / "sample" / "woman_emotions_pexels.mp4"
# the bundled Pexels clip: she cries in the first seconds and laughs from about 10 s (docs/benchmarks.md)
CRYING_S = (1.0, 2.0)
LAUGHING_S = (15.0, 18.0)


def _frames(times: tuple[float, ...]) -> dict[float, np.ndarray]:
    import av

    out: dict[float, np.ndarray] = {}
    with av.open(str(SAMPLE)) as c:
        for f in c.decode(video=0):
            for t in times:
                if t not in out and f.time is not None and f.time >= t:
                    out[t] = f.to_ndarray(format="rgb24")
            if len(out) == len(times):
                break
    return out


@pytest.fixture(scope="module")
def sample_frames() -> dict[float, np.ndarray]:
    return _frames(CRYING_S + LAUGHING_S)


@pytest.fixture(scope="module")
def cnn() -> ExpressionCNN:
    return ExpressionCNN()


def test_the_cnn_reads_crying_as_sadness_and_laughter_as_happiness(sample_frames, cnn):
    with ImageLandmarker() as lm:
        top = {}
        for t, img in sample_frames.items():
            face = lm.detect_image(img)
            assert face is not None and face.crop.shape == (64, 64)
            p = cnn.probs(face.crop)
            assert p.shape == (7,) and abs(p.sum() - 1) < 1e-6
            top[t] = CNN_CLASSES[int(p.argmax())]
    assert [top[t] for t in CRYING_S] == ["sadness"] * len(CRYING_S), top
    assert [top[t] for t in LAUGHING_S] == ["happiness"] * len(LAUGHING_S), top


def test_the_crop_levels_a_tilted_head(sample_frames, cnn):
    img = sample_frames[LAUGHING_S[0]]
    h, w = img.shape[:2]
    tilted = cv2.warpAffine(img, cv2.getRotationMatrix2D((w / 2, h / 2), 25, 1.0), (w, h),
                            borderMode=cv2.BORDER_REPLICATE)
    with ImageLandmarker() as lm:
        a, b = lm.detect_image(img).crop, lm.detect_image(tilted).crop
    # the same face, levelled: the two crops agree far better than the crop and itself turned by 25 degrees
    # (measured 0.77 against 0.42; the landmark extent, so scale and centre, moves a little with the turn)
    unlevelled = cv2.warpAffine(a, cv2.getRotationMatrix2D((32, 32), 25, 1.0), (64, 64),
                                borderMode=cv2.BORDER_REPLICATE)
    corr = np.corrcoef(a.ravel().astype(float), b.ravel().astype(float))[0, 1]
    corr_unlevelled = np.corrcoef(a.ravel().astype(float), unlevelled.ravel().astype(float))[0, 1]
    assert corr > 0.7 and corr > corr_unlevelled + 0.2, (corr, corr_unlevelled)
    assert np.argmax(cnn.probs(a)) == np.argmax(cnn.probs(b)) == CNN_CLASSES.index("happiness")


def test_a_damaged_model_file_is_refused(tmp_path, monkeypatch):
    data = bytearray(expression_cnn.model_path().read_bytes())
    data[len(data) // 2] ^= 0xFF
    bad = tmp_path / "expression_cnn.tflite"
    bad.write_bytes(bytes(data))
    monkeypatch.setattr(expression_cnn, "model_path", lambda: bad)
    expression_cnn.verified_model_bytes.cache_clear()
    try:
        with pytest.raises(ModelError, match="damaged or replaced"):
            ExpressionCNN()
        monkeypatch.setattr(expression_cnn, "model_path", lambda: tmp_path / "missing.tflite")
        expression_cnn.verified_model_bytes.cache_clear()
        with pytest.raises(ModelError, match="missing"):
            ExpressionCNN()
    finally:
        expression_cnn.verified_model_bytes.cache_clear()


def test_fusion_weights_the_two_models_and_leaves_contempt_to_the_au_model():
    rng = np.random.default_rng(0)
    p_au = rng.dirichlet(np.ones(len(EMOTIONS)), size=5)
    p_cnn = rng.dirichlet(np.ones(len(CNN_CLASSES)), size=5)
    assert np.allclose(fuse_cnn(p_au, p_cnn, 1.0, 0.0), p_au)
    c, n = EMOTIONS.index("contempt"), EMOTIONS.index("neutral")
    for w in (0.25, 0.5, 1.0):
        f = fuse_cnn(p_au, p_cnn, 1.0 - w, w)
        assert np.allclose(f.sum(1), 1.0)
        # the CNN moves contempt and neutral together: their ratio is the AU model's, softened by (1 - w)
        assert np.allclose(f[:, c] / f[:, n], (p_au[:, c] / p_au[:, n]) ** (1 - w))
    full = fuse_cnn(p_au, p_cnn, 0.0, 1.0)
    for j, name in enumerate(EMOTIONS):
        if name != "contempt":
            k = CNN_CLASSES.index(name)
            assert np.allclose(full[:, j] / full[:, n], p_cnn[:, k] / p_cnn[:, CNN_CLASSES.index("neutral")])
    # per class: a class's bias and weights act on that class alone; contempt always takes neutral's
    a, b, bias = np.full(8, 0.7), np.full(8, 0.3), np.zeros(8)
    bias[EMOTIONS.index("anger")] = np.log(2.0)
    a[c], b[c], bias[c] = 5.0, 5.0, 5.0  # ignored
    g, f = fuse_cnn(p_au, p_cnn, a, b, bias), fuse_cnn(p_au, p_cnn, 0.7, 0.3)
    ang = EMOTIONS.index("anger")
    assert np.allclose(g[:, ang] / g[:, n], 2.0 * f[:, ang] / f[:, n])
    assert np.allclose(g[:, c] / g[:, n], f[:, c] / f[:, n])


def test_the_shipped_still_fusion_is_read_per_class_and_a_bad_one_is_refused():
    from microcue.errors import InvalidInputError
    from microcue.signals.baseline import shipped_calibration
    from microcue.signals.emotions import still_fusion_weights

    a, b, bias = still_fusion_weights(shipped_calibration())
    n, c = EMOTIONS.index("neutral"), EMOTIONS.index("contempt")
    assert a.shape == b.shape == bias.shape == (8,)
    assert (a[c], b[c], bias[c]) == (a[n], b[n], bias[n])
    assert np.all(b > 0) and np.all(a > 0)  # both models have a say in every class
    alone = still_fusion_weights({})
    assert np.all(alone[0] == 1) and np.all(alone[1] == 0)
    with pytest.raises(InvalidInputError, match="still_fusion"):
        still_fusion_weights({"still_fusion": {"au_weight": {"anger": 1.0}}})


def test_eval_images_names_the_sample_womans_crying_and_laughter(tmp_path, sample_frames):
    rows = ["path,label"]
    for t, img in sample_frames.items():
        name = f"f{t:.0f}.png"
        cv2.imwrite(str(tmp_path / name), cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
        rows.append(f"{name},{'sadness' if t in CRYING_S else 'happiness'}")
    (tmp_path / "labels.csv").write_text("\n".join(rows) + "\n")
    r = evaluate_images(tmp_path / "labels.csv")
    assert r["faces_not_found"] == 0
    assert r["per_class_recall"] == {"happiness": 1.0, "sadness": 1.0}, r["confusion"]


def test_without_litert_still_images_are_read_by_the_action_units_alone_and_say_so(tmp_path, sample_frames,
                                                                                   monkeypatch):
    import sys

    from microcue.evaluation.images import format_report

    rows = ["path,label"]
    for t, img in sample_frames.items():
        cv2.imwrite(str(tmp_path / f"f{t:.0f}.png"), cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
        rows.append(f"f{t:.0f}.png,{'sadness' if t in CRYING_S else 'happiness'}")
    (tmp_path / "labels.csv").write_text("\n".join(rows) + "\n")
    monkeypatch.setattr(expression_cnn, "available", lambda: False)
    r = evaluate_images(tmp_path / "labels.csv")
    assert r["expression_cnn"] is False and r["faces_not_found"] == 0
    assert "action units alone" in format_report(r)
    monkeypatch.setitem(sys.modules, "ai_edge_litert.interpreter", None)  # the import fails as on an Intel Mac
    with pytest.raises(ModelError, match="needs ai-edge-litert"):
        ExpressionCNN()
