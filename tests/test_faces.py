"""Face stage: tiles, tracking, re-identification, participants and roles, on real (astronaut) faces."""

from __future__ import annotations

import numpy as np
import pytest

from microcue.errors import InvalidInputError
from microcue.faces.appearance import describe, similarity
from microcue.faces.landmarker import pose_from_transform
from microcue.faces.participants import RoleSpec, build_participants, position_name
from microcue.faces.stage import FaceStage
from microcue.faces.tiles import tile_pyramid
from microcue.faces.tracker import FaceTracker, iou
from microcue.video import open_source


def test_tile_pyramid_covers_the_frame_down_to_small_faces():
    tiles = tile_pyramid(1280, 720, min_face_px=36)
    assert tiles[0] == (0, 0, 1280)
    smallest = min(s for _, _, s in tiles)
    assert smallest <= 36 / 0.16 * 1.2
    small = [(x, y, s) for x, y, s in tiles if s == smallest]
    # every pixel of the frame lies in some smallest tile
    cover = np.zeros((720, 1280), bool)
    for x, y, s in small:
        cover[y:y + s, x:x + s] = True
    assert cover.all()


def test_iou():
    a = np.array([0, 0, 10, 10.0])
    assert iou(a, a) == 1.0
    assert iou(a, a + 20) == 0.0
    assert abs(iou(a, np.array([5, 0, 15, 10.0])) - 1 / 3) < 1e-9


def test_pose_from_identity_and_roll():
    assert np.allclose(pose_from_transform(np.eye(4)), 0)
    a = np.radians(20)
    rz = np.eye(4)
    rz[:2, :2] = [[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]]
    yaw, pitch, roll = pose_from_transform(rz)
    assert abs(abs(roll) - 20) < 1e-6 and abs(yaw) < 1e-6 and abs(pitch) < 1e-6


def test_appearance_tells_people_apart():
    rng = np.random.default_rng(0)
    img = np.zeros((200, 400, 3), np.uint8)
    img[:, :200] = (200, 150, 120)  # warm room
    img[:, 200:] = (40, 90, 200)    # blue room
    img = np.clip(img + rng.integers(0, 20, img.shape), 0, 255).astype(np.uint8)
    a1 = describe(img, np.array([60, 60, 140, 160.0]))
    a2 = describe(img, np.array([65, 62, 142, 158.0]))
    b = describe(img, np.array([260, 60, 340, 160.0]))
    assert similarity(a1, a2) > 0.9 > 0.5 > similarity(a1, b)


def test_tracker_reidentifies_a_returning_face():
    tr = FaceTracker(lost_after_s=0.5)
    app_a = np.r_[np.ones(128) / 128, np.ones(128) / 128]
    app_b = np.r_[np.eye(1, 128, 5).ravel(), np.eye(1, 128, 7).ravel()]
    t = tr.assign_new(np.array([0, 0, 10, 10.0]), 0.0, app_a)
    tr.observe(t, np.array([0, 0, 10, 10.0]), 0.1, app_a)
    tr.expire(7.0)  # gone for several seconds
    assert not t.active
    other = tr.assign_new(np.array([50, 50, 60, 60.0]), 7.0, app_b)
    back = tr.assign_new(np.array([30, 0, 40, 10.0]), 7.1, app_a)
    assert back.id == t.id and other.id != t.id


def test_roles_parse_and_errors():
    spec = RoleSpec.parse("left=seller:Dana")
    assert (spec.where, spec.role, spec.name) == ("left", "seller", "Dana")
    assert RoleSpec.parse("track2=buyer").where == "track2"
    assert RoleSpec.parse("top-left=other").role == "other"
    for bad in ("left", "left=boss", "upstairs=buyer"):
        with pytest.raises(InvalidInputError):
            RoleSpec.parse(bad)


def _stats(**tracks):
    return {tid: dict(frames=100, first_s=0.0, last_s=10.0, cx=cx, cy=cy, face_px=80.0)
            for tid, (cx, cy) in ((int(k[1:]), v) for k, v in tracks.items())}


def test_participants_by_position_and_roles():
    stats = _stats(t0=(0.75, 0.5), t1=(0.25, 0.5), t5=(0.5, 0.5))
    stats[9] = dict(frames=2, first_s=1.0, last_s=1.05, cx=0.1, cy=0.1, face_px=30.0)  # detector noise
    people = build_participants(stats, [RoleSpec.parse("left=seller:Dana"), RoleSpec.parse("right=buyer")])
    assert [p.track_ids[0] for p in people] == [1, 5, 0]  # screen order
    by_track = {p.track_ids[0]: p for p in people}
    assert (by_track[1].role, by_track[1].name) == ("seller", "Dana")
    assert by_track[0].role == "buyer" and by_track[0].name == "Person 3"
    assert by_track[5].role == "other"
    assert position_name(0.1, 0.1) == "top-left"
    with pytest.raises(InvalidInputError, match="no participant"):
        build_participants(stats, [RoleSpec.parse("track7=buyer")])


