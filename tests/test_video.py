"""Frame sources: exact container timestamps, rotation, image folders."""

from __future__ import annotations

import numpy as np
import pytest

from microcue.errors import InputNotFoundError, InvalidInputError
from microcue.video import open_source
from microcue.video.file import VideoFileSource, probe
from microcue.video.frame import Frame
from microcue.video.images import ImageFolderSource, time_from_name


def test_pts_are_the_containers(astronaut_mp4):
    frames = list(VideoFileSource(astronaut_mp4.path))
    assert [f.index for f in frames] == list(range(len(frames)))
    assert np.allclose([f.pts_s for f in frames], astronaut_mp4.pts, atol=1e-6)
    assert frames[0].image.shape == (240, 320, 3) and frames[0].image.dtype == np.uint8


def test_variable_frame_rate_keeps_true_times(astronaut_vfr):
    frames = list(VideoFileSource(astronaut_vfr.path))
    pts = np.array([f.pts_s for f in frames])
    assert np.allclose(pts, astronaut_vfr.pts, atol=1e-4)
    gaps = np.diff(pts)
    assert gaps.max() > 2.5 * np.median(gaps)  # the hole is there, not smoothed away by an average fps
    naive = np.arange(len(frames)) / probe(astronaut_vfr.path).average_fps
    assert np.abs(naive - pts).max() > 0.05


def test_rotation_is_applied(rotated_mp4):
    frame = next(iter(VideoFileSource(rotated_mp4.path)))
    w, h = rotated_mp4.meta["coded_size"]
    assert frame.image.shape[:2] == (w, h)  # displayed upright: width and height swapped


def test_avi_mpeg4(astronaut_mpeg4):
    frames = list(open_source(astronaut_mpeg4.path))
    assert len(frames) == len(astronaut_mpeg4.pts)
    assert np.allclose([f.pts_s for f in frames], astronaut_mpeg4.pts, atol=1e-3)


def test_image_folder_times_from_names(image_folder_timed):
    src = ImageFolderSource(image_folder_timed.path)
    assert np.allclose([f.pts_s for f in src], image_folder_timed.pts)


def test_image_folder_needs_a_rate_without_times(image_folder_numbered):
    with pytest.raises(InvalidInputError, match="--fps"):
        ImageFolderSource(image_folder_numbered.path)
    src = ImageFolderSource(image_folder_numbered.path, fps=10)
    assert [round(f.pts_s, 6) for f in src][:3] == [0.0, 0.1, 0.2]


@pytest.mark.parametrize("name,expected", [("000031_1.250s", 1.25), ("t=0.040", 0.04), ("frame_0001", None),
                                           ("12s", 12.0)])
def test_time_from_name(name, expected):
    assert time_from_name(name) == expected


def test_frame_validates_its_arrays():
    with pytest.raises(ValueError, match="uint8"):
        Frame(0.0, 0, np.zeros((4, 4, 3), np.float32))
    with pytest.raises(ValueError, match="finite"):
        Frame(float("nan"), 0, np.zeros((4, 4, 3), np.uint8))


def test_missing_and_empty(tmp_path):
    with pytest.raises(InputNotFoundError):
        VideoFileSource(tmp_path / "nope.mp4")
    empty = tmp_path / "e.mp4"
    empty.write_bytes(b"")
    with pytest.raises(InvalidInputError, match="empty"):
        VideoFileSource(empty)


def test_prefetch_keeps_order_and_errors():
    from microcue.video.prefetch import prefetch

    def gen():
        yield from range(10)
        raise InvalidInputError("broken at 10")

    got = []
    with pytest.raises(InvalidInputError, match="broken"):
        for x in prefetch(gen(), maxsize=2):
            got.append(x)
    assert got == list(range(10))
    it = prefetch(iter(range(1000)), maxsize=2)
    assert next(it) == 0
    it.close()  # stops the producer without draining
