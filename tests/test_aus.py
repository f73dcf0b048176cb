"""Action units from a real face (skimage's astronaut) and warped copies of it."""

from __future__ import annotations

import numpy as np
import pytest

from microcue.signals.aus import AU_INDEX, AU_NAMES, canonical_landmarks, compute_aus, compute_aus_batch

cv2 = pytest.importorskip("cv2")
skdata = pytest.importorskip("skimage.data")


def _warp(img: np.ndarray, points_px: list[tuple[float, float]], dy: float, sigma: float) -> np.ndarray:
    """Move the content around each point by dy pixels (negative = up) with a Gaussian falloff."""
    h, w = img.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    shift = np.zeros((h, w), np.float32)
    for px, py in points_px:
        shift += np.exp(-((xx - px) ** 2 + (yy - py) ** 2) / (2 * sigma ** 2)).astype(np.float32)
    map_y = yy - dy * np.clip(shift, 0, 1)  # dst(y) = src(y - dy): content moves by +dy
    return cv2.remap(img, xx, map_y, interpolation=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)


@pytest.fixture(scope="module")
def faces():
    from microcue.evaluation.images import ImageLandmarker

    img = np.ascontiguousarray(skdata.astronaut())
    out = {}
    with ImageLandmarker() as lm:
        base = lm.detect(img)
        assert base is not None, "no face found in the astronaut image"
        w, h = base.frame_size
        def px(i):
            return (base.landmarks[i, 0] * w, base.landmarks[i, 1] * h)
        iod = np.hypot(*(np.subtract(px(263), px(33))))
        variants = {
            "base": img,
            "smile": _warp(img, [px(61), px(291)], dy=-0.12 * iod, sigma=0.10 * iod),
            "frown": _warp(img, [px(61), px(291)], dy=+0.12 * iod, sigma=0.10 * iod),
            "brows_up": _warp(img, [px(105), px(334), px(107), px(336)], dy=-0.12 * iod, sigma=0.12 * iod),
            "right_down": _warp(img, [px(61)], dy=+0.12 * iod, sigma=0.10 * iod),
            "lateral_lip_up": _warp(img, [px(37), px(267)], dy=-0.06 * iod, sigma=0.06 * iod),
            "lids_down": _warp(img, [px(159), px(386)], dy=+0.05 * iod, sigma=0.05 * iod),
        }
        for k, im in variants.items():
            f = lm.detect(im)
            assert f is not None, f"face lost in the {k} variant"
            out[k] = (f, compute_aus(f.blendshapes, f.landmarks, f.transform, frame_size=f.frame_size))
    return out


def au(faces, variant: str, name: str) -> float:
    return float(faces[variant][1][AU_INDEX[name]])


def test_names_and_range(faces):
    a = faces["base"][1]
    assert a.shape == (len(AU_NAMES),)
    assert {"au01", "au04", "au09", "au10", "au12_l", "au12_r", "au15", "au17", "au45"} <= set(AU_NAMES)
    assert np.all((a >= 0) & (a <= 1))


def test_raised_corners_raise_au12_and_lower_au15(faces):
    assert au(faces, "smile", "au12") > au(faces, "base", "au12") + 0.05
    assert au(faces, "frown", "au12") < au(faces, "base", "au12")
    assert au(faces, "frown", "au15") > au(faces, "base", "au15") + 0.03


def test_raised_brows_raise_au01_au02(faces):
    assert au(faces, "brows_up", "au01") > au(faces, "base", "au01") + 0.03
    assert au(faces, "brows_up", "au02") > au(faces, "base", "au02") + 0.02
    rise01 = au(faces, "brows_up", "au01") - au(faces, "base", "au01")
    assert au(faces, "brows_up", "au04") - au(faces, "base", "au04") < rise01 - 0.1


def test_one_sided_corner_is_the_subjects_right(faces):
    """Landmark 61 is the subject's right mouth corner (image left): pulling it down drops au12_r, not au12_l.

    (The astronaut already smiles, so the test lowers one corner instead of raising it.)
    """
    drop_r = au(faces, "base", "au12_r") - au(faces, "right_down", "au12_r")
    drop_l = au(faces, "base", "au12_l") - au(faces, "right_down", "au12_l")
    assert drop_r > 0.15
    assert drop_r > 2 * max(drop_l, 0.0)


def test_pose_is_removed():
    """Rotating the landmarks together with the transform leaves the canonical face unchanged."""
    rng = np.random.default_rng(0)
    lm = np.column_stack([rng.uniform(0.3, 0.7, 478), rng.uniform(0.3, 0.7, 478), rng.normal(0, 0.02, 478)])
    lm[[33, 133]] = [[0.40, 0.45, 0], [0.46, 0.45, 0]]
    lm[[263, 362]] = [[0.60, 0.45, 0], [0.54, 0.45, 0]]
    lm[2] = [0.5, 0.6, -0.02]
    tf = np.eye(4)
    c0 = canonical_landmarks(lm, tf, frame_size=(100, 100))
    ang = np.deg2rad(20)
    rot = np.array([[np.cos(ang), 0, np.sin(ang)], [0, 1, 0], [-np.sin(ang), 0, np.cos(ang)]])
    # camera-frame points (y up, z to camera), rotated, back to MediaPipe's normalised convention
    cam = np.column_stack([lm[:, 0] * 100, -lm[:, 1] * 100, -lm[:, 2] * 100]) @ rot.T
    lm2 = np.column_stack([cam[:, 0] / 100, -cam[:, 1] / 100, -cam[:, 2] / 100])
    tf2 = np.eye(4)
    tf2[:3, :3] = rot
    np.testing.assert_allclose(canonical_landmarks(lm2, tf2, frame_size=(100, 100)), c0, atol=1e-9)