@pytest.fixture(scope="module")
def gallery_tracks(gallery_mp4):
    stage = FaceStage()
    per_frame = [stage.update(f) for f in open_source(gallery_mp4.path)]
    stage.close()
    return per_frame


def test_gallery_finds_every_face_with_stable_ids(gallery_mp4, gallery_tracks):
    tiles = gallery_mp4.meta["tiles"]
    later = gallery_tracks[3:]  # the scan needs a few frames to visit every tile
    assert all(len(obs) == 3 for obs in later)
    # each id stays in its own tile
    where = {}
    for obs in later:
        for o in obs:
            cx, cy = (o.bbox_xyxy[0] + o.bbox_xyxy[2]) / 2, (o.bbox_xyxy[1] + o.bbox_xyxy[3]) / 2
            tile = next(i for i, (x0, y0, x1, y1) in enumerate(tiles) if x0 <= cx < x1 and y0 <= cy < y1)
            assert where.setdefault(o.track_id, tile) == tile
    assert len(where) == 3


def test_observations_are_well_formed(gallery_tracks):
    o = gallery_tracks[-1][0]
    assert o.landmarks.shape == (478, 3) and o.blendshapes.shape == (52,)
    assert 0 < o.quality <= 1
    assert np.all((o.landmarks[:, :2] > 0) & (o.landmarks[:, :2] < 1))


def test_intermittent_pattern_is_not_a_participant():
    stats = _stats(t0=(0.8, 0.5), t1=(0.25, 0.5))
    stats[2] = dict(frames=48, first_s=0.9, last_s=19.6, cx=0.18, cy=0.85, face_px=85.0)  # a collar, now and then
    stats[3] = dict(frames=60, first_s=12.0, last_s=18.0, cx=0.5, cy=0.5, face_px=80.0)   # joined late: kept
    ids = [p.track_ids[0] for p in build_participants(stats)]
    assert 2 not in ids and {0, 1, 3} <= set(ids)


def test_pose_signs_follow_the_docs_on_real_frames(shared_data):
    """The documented convention (docs/signals.md), checked on real frames of the OpenFace webcam sample (looked at):
    the man bows his head at 19.67 s, tilts it back at 21.87 s, turns his face to the image's left at 14.40 s and to
    its right at 16.87 s, each time with his eyes turned back to the camera: he is looking at the screen throughout,
    so gaze_aversion must stay small (head and eye angles cancel). MediaPipe's own angles have other signs."""
    import av

    from microcue.evaluation.images import ImageLandmarker
    from microcue.signals.gaze import gaze_aversion, gaze_offset

    path = shared_data / "Soontosh__DepScopeAIDeployment/OpenFace/samples/2015-10-15-15-14.avi"
    if not path.is_file():
        pytest.skip(f"{path} missing")
    want, frames = (19.67, 21.87, 14.40, 16.87), {}
    with av.open(str(path)) as c:
        for f in c.decode(video=0):
            for t in want:
                if t not in frames and abs(float(f.time) - t) < 0.02:
                    frames[t] = f.to_ndarray(format="rgb24")
            if len(frames) == len(want):
                break
    with ImageLandmarker() as lm:
        faces = {t: lm.detect_image(im) for t, im in frames.items()}
    pose = {t: pose_from_transform(f.transform) for t, f in faces.items()}
    assert pose[19.67][1] < -15 < 15 < pose[21.87][1], pose  # pitch > 0: face up
    assert pose[14.40][0] < -15 < 15 < pose[16.87][0], pose  # yaw > 0: face toward the image's right
    for t in (14.40, 16.87):
        f = faces[t]
        off = gaze_offset(f.landmarks, frame_size=f.frame_size)
        assert gaze_aversion(off, pose[t]) < 20, (t, off, pose[t])


def test_a_still_face_is_measured_in_a_still_crop(tmp_path):
    """With ``crop_deadband`` (off by default: tried, not kept) a face that does not move keeps its crop: the
    measurement does not feed its own jitter back through the crop's position, so frame-to-frame blendshape changes
    of a still face shrink (about 3x)."""
    import media

    path = tmp_path / "still.mp4"
    media.astronaut_video(path, seconds=2.0, fps=25, motion=False)

    def jitter(stage: FaceStage) -> float:
        bs = [obs[0].blendshapes for obs in (stage.update(fr) for fr in open_source(path)) if obs]
        assert len(bs) == 50
        return float(np.abs(np.diff(np.array(bs), axis=0)).mean())

    follow, held = jitter(FaceStage()), jitter(FaceStage(crop_deadband=0.1))
    assert held < 0.5 * follow, (held, follow)
