"""Make small, real-face test inputs on the fly with PyAV (no shipped files, no network).

Every video helper writes the file at ``path`` and returns the exact presentation times (float seconds, from the
integer pts and time base that were written) so tests can compare a reader's ``Frame.pts_s`` with the truth.

The face is NASA's astronaut portrait (Eileen Collins) from ``skimage.data.astronaut()`` (public domain), cropped
around her face.  Her face sits at about x 180-270, y 72-177 in the 512x512 original; mouth corners at
(202, 139) and (245, 141), brows at (198, 87) and (254, 90) -- measured once with MediaPipe's Face Landmarker
and hard-coded here so the helpers need no model.  Note she already smiles in the photo (mouthSmile ~0.9), so
"frown" (corners down) and the brow kinds give the clearest change; "smile" pushes the corners further up.
Measured with the Face Landmarker at strength 1 (320x240): neutral-ish photo mouthSmileLeft 0.90; smile 0.96;
frown 0.54; brow_lower browDownLeft 0.04 -> 0.19; brow_raise browOuterUpLeft 0.07 -> 0.63.

Bad-input helpers: :func:`truncated_copy`, :func:`not_a_video`, :func:`empty_file`, :func:`audio_only`,
:func:`no_face_video`.  Image folders: :func:`image_folder` (``{index:06d}_{t:.3f}s.png`` or ``{index:06d}.png``).
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Iterable, Sequence
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

__all__ = [
    "ASTRONAUT_FACE_BOX",
    "EXPRESSION_KINDS",
    "astronaut_face",
    "astronaut_frame",
    "astronaut_image",
    "astronaut_video",
    "audio_only",
    "empty_file",
    "gallery_video",
    "grid_tiles",
    "image_folder",
    "no_face_video",
    "not_a_video",
    "rotated_video",
    "truncated_copy",
    "write_video",
]

#: Face box (x0, y0, x1, y1) of the astronaut in the 512x512 original (landmark extent).
ASTRONAUT_FACE_BOX = (181.0, 72.0, 270.0, 177.0)
_MOUTH_CORNERS = ((202.3, 139.2), (244.5, 140.6))
_BROWS = ((197.5, 86.6), (254.2, 89.6))
_FACE_CENTRE = (225.0, 125.0)
#: Expression kinds understood by :func:`astronaut_video` / :func:`astronaut_frame`.
EXPRESSION_KINDS = ("smile", "frown", "brow_lower", "brow_raise")

_ASTRONAUT: np.ndarray | None = None


def astronaut_image() -> np.ndarray:
    """The 512x512x3 uint8 RGB astronaut portrait (cached, read-only copy)."""
    global _ASTRONAUT
    if _ASTRONAUT is None:
        from skimage import data

        img = np.ascontiguousarray(data.astronaut()[..., :3])
        img.setflags(write=False)
        _ASTRONAUT = img
    return _ASTRONAUT


# ----------------------------------------------------------------------------------------------- expression warp
def _bump(shape: tuple[int, int], centre: tuple[float, float], sigma: float) -> np.ndarray:
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    return np.exp(-((xx - centre[0]) ** 2 + (yy - centre[1]) ** 2) / (2 * sigma**2)).astype(np.float32)


_WARP_CACHE: dict[str, tuple[np.ndarray, np.ndarray]] = {}


def _unit_field(kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Displacement (dx, dy) in source pixels for strength 1 (content moves by +dx, +dy)."""
    if kind in _WARP_CACHE:
        return _WARP_CACHE[kind]
    shape = (512, 512)
    dx = np.zeros(shape, np.float32)
    dy = np.zeros(shape, np.float32)
    if kind in ("smile", "frown"):
        sign = -1.0 if kind == "smile" else 1.0
        for i, c in enumerate(_MOUTH_CORNERS):
            g = _bump(shape, c, 7.0)
            dy += sign * 6.0 * g
            dx += (-1.0 if i == 0 else 1.0) * (2.5 if kind == "smile" else -1.0) * g
    elif kind in ("brow_lower", "brow_raise"):
        sign = 1.0 if kind == "brow_lower" else -1.0
        for i, c in enumerate(_BROWS):
            g = _bump(shape, c, 11.0)
            dy += sign * 6.0 * g
            if kind == "brow_lower":  # corrugator: brows also pull together
                dx += (1.0 if i == 0 else -1.0) * 2.5 * g
    else:
        raise ValueError(f"unknown expression kind {kind!r}; expected one of {EXPRESSION_KINDS}")
    _WARP_CACHE[kind] = (dx, dy)
    return dx, dy


