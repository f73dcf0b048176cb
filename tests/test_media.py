"""The test-media helpers make what they claim: decodable files, exact pts, real breakage where promised."""

from __future__ import annotations

import hashlib
from pathlib import Path

import av
import media
import numpy as np
import pytest


def _decode(path: Path) -> tuple[list[float], list[np.ndarray], list[int]]:
    pts, imgs, rot = [], [], []
    with av.open(str(path)) as c:
        for f in c.decode(video=0):
            pts.append(float(f.pts * f.time_base))
            imgs.append(f.to_ndarray(format="rgb24"))
            rot.append(f.rotation)
    return pts, imgs, rot


@pytest.mark.parametrize(
    "fixture", ["astronaut_mp4", "astronaut_mpeg4", "astronaut_frown", "astronaut_faststart"]
)
def test_cfr_videos_decode_with_exact_pts(request, fixture):
    m = request.getfixturevalue(fixture)
    pts, imgs, _ = _decode(m.path)
    assert len(pts) == len(m.pts) > 0
    np.testing.assert_allclose(pts, m.pts, atol=1e-9)
    np.testing.assert_allclose(np.diff(m.pts), 1 / 25, atol=1e-9)
    assert imgs[0].shape == (240, 320, 3)


def test_vfr_pts_are_irregular_and_exact(astronaut_vfr):
    pts, _, _ = _decode(astronaut_vfr.path)
    np.testing.assert_allclose(pts, astronaut_vfr.pts, atol=1e-9)
    gaps = np.diff(pts)
    assert gaps.min() < 0.5 / 25 and gaps.max() >= 0.3 - 1e-9  # short gaps and a 0.3 s hole
    # the classic mistake -- index / average fps -- is off by far more than a frame somewhere
    avg_fps = (len(pts) - 1) / (pts[-1] - pts[0])
    assert np.max(np.abs(np.arange(len(pts)) / avg_fps - np.array(pts))) > 0.1


@pytest.mark.parametrize("codec,ext", [("libx264", ".mkv"), ("mpeg4", ".mp4")])
def test_vfr_other_codecs_and_containers(tmp_path, codec, ext):
    p = tmp_path / f"v{ext}"
    written = media.astronaut_video(p, seconds=1.0, codec=codec, vfr=True)
    pts, _, _ = _decode(p)
    np.testing.assert_allclose(pts, written, atol=1e-9)


def test_expression_changes_only_the_episode(astronaut_frown):
    _, imgs, _ = _decode(astronaut_frown.path)
    kind, onset, offset = astronaut_frown.meta["expression"]
    t = np.array(astronaut_frown.pts)
    closer_to_expression = []
    for ti, img in zip(t, imgs):
        neutral = media.astronaut_frame(ti, size=(320, 240)).astype(int)
        full = media.astronaut_frame(ti, size=(320, 240), expression=(kind, ti - 1, ti + 1)).astype(int)
        mask = np.abs(neutral - full).sum(-1) > 30  # pixels the warp moves
        d_neutral = np.abs(img.astype(int) - neutral)[mask].mean()
        d_full = np.abs(img.astype(int) - full)[mask].mean()
        closer_to_expression.append(d_full < d_neutral)
    closer = np.array(closer_to_expression)
    assert closer[(t > onset + 0.35) & (t < offset - 0.35)].all()
    assert not closer[(t < onset) | (t > offset)].any()


def test_expression_warp_is_local_to_the_face():
    a = media.astronaut_frame(0.0, size=(320, 240), motion=False)
    b = media.astronaut_frame(0.0, size=(320, 240), motion=False, expression=("smile", -1, 1))
    d = np.abs(a.astype(int) - b.astype(int)).sum(-1)
    ys, xs = np.nonzero(d > 10)
    assert len(xs) > 20
    # changes sit in the lower-middle of the face, not at the frame borders
    assert 100 < xs.mean() < 220 and 120 < ys.mean() < 200


def test_bad_expression_kind_is_rejected():
    with pytest.raises(ValueError, match="unknown expression kind"):
        media.astronaut_frame(0.0, expression=("wink", 0, 1))


def test_rotated_video_carries_display_matrix(rotated_mp4):
    _pts, imgs, rot = _decode(rotated_mp4.path)
    assert set(rot) == {90}
    assert imgs[0].shape == (240, 320, 3)  # coded size
    upright = np.rot90(imgs[0], k=1)
    assert upright.shape == (320, 240, 3)
    ref = media.astronaut_frame(0.0, size=(240, 320))
    assert np.abs(upright.astype(int) - ref.astype(int)).mean() < 8