def test_batch_matches_single(faces):
    f = faces["smile"][0]
    batch = compute_aus_batch(np.stack([f.blendshapes] * 2), np.stack([f.landmarks] * 2),
                              np.stack([f.transform] * 2), frame_size=f.frame_size)
    np.testing.assert_allclose(batch[1], faces["smile"][1])


def test_bad_shapes_raise():
    with pytest.raises(ValueError, match="blendshapes"):
        compute_aus(np.zeros(50), np.zeros((478, 3)), np.eye(4), frame_size=(10, 10))


# ------------------------------------------------------------------ gaze.py helpers (same real face)
def test_gaze_scale_mouth_on_the_real_face(faces):
    from microcue.signals import gaze as gz

    f = faces["base"][0]
    off = gz.gaze_offset(f.landmarks, frame_size=f.frame_size)
    assert off.shape == (2,) and np.all(np.abs(off) < 0.35)  # she looks roughly into the camera
    iod = gz.face_scale(f.landmarks, frame_size=f.frame_size)
    w, _h = f.frame_size
    assert 30 < iod < 0.5 * w
    # moving the irises 5 px to the image right turns the horizontal offset positive
    lm = f.landmarks.copy()
    lm[468:478, 0] += 5.0 / w
    assert gz.gaze_offset(lm, frame_size=f.frame_size)[0] > off[0] + 0.1
    assert 0 <= gz.mouth_opening(f.landmarks, frame_size=f.frame_size) < 0.5


def test_engagement_formula():
    from microcue.signals import gaze as gz

    ahead, away = np.zeros(2), np.array([0.9, 0.0])
    pose = np.zeros(3)
    assert gz.engagement(ahead, pose, 0.0, 1.0) == pytest.approx(0.6 + 0.15 * 0.5)
    assert gz.engagement(away, np.array([40.0, 0, 0]), 0.0, 1.0) == pytest.approx(0.15 * 0.5)
    assert gz.engagement(ahead, pose, 0.3, 1.25) == pytest.approx(1.0)
    assert gz.engagement(on_screen=0.0, expressivity=0.0, scale_ratio=1.0) < gz.engagement(ahead, pose, 0, 1)
    assert gz.blink(np.array([0.1, 0.6])).tolist() == [False, True]
    with pytest.raises(ValueError):
        gz.engagement(expressivity=0.1)


def test_existing_au_columns_unchanged_on_the_pexels_clip():
    """The 34 AU columns the microexpression spotter is tuned on keep their names, order and values.

    tests/data/au_golden_pexels.npz holds the landmarker outputs of 8 frames of the vendored Pexels clip (crying,
    hand over mouth, laughing) and those columns' values when it was made (tests/data/make_au_golden.py). New AU
    columns may be appended after them; changing an existing one must be a deliberate, regenerated decision.
    """
    from pathlib import Path

    g = np.load(Path(__file__).parent / "data" / "au_golden_pexels.npz")
    names = [str(n) for n in g["names"]]
    assert list(AU_NAMES[:len(names)]) == names, "existing AU columns were renamed or reordered"
    got = compute_aus_batch(g["bs"], g["lms"], g["tf"], frame_size=tuple(int(v) for v in g["size"]))
    assert got.shape == (len(g["times"]), len(AU_NAMES))
    assert g["aus"].max() > 0.5, "the golden frames should contain clear expressions"
    np.testing.assert_allclose(got[:, :len(names)], g["aus"], rtol=0, atol=1e-9)


def test_added_lateral_lip_and_upper_lid_columns_follow_the_face(faces):
    """AU11 (lateral upper lip raise) and AU5g (upper lid height, geometry only) on warped copies of a real face."""
    assert au(faces, "lateral_lip_up", "au11") > au(faces, "base", "au11") + 0.2
    assert au(faces, "lids_down", "au05g") < au(faces, "base", "au05g") - 0.15
    assert au(faces, "lids_down", "au07") > au(faces, "base", "au07")
    # the brow columns do not move when only the lips or lids do
    for v in ("lateral_lip_up", "lids_down"):
        assert abs(au(faces, v, "au04m") - au(faces, "base", "au04m")) < 0.05


def test_expressivity_ignores_appended_columns():
    """Appending AU columns must not move expressivity (the baseline's calm-frame test and the spotter read it)."""
    from microcue.signals.baseline import EXPRESSIVITY_AUS, expressivity

    d = np.zeros(len(AU_NAMES))
    d[AU_INDEX["au12"]] = 0.6
    before = float(expressivity(d))
    appended = list(AU_NAMES[34:])
    assert appended and not set(appended) & set(EXPRESSIVITY_AUS)
    d[[AU_INDEX[n] for n in appended]] = 1.0
    assert float(expressivity(d)) == pytest.approx(before)