def _warp_expression(img: np.ndarray, kind: str, strength: float) -> np.ndarray:
    if strength <= 0:
        return img
    dx, dy = _unit_field(kind)
    h, w = img.shape[:2]
    xx, yy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    # backward map: output pixel p samples the source at p - d, so content moves by +d
    return cv2.remap(
        img, xx - strength * dx, yy - strength * dy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT
    )


def _envelope(t: float, onset: float, offset: float) -> float:
    """0 outside [onset, offset]; smooth rise over the first 30 %, hold, smooth fall over the last 30 %."""
    if t <= onset or t >= offset:
        return 0.0
    ramp = 0.3 * (offset - onset)
    if t < onset + ramp:
        x = (t - onset) / ramp
    elif t > offset - ramp:
        x = (offset - t) / ramp
    else:
        return 1.0
    return 0.5 - 0.5 * math.cos(math.pi * x)


def _parse_expression(expression) -> tuple[str, float, float, float] | None:
    if expression is None:
        return None
    if isinstance(expression, dict):
        kind = expression["kind"]
        onset, offset = float(expression["onset_s"]), float(expression["offset_s"])
        strength = float(expression.get("strength", 1.0))
    else:
        kind, onset, offset, *rest = expression
        strength = float(rest[0]) if rest else 1.0
    if kind not in EXPRESSION_KINDS:
        raise ValueError(f"unknown expression kind {kind!r}; expected one of {EXPRESSION_KINDS}")
    if not offset > onset:
        raise ValueError(f"expression offset {offset} must be after onset {onset}")
    return kind, float(onset), float(offset), strength


# ------------------------------------------------------------------------------------------------ frames
def astronaut_frame(
    t: float = 0.0,
    *,
    size: tuple[int, int] = (320, 240),
    expression=None,
    motion: bool = True,
    face_fraction: float = 0.45,
) -> np.ndarray:
    """One (H, W, 3) uint8 RGB frame at time ``t``: the astronaut's face, gently moving, with an optional expression.

    ``size`` is (width, height).  ``face_fraction`` is the face-box height over the frame height.
    ``expression``: None, ``(kind, onset_s, offset_s[, strength])`` or ``{"kind", "onset_s", "offset_s", "strength"}``
    with kind in :data:`EXPRESSION_KINDS`; strength 1.0 moves mouth corners ~6 px in the 512 px original.
    Head motion (if ``motion``): ~0.4 Hz sway of a few pixels, a slow +-3 degree roll and a +-3 % zoom.
    """
    img = astronaut_image()
    exp = _parse_expression(expression)
    if exp is not None:
        kind, onset, offset, strength = exp
        img = _warp_expression(img, kind, strength * _envelope(t, onset, offset))
    w, h = size
    _fx0, fy0, _fx1, fy1 = ASTRONAUT_FACE_BOX
    scale = face_fraction * h / (fy1 - fy0)
    angle = 0.0
    shift = np.zeros(2)
    if motion:
        angle = 3.0 * math.sin(2 * math.pi * 0.23 * t)
        scale *= 1.0 + 0.03 * math.sin(2 * math.pi * 0.17 * t + 1.0)
        shift = np.array(
            [0.03 * w * math.sin(2 * math.pi * 0.4 * t), 0.02 * h * math.sin(2 * math.pi * 0.31 * t)]
        )
    m = cv2.getRotationMatrix2D(_FACE_CENTRE, angle, scale)
    m[:, 2] += np.array([w / 2, h / 2]) - np.array(_FACE_CENTRE) + shift
    return cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def astronaut_face(size: tuple[int, int] = (160, 120), **kw) -> np.ndarray:
    """A still astronaut face image of ``size`` (width, height) -- a handy source for :func:`gallery_video`."""
    return astronaut_frame(0.0, size=size, motion=False, **kw)


# ------------------------------------------------------------------------------------------------ writing
def _even(n: int) -> int:
    return int(n) + (int(n) % 2)


