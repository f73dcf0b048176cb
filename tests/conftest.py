"""Shared fixtures: small real-face media made on the fly (see tests/media.py), the shared data folder, the sample.

Video fixtures return a :class:`Media` (``path``, ``pts`` = exact presentation times in seconds written, ``meta``);
bad-input fixtures return a ``Path``.  All are session-scoped and written once into a session tmp dir.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NamedTuple

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import media

REPO = Path(__file__).resolve().parents[1]
SAMPLE_CLIP = REPO / "src" / "microcue" / "data" / "sample" / "woman_emotions_pexels.mp4"


class Media(NamedTuple):
    path: Path
    pts: list[float]
    meta: dict


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("media")


# --------------------------------------------------------------------------------------------- face videos
@pytest.fixture(scope="session")
def astronaut_mp4(media_dir) -> Media:
    """2 s, 25 fps, 320x240 libx264 mp4 of one moving face, no expression episode."""
    p = media_dir / "astronaut.mp4"
    return Media(p, media.astronaut_video(p), {"fps": 25, "size": (320, 240)})


@pytest.fixture(scope="session")
def astronaut_mpeg4(media_dir) -> Media:
    """Same as astronaut_mp4 but encoded with the mpeg4 (Part 2) codec in an .avi."""
    p = media_dir / "astronaut_mpeg4.avi"
    return Media(p, media.astronaut_video(p, codec="mpeg4"), {"fps": 25, "size": (320, 240)})


@pytest.fixture(scope="session")
def astronaut_frown(media_dir) -> Media:
    """4 s, 25 fps: mouth corners pulled down between 1.5 s and 2.5 s (apex plateau ~1.8-2.2 s)."""
    p = media_dir / "astronaut_frown.mp4"
    exp = ("frown", 1.5, 2.5)
    pts = media.astronaut_video(p, seconds=4.0, expression=exp)
    return Media(p, pts, {"fps": 25, "size": (320, 240), "expression": exp})


@pytest.fixture(scope="session")
def astronaut_brow_raise(media_dir) -> Media:
    """3 s, 25 fps: a short (0.4 s, micro-expression length) brow raise between 1.0 s and 1.4 s."""
    p = media_dir / "astronaut_brow_raise.mp4"
    exp = ("brow_raise", 1.0, 1.4)
    pts = media.astronaut_video(p, seconds=3.0, expression=exp)
    return Media(p, pts, {"fps": 25, "size": (320, 240), "expression": exp})


@pytest.fixture(scope="session")
def astronaut_vfr(media_dir) -> Media:
    """Variable frame rate mp4 (time base 1/90000, irregular gaps incl. a 0.3 s hole): pts != index / fps."""
    p = media_dir / "astronaut_vfr.mp4"
    return Media(p, media.astronaut_video(p, vfr=True), {"nominal_fps": 25, "size": (320, 240)})


@pytest.fixture(scope="session")
def astronaut_faststart(media_dir) -> Media:
    p = media_dir / "astronaut_faststart.mp4"
    return Media(p, media.astronaut_video(p, faststart=True), {"fps": 25, "size": (320, 240)})


@pytest.fixture(scope="session")
def rotated_mp4(media_dir) -> Media:
    """Coded 320x240 with a 90-degree display matrix: upright face only after rotating (displayed 240x320)."""
    p = media_dir / "rotated90.mp4"
    return Media(p, media.rotated_video(p, 90), {"rotation": 90, "coded_size": (320, 240)})


@pytest.fixture(scope="session")
def gallery_mp4(media_dir) -> Media:
    """1 s 640x360 2x2 call grid: three astronaut tiles (one frowning still) and one camera-off tile."""
    p = media_dir / "gallery.mp4"
    srcs = [
        media.astronaut_face((320, 180)),
        media.astronaut_face((320, 180), expression=("frown", 0, 1)),
        media.astronaut_face((320, 180), expression=("brow_raise", 0, 1)),
        None,
    ]
    pts = media.gallery_video(p, srcs, layout=(2, 2), size=(640, 360))
    tiles = media.grid_tiles((2, 2), (640, 360))
    return Media(p, pts, {"layout": (2, 2), "tiles": tiles, "faces": 3})


@pytest.fixture(scope="session")
def no_face_mp4(media_dir) -> Media:
    p = media_dir / "no_face.mp4"
    return Media(p, media.no_face_video(p), {"fps": 25})


@pytest.fixture(scope="session")
def image_folder_timed(media_dir) -> Media:
    """10 PNGs named ``{index:06d}_{t:.3f}s.png`` at 10 fps (path is the folder)."""
    d = media_dir / "frames_timed"
    return Media(d, media.image_folder(d, 10, 10.0, timed=True), {"fps": 10.0})


@pytest.fixture(scope="session")
def image_folder_numbered(media_dir) -> Media:
    """10 PNGs named ``{index:06d}.png``; times assume 10 fps (path is the folder)."""
    d = media_dir / "frames_numbered"
    return Media(d, media.image_folder(d, 10, 10.0, timed=False), {"fps": 10.0})


# --------------------------------------------------------------------------------------------- bad inputs
@pytest.fixture(scope="session")
def truncated_mp4(media_dir, astronaut_mp4) -> Path:
    """First half of a normal mp4 (index at the end): does not open."""
    return media.truncated_copy(astronaut_mp4.path, media_dir / "truncated.mp4", 0.5)


@pytest.fixture(scope="session")
def truncated_faststart_mp4(media_dir, astronaut_faststart) -> Path:
    """First half of a faststart mp4: opens, then decoding stops early (some frames, not all)."""
    return media.truncated_copy(astronaut_faststart.path, media_dir / "truncated_faststart.mp4", 0.5)


@pytest.fixture(scope="session")
def not_a_video_mp4(media_dir) -> Path:
    return media.not_a_video(media_dir / "not_a_video.mp4")


@pytest.fixture(scope="session")
def empty_mp4(media_dir) -> Path:
    return media.empty_file(media_dir / "empty.mp4")


@pytest.fixture(scope="session")
def audio_only_m4a(media_dir) -> Path:
    return media.audio_only(media_dir / "audio_only.m4a", seconds=1.0)


@pytest.fixture(scope="session")
def missing_path(media_dir) -> Path:
    return media_dir / "does_not_exist.mp4"


# --------------------------------------------------------------------------------------------- real data
@pytest.fixture(scope="session")
def shared_data() -> Path:
    """/work/shared/data (research-only clips, never in the repo); skips the test when it is absent."""
    p = Path(__file__).resolve().parents[2] / "shared" / "data"
    if not p.is_dir():
        pytest.skip(f"shared data folder not found at {p}")
    return p


@pytest.fixture(scope="session")
def pexels_clip() -> Path:
    """The vendored Pexels sample (one woman: sad -> neutral -> laughing, 19.69 s, 23.976 fps, 640x360)."""
    if not SAMPLE_CLIP.is_file():
        pytest.skip(f"vendored sample missing: {SAMPLE_CLIP}")
    return SAMPLE_CLIP


@pytest.fixture(autouse=True, scope="session")
def _private_store(tmp_path_factory):
    """Tests keep their calls in a throwaway SQLite store, never in the user's data folder."""
    import os

    path = tmp_path_factory.mktemp("store") / "microcue.db"
    old = os.environ.get("MICROCUE_DB")
    os.environ["MICROCUE_DB"] = f"sqlite:///{path}"
    yield
    if old is None:
        os.environ.pop("MICROCUE_DB", None)
    else:
        os.environ["MICROCUE_DB"] = old