def test_gallery_tiles_and_camera_off(gallery_mp4):
    _, imgs, _ = _decode(gallery_mp4.path)
    img = imgs[0]
    assert img.shape == (360, 640, 3)
    tiles = gallery_mp4.meta["tiles"]
    assert len(tiles) == 4
    stds = [img[y0:y1, x0:x1].std() for x0, y0, x1, y1 in tiles]
    assert min(stds[:3]) > 20  # face tiles are textured
    assert stds[3] < min(stds[:3])  # camera-off tile is mostly flat grey


def test_gallery_rejects_too_many_sources(tmp_path):
    with pytest.raises(ValueError):
        media.gallery_video(tmp_path / "g.mp4", [None] * 3, layout=(2, 1))


def test_no_face_video_decodes(no_face_mp4):
    pts, imgs, _ = _decode(no_face_mp4.path)
    assert len(pts) == 25 and imgs[0].std() > 20


def test_truncated_copy_is_truncated(truncated_mp4, astronaut_mp4):
    full = astronaut_mp4.path.stat().st_size
    assert 0 < truncated_mp4.stat().st_size <= full // 2 + 1
    with pytest.raises(av.error.FFmpegError), av.open(str(truncated_mp4)) as c:
        list(c.decode(video=0))


def test_truncated_faststart_opens_but_ends_early(truncated_faststart_mp4, astronaut_faststart):
    n = 0
    try:
        with av.open(str(truncated_faststart_mp4)) as c:
            for _ in c.decode(video=0):
                n += 1
    except av.error.FFmpegError:
        pass
    assert 0 < n < len(astronaut_faststart.pts)


@pytest.mark.parametrize("fixture", ["not_a_video_mp4", "empty_mp4"])
def test_garbage_files_do_not_open(request, fixture):
    p = request.getfixturevalue(fixture)
    assert p.suffix == ".mp4"
    with pytest.raises(av.error.FFmpegError):
        av.open(str(p)).close()


def test_audio_only_has_no_video(audio_only_m4a):
    with av.open(str(audio_only_m4a)) as c:
        assert len(c.streams.video) == 0
        assert len(c.streams.audio) == 1
        n = sum(f.samples for f in c.decode(audio=0))
    assert n >= 16000 * 0.9


def test_image_folders(image_folder_timed, image_folder_numbered):
    timed = sorted(image_folder_timed.path.glob("*.png"))
    assert [p.name for p in timed][:2] == ["000000_0.000s.png", "000001_0.100s.png"]
    parsed = [float(p.stem.split("_")[1].rstrip("s")) for p in timed]
    assert parsed == image_folder_timed.pts
    numbered = sorted(image_folder_numbered.path.glob("*.png"))
    assert [p.name for p in numbered][:2] == ["000000.png", "000001.png"] and len(numbered) == 10


def test_pexels_clip_is_the_credited_file(pexels_clip):
    assert hashlib.sha256(pexels_clip.read_bytes()).hexdigest().startswith("c048a3025af8")
    assert (pexels_clip.parent / "CREDIT.md").is_file()


def test_shared_data_fixture(shared_data):
    assert (shared_data / "README.md").is_file()


def test_landmarker_sees_the_astronaut_expression():
    """The warp is strong enough for the real model (skipped if MediaPipe or the model is unavailable)."""
    mp = pytest.importorskip("mediapipe")
    from mediapipe.tasks.python import BaseOptions, vision

    model = Path(__file__).resolve().parents[1] / "src" / "microcue" / "models" / "face_landmarker.task"
    if not model.is_file():
        pytest.skip("face_landmarker.task not vendored")
    opts = vision.FaceLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(model)),
        running_mode=vision.RunningMode.IMAGE,
        num_faces=1,
        output_face_blendshapes=True,
    )
    with vision.FaceLandmarker.create_from_options(opts) as lm:

        def bs(img):
            r = lm.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(img)))
            assert r.face_blendshapes, "no face found"
            return {c.category_name: c.score for c in r.face_blendshapes[0]}

        base = bs(media.astronaut_frame(0.0))
        frown = bs(media.astronaut_frame(0.0, expression=("frown", -1, 1)))
        raise_ = bs(media.astronaut_frame(0.0, expression=("brow_raise", -1, 1)))
    assert frown["mouthSmileLeft"] < base["mouthSmileLeft"] - 0.15
    assert raise_["browOuterUpLeft"] > base["browOuterUpLeft"] + 0.2