def write_video(
    path: str | Path,
    frames: Iterable[np.ndarray],
    pts_ticks: Sequence[int],
    *,
    time_base: Fraction,
    rate: int | Fraction = 25,
    codec: str = "libx264",
    faststart: bool = False,
    rotation: float | None = None,
) -> list[float]:
    """Encode RGB ``frames`` with explicit integer ``pts_ticks`` in ``time_base``; return the pts in seconds.

    Container is chosen by the extension. libx264 is encoded without B-frames (``bf=0``) so decode order equals
    presentation order and no edit-list shift appears; pts are written exactly as given.
    """
    path = Path(path)
    opts = {"movflags": "+faststart"} if faststart and path.suffix.lower() in (".mp4", ".mov", ".m4v") else {}
    container = av.open(str(path), "w", options=opts)
    try:
        stream = container.add_stream(codec, rate=rate)
        stream.pix_fmt = "yuv420p"
        stream.time_base = time_base
        stream.codec_context.time_base = time_base
        if codec == "libx264":
            stream.options = {"bf": "0", "preset": "veryfast", "crf": "20"}
        elif codec == "mpeg4":
            stream.options = {"qscale": "3"}
        if rotation is not None:
            stream.set_display_rotation(rotation)
        first = True
        for img, tick in zip(frames, pts_ticks, strict=True):
            if first:
                stream.width, stream.height = img.shape[1], img.shape[0]
                first = False
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="rgb24")
            frame.pts = int(tick)
            frame.time_base = time_base
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    finally:
        container.close()
    return [float(Fraction(int(k)) * time_base) for k in pts_ticks]


def _cfr_ticks(seconds: float, fps: int) -> list[int]:
    return list(range(max(1, round(seconds * fps))))


def _vfr_ms(seconds: float, fps: int, seed: int = 0) -> list[int]:
    """Irregular times in whole ms: intervals from 0.4x to 2.5x the nominal one, including a 0.3 s hole."""
    rng = np.random.default_rng(seed)
    nominal = 1000 / fps
    times, t = [], 0
    while t < seconds * 1000:
        times.append(int(t))
        gap = nominal * rng.choice([0.4, 0.7, 1.0, 1.0, 1.3, 2.5])
        if len(times) == 10:
            gap = 300  # a dropped-frames hole
        t += max(1, round(gap))
    return times


def astronaut_video(
    path: str | Path,
    *,
    seconds: float = 2.0,
    fps: int = 25,
    size: tuple[int, int] = (320, 240),
    expression=None,
    codec: str = "libx264",
    vfr: bool = False,
    faststart: bool = False,
    motion: bool = True,
) -> list[float]:
    """Write a video of the astronaut's face with gentle head motion; return the exact pts (s) written.

    ``size`` is (width, height), made even.  ``codec``: "libx264" or "mpeg4".  ``expression``: see
    :func:`astronaut_frame`, e.g. ``("frown", 0.8, 1.4)``.  Constant frame rate uses time base 1/fps and pts
    0, 1, 2...; ``vfr=True`` uses time base 1/90000 (1/1000 for mpeg4) with irregular whole-ms
    intervals (0.4x-2.5x nominal, one 0.3 s hole)
    so a reader that computes index / fps gets the times wrong.  ``faststart`` moves the mp4 index to the front
    (then a truncated copy still opens and decodes its first part).
    """
    size = (_even(size[0]), _even(size[1]))
    if vfr:
        # whole-ms times so every container (mp4, mkv's 1/1000) stores them exactly; mpeg4 cannot take 1/90000
        ms = _vfr_ms(seconds, fps)
        if codec == "mpeg4":
            ticks, tb = ms, Fraction(1, 1000)
        else:
            ticks, tb = [m * 90 for m in ms], Fraction(1, 90000)
    else:
        ticks, tb = _cfr_ticks(seconds, fps), Fraction(1, fps)
    frames = (astronaut_frame(float(k * tb), size=size, expression=expression, motion=motion) for k in ticks)
    return write_video(path, frames, ticks, time_base=tb, rate=fps, codec=codec, faststart=faststart)


