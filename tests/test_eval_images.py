"""Still-image evaluation: image preparation, scoring, the report, and (when present) JAFFE."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from microcue.errors import InputNotFoundError, InvalidInputError
from microcue.evaluation.images import (
    NO_FACE,
    ImageLandmarker,
    evaluate_images,
    format_report,
    load_rgb,
    prepare_image,
    score_predictions,
)

cv2 = pytest.importorskip("cv2")
skdata = pytest.importorskip("skimage.data")
DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="module")
def astronaut_face_crop() -> np.ndarray:
    img = skdata.astronaut()
    return np.ascontiguousarray(img[20:230, 120:300])  # head of the astronaut, tightly cropped


def test_prepare_image_grey_thumbnail():
    grey = np.random.default_rng(0).integers(0, 255, (48, 48), dtype=np.uint8)
    out = prepare_image(grey)
    assert out.ndim == 3 and out.shape[2] == 3 and out.dtype == np.uint8
    assert min(out.shape[:2]) >= 256
    with pytest.raises(InvalidInputError):
        prepare_image(np.zeros((4, 4), np.uint8))


def test_48px_grey_thumbnail_finds_the_face(astronaut_face_crop):
    grey = cv2.cvtColor(astronaut_face_crop, cv2.COLOR_RGB2GRAY)
    thumb = cv2.resize(grey, (48, 48), interpolation=cv2.INTER_AREA)
    with ImageLandmarker() as lm:
        assert lm.detect(prepare_image(thumb)) is not None


def test_score_predictions_counts_no_face_as_wrong():
    r = score_predictions(["happiness", "happiness", "sadness", "neutral"],
                          ["happiness", NO_FACE, "sadness", "sadness"])
    assert r["n"] == 4 and r["faces_not_found"] == 1
    assert r["accuracy"] == pytest.approx(0.5)
    assert r["per_class_recall"] == {"happiness": 0.5, "neutral": 0.0, "sadness": 1.0}
    assert r["mean_per_class_recall"] == pytest.approx(0.5)
    assert r["confusion"]["happiness"][NO_FACE] == 1
    text = format_report(r)
    assert "faces not found: 1" in text and "sadne" in text


def test_evaluate_images_end_to_end(tmp_path, astronaut_face_crop):
    cv2.imwrite(str(tmp_path / "face.png"), cv2.cvtColor(astronaut_face_crop, cv2.COLOR_RGB2BGR))
    cv2.imwrite(str(tmp_path / "blank.png"), np.full((64, 64, 3), 127, np.uint8))
    (tmp_path / "labels.csv").write_text("path,label\nface.png,happiness\nblank.png,neutral\n")
    r = evaluate_images(tmp_path / "labels.csv")
    assert r["n"] == 2 and r["faces_not_found"] == 1
    assert r["confusion"]["neutral"][NO_FACE] == 1
    assert r["per_class_recall"]["neutral"] == 0.0
    assert r["per_class_recall"]["happiness"] == 1.0  # the astronaut smiles
    (tmp_path / "bad.csv").write_text("file,emotion\nface.png,happiness\n")
    with pytest.raises(InvalidInputError):
        evaluate_images(tmp_path / "bad.csv")
    with pytest.raises(InputNotFoundError):
        evaluate_images(tmp_path / "missing.csv")


def test_images_opencv_cannot_read_are_decoded_by_ffmpeg(tmp_path, astronaut_face_crop):
    # OpenCV has no GIF reader: such a file in a labelled set used to stop the whole evaluation
    pil = pytest.importorskip("PIL.Image")
    pil.fromarray(astronaut_face_crop).save(tmp_path / "face.gif")
    assert cv2.imread(str(tmp_path / "face.gif")) is None
    rgb = load_rgb(tmp_path / "face.gif")
    assert rgb.shape == astronaut_face_crop.shape and rgb.dtype == np.uint8
    assert np.abs(rgb.astype(int) - astronaut_face_crop).mean() < 12  # a 256-colour palette, the same picture
    (tmp_path / "labels.csv").write_text("path,label\nface.gif,happiness\n")
    r = evaluate_images(tmp_path / "labels.csv")
    assert r["faces_not_found"] == 0 and r["per_class_recall"]["happiness"] == 1.0
    (tmp_path / "noise.jpg").write_bytes(np.random.default_rng(0).integers(0, 255, 4000, dtype=np.uint8).tobytes())
    with pytest.raises(InvalidInputError, match="noise.jpg"):
        load_rgb(tmp_path / "noise.jpg")
    (tmp_path / "labels.csv").write_text("path,label\nface.gif,happiness\nnoise.jpg,neutral\n")
    with pytest.raises(InvalidInputError, match="noise.jpg"):
        evaluate_images(tmp_path / "labels.csv")


@pytest.mark.skipif(not (DATA / "muxspace__facial_expressions" / "labels.csv").exists(),
                    reason="shared data not present")
def test_jaffe_all_faces_found_and_clear_classes_recognised():
    r = evaluate_images(DATA / "muxspace__facial_expressions" / "labels.csv")
    assert r["n"] == 68 and r["faces_not_found"] == 0
    assert r["per_class_recall"]["surprise"] >= 0.8
    assert r["per_class_recall"]["happiness"] >= 0.6
    assert r["mean_per_class_recall"] > 1 / 7 + 0.1  # clearly above chance


def test_labels_take_common_spellings_and_refuse_unknown_ones(tmp_path):
    from microcue.evaluation.images import read_labels

    # as a spreadsheet saves it: a byte-order mark and Windows line ends
    (tmp_path / "labels.csv").write_bytes(b"\xef\xbb\xbfpath,label\r\na.png,Happy\r\nb.png,angry\r\nc.png, Sadness \r\n"
                                          b"d.png,contempt\r\n")
    assert [lab for _, lab in read_labels(tmp_path / "labels.csv")] == ["happiness", "anger", "sadness", "contempt"]
    (tmp_path / "photo.csv").write_bytes(b"\xff\xd8\xff\xe0 JFIF")
    with pytest.raises(InvalidInputError, match="photo.csv: not a text CSV"):
        read_labels(tmp_path / "photo.csv")
    (tmp_path / "bad.csv").write_text("path,label\na.png,happiness\nb.png,smirk\n")
    with pytest.raises(InvalidInputError, match=r"bad.csv row 3: label 'smirk' is not one of neutral, anger"):
        read_labels(tmp_path / "bad.csv")