def rotated_video(
    path: str | Path,
    rotation: float = 90,
    *,
    seconds: float = 1.0,
    fps: int = 25,
    size: tuple[int, int] = (320, 240),
) -> list[float]:
    """Write an astronaut video whose stream carries a display-matrix rotation; return the pts (s).

    PyAV 18 writes it with ``VideoStream.set_display_rotation(degrees)`` (an AV_PKT_DATA_DISPLAYMATRIX on the
    stream); on decode ``VideoFrame.rotation`` reads the same value back (checked: 90 -> 90).  FFmpeg's
    convention: ``rotation`` is the counter-clockwise angle to turn the coded picture by for display.  The coded
    pixels hold the face turned by -``rotation`` (sideways for 90/270) and are ``size`` (w, h) before rotation, so
    the face is upright only for a reader that applies the matrix -- i.e. ``np.rot90(image, k=rotation // 90)``
    -- and the displayed size is (h, w) for 90/270.
    """
    w, h = _even(size[0]), _even(size[1])
    ticks = _cfr_ticks(seconds, fps)
    k = round(rotation / 90.0) % 4
    disp = (h, w) if k % 2 else (w, h)
    frames = (np.ascontiguousarray(np.rot90(astronaut_frame(i / fps, size=disp), k=-k)) for i in ticks)
    return write_video(path, frames, ticks, time_base=Fraction(1, fps), rate=fps, rotation=rotation)


# ------------------------------------------------------------------------------------------------ gallery
def grid_tiles(
    layout: tuple[int, int], size: tuple[int, int], *, border: int = 4
) -> list[tuple[int, int, int, int]]:
    """Tile rectangles (x0, y0, x1, y1) of a ``layout`` = (columns, rows) grid in a frame of ``size`` (w, h).

    Row-major order; tiles are separated by ``border`` pixels.
    """
    cols, rows = layout
    w, h = size
    tw = (w - border * (cols + 1)) // cols
    th = (h - border * (rows + 1)) // rows
    tiles = []
    for r in range(rows):
        for c in range(cols):
            x0 = border + c * (tw + border)
            y0 = border + r * (th + border)
            tiles.append((x0, y0, x0 + tw, y0 + th))
    return tiles


def _fit(img: np.ndarray, tw: int, th: int) -> np.ndarray:
    """Resize ``img`` to cover (tw, th) keeping aspect, then centre-crop."""
    h, w = img.shape[:2]
    s = max(tw / w, th / h)
    nw, nh = max(tw, math.ceil(w * s)), max(th, math.ceil(h * s))
    r = cv2.resize(img, (nw, nh), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
    x0, y0 = (nw - tw) // 2, (nh - th) // 2
    return r[y0 : y0 + th, x0 : x0 + tw]


def gallery_video(
    path: str | Path,
    sources: Sequence[np.ndarray | None],
    *,
    layout: tuple[int, int] = (2, 1),
    size: tuple[int, int] = (640, 360),
    seconds: float = 1.0,
    fps: int = 25,
    border: int = 4,
) -> list[float]:
    """Write a video-call gallery grid from arrays; return the pts (s).

    ``sources``: one entry per tile (row-major, up to columns*rows): an (H, W, 3) uint8 RGB still, a
    (T, H, W, 3) stack played in a loop, or None for a camera-off tile (grey with a name initial).  Each source is
    scaled to cover its tile and centre-cropped; tile rectangles are :func:`grid_tiles` (layout, size, border).
    """
    size = (_even(size[0]), _even(size[1]))
    tiles = grid_tiles(layout, size, border=border)
    if len(sources) > len(tiles):
        raise ValueError(f"{len(sources)} sources for a {layout} grid with {len(tiles)} tiles")
    ticks = _cfr_ticks(seconds, fps)
    fitted: list[np.ndarray | None] = []
    for src, (x0, y0, x1, y1) in zip(sources, tiles):
        if src is None:
            fitted.append(None)
            continue
        arr = np.asarray(src, dtype=np.uint8)
        if arr.ndim == 3:
            arr = arr[None]
        if arr.ndim != 4 or arr.shape[-1] != 3:
            raise ValueError(f"source must be (H, W, 3) or (T, H, W, 3) uint8 RGB, got shape {arr.shape}")
        fitted.append(np.stack([_fit(a, x1 - x0, y1 - y0) for a in arr]))

    def frames():
        for i in ticks:
            canvas = np.full((size[1], size[0], 3), 32, np.uint8)
            for n, (f, (x0, y0, x1, y1)) in enumerate(zip(fitted, tiles)):
                if f is None:
                    canvas[y0:y1, x0:x1] = 70
                    cx, cy = (x0 + x1) // 2, (y0 + y1) // 2
                    cv2.circle(canvas, (cx, cy), max(6, (y1 - y0) // 5), (110, 90, 160), -1)
                    cv2.putText(
                        canvas, chr(65 + n), (cx - 8, cy + 8), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (255,) * 3, 2
                    )
                else:
                    canvas[y0:y1, x0:x1] = f[i % len(f)]
            yield canvas

    return write_video(path, frames(), ticks, time_base=Fraction(1, fps), rate=fps)


# ------------------------------------------------------------------------------------------------ bad inputs
def truncated_copy(src: str | Path, dst: str | Path, fraction: float = 0.5) -> Path:
    """Copy the first ``fraction`` of ``src``'s bytes to ``dst`` and return ``dst``.

    A normal mp4 keeps its index (moov) at the end, so a truncated copy does not open at all
    (``av.error.InvalidDataError``); a faststart mp4 (``astronaut_video(..., faststart=True)``) still opens
    and decodes only its first frames before hitting the cut.
    """
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"fraction must be in (0, 1), got {fraction}")
    data = Path(src).read_bytes()
    Path(dst).write_bytes(data[: int(len(data) * fraction)])
    return Path(dst)


def not_a_video(path: str | Path) -> Path:
    """Write a text file (named whatever ``path`` says, e.g. ``.mp4``); return its path."""
    Path(path).write_text("This is not a video. It is a text file with a video's name.\n" * 20)
    return Path(path)


def empty_file(path: str | Path) -> Path:
    """Create a zero-byte file; return its path."""
    Path(path).write_bytes(b"")
    return Path(path)


def audio_only(path: str | Path, seconds: float = 1.0, *, rate: int = 16000, freq: float = 440.0) -> Path:
    """Write a container (``.m4a``/``.mp4``: AAC) holding only an audio stream: a sine tone.  Returns the path."""
    container = av.open(str(path), "w")
    try:
        stream = container.add_stream("aac", rate=rate)
        stream.layout = "mono"
        n = int(seconds * rate)
        t = np.arange(n) / rate
        samples = (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)
        block = 1024
        for i in range(0, n, block):
            chunk = samples[i : i + block]
            frame = av.AudioFrame.from_ndarray(chunk[None, :], format="fltp", layout="mono")
            frame.sample_rate = rate
            frame.pts = i
            frame.time_base = Fraction(1, rate)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    finally:
        container.close()
    return Path(path)


def no_face_video(
    path: str | Path,
    *,
    seconds: float = 1.0,
    fps: int = 25,
    size: tuple[int, int] = (320, 240),
    seed: int = 0,
) -> list[float]:
    """Write a valid video of moving colour gradients, blobs and noise -- no face anywhere; return the pts (s)."""
    w, h = _even(size[0]), _even(size[1])
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    ticks = _cfr_ticks(seconds, fps)

    def frames():
        for i in ticks:
            t = i / fps
            r = 127 + 100 * np.sin(xx / 37.0 + t * 2)
            g = 127 + 100 * np.sin(yy / 23.0 - t * 3)
            b = 127 + 100 * np.sin((xx + yy) / 51.0 + t)
            img = np.stack([r, g, b], -1) + rng.normal(0, 12, (h, w, 3))
            img = np.clip(img, 0, 255).astype(np.uint8)
            cv2.rectangle(img, (int(20 + 40 * t) % w, 30), (int(20 + 40 * t) % w + 50, 90), (20, 200, 60), -1)
            yield img

    return write_video(path, frames(), ticks, time_base=Fraction(1, fps), rate=fps)


def image_folder(
    directory: str | Path,
    n: int = 10,
    fps: float = 10.0,
    *,
    timed: bool = True,
    size: tuple[int, int] = (320, 240),
    start_index: int = 0,
) -> list[float]:
    """Write ``n`` astronaut PNG frames into ``directory`` and return their times (s).

    Naming convention: ``timed=True`` -> ``{index:06d}_{t:.3f}s.png`` (e.g. ``000003_0.300s.png``, time in seconds
    after the underscore, up to ms); ``timed=False`` -> plain ``{index:06d}.png`` (time must come from a given
    fps).  Times are ``index / fps`` either way.
    """
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    times = []
    for k in range(n):
        i = start_index + k
        t = round(i / fps, 3)
        img = astronaut_frame(t, size=size)
        name = f"{i:06d}_{t:.3f}s.png" if timed else f"{i:06d}.png"
        cv2.imwrite(str(d / name), cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
        times.append(t)
    return times


def copy_file(src: str | Path, dst: str | Path) -> Path:
    """shutil.copyfile returning the destination Path."""
    shutil.copyfile(src, dst)
    return Path(dst)


def talking_astronaut(path: str | Path, wav: str | Path, text: str | None = None, *, expression=None) -> float:
    """The astronaut video (25 fps, 320x240, optionally with an expression episode) with speech as its audio track:
    ``text`` spoken by espeak-ng into ``wav`` first when given, else ``wav`` as it is. Returns the length in s."""
    import subprocess

    if text is not None:
        subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(wav), text], check=True, capture_output=True)
    src = av.open(str(wav))
    samples = np.concatenate([f.to_ndarray().reshape(-1) for f in src.decode(audio=0)])
    rate = src.streams.audio[0].rate
    src.close()
    pcm = samples.astype(np.float32) / (32768.0 if samples.dtype == np.int16 else 1.0)
    seconds = len(pcm) / rate + 0.5
    out = av.open(str(path), "w")
    vs = out.add_stream("libx264", rate=25)
    vs.width, vs.height, vs.pix_fmt = 320, 240, "yuv420p"
    a = out.add_stream("aac", rate=rate)
    a.layout = "mono"
    for i in range(int(seconds * 25)):
        fr = av.VideoFrame.from_ndarray(astronaut_frame(i / 25, expression=expression), format="rgb24")
        fr.pts, fr.time_base = i, Fraction(1, 25)
        for p in vs.encode(fr):
            out.mux(p)
    _finish_with_audio(out, vs, a, pcm, rate, "fltp")
    return seconds


def wav_pcm(path: str | Path, fmt: str = "flt", rate: int = 16000) -> np.ndarray:
    """The first audio stream of ``path`` as mono samples (``fmt`` "flt" float32 or "s16" int16) at ``rate``."""
    with av.open(str(path)) as c:
        rs = av.AudioResampler(format=fmt, layout="mono", rate=rate)
        return np.concatenate([o.to_ndarray().reshape(-1) for f in c.decode(audio=0) for o in rs.resample(f)])


def voiced_video(src: str | Path, path: str | Path, lines: Sequence[tuple[float, str]], *, seconds: float,
                 workdir: str | Path) -> float:
    """The first ``seconds`` of the video ``src`` (frames and times as they are) with ``lines`` (``(start_s, text)``)
    spoken by espeak-ng at those times as its audio track (16 kHz mono AAC); wavs go to ``workdir``. So a real
    face whose mouth moves at those times gets a voice. Returns the length in s."""
    import subprocess

    rate = 16000
    track = np.zeros(int(seconds * rate), np.float32)
    for k, (start, text) in enumerate(lines):
        wav = Path(workdir) / f"line{k}.wav"
        subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(wav), text], check=True, capture_output=True)
        pcm = wav_pcm(wav, "flt", rate)
        i = int(start * rate)
        n = max(min(len(pcm), len(track) - i), 0)
        track[i:i + n] += pcm[:n]
    out = av.open(str(path), "w")
    with av.open(str(src)) as c:
        st = c.streams.video[0]
        vs = out.add_stream("libx264", rate=st.average_rate)
        vs.width, vs.height, vs.pix_fmt = st.codec_context.width, st.codec_context.height, "yuv420p"
        vs.time_base = vs.codec_context.time_base = Fraction(1, 1000)
        vs.options = {"bf": "0", "preset": "veryfast", "crf": "20"}
        a = out.add_stream("aac", rate=rate)  # both streams before the first packet
        a.layout = "mono"
        for f in c.decode(st):
            if f.time is None or f.time >= seconds:
                break
            fr = av.VideoFrame.from_ndarray(f.to_ndarray(format="rgb24"), format="rgb24")
            fr.pts, fr.time_base = int(round(f.time * 1000)), Fraction(1, 1000)
            for p in vs.encode(fr):
                out.mux(p)
    _finish_with_audio(out, vs, a, track, rate, "flt")
    return seconds


def _finish_with_audio(out, video_stream, audio_stream, pcm: np.ndarray, rate: int, fmt: str) -> None:
    """Encode mono float ``pcm`` into ``audio_stream`` in 1024-sample frames, flush both streams, close ``out``."""
    for k in range(0, len(pcm), 1024):
        af = av.AudioFrame.from_ndarray(pcm[None, k:k + 1024], format=fmt, layout="mono")
        af.sample_rate, af.pts, af.time_base = rate, k, Fraction(1, rate)
        for p in audio_stream.encode(af):
            out.mux(p)
    for st in (video_stream, audio_stream):
        for p in st.encode():
            out.mux(p)
    out.close()
