"""Events on natural footage, for checking by eye: spot an analysed clip's signal rows (with the audio's voice
activity, as ``microcue analyze`` does), list the events and render each event's apex frame to one PNG sheet.

    python bench/spot_natural.py VIDEO RUN_DIR OUT.png [--param NAME=VALUE ...] [--strips OUT_STRIPS.png]

RUN_DIR is a ``microcue analyze VIDEO --out RUN_DIR`` folder (its signals.parquet is re-spotted, so a changed
spotter can be compared with the events.json the run wrote). Every event is listed; the sheet shows the apex frame
of expression events and brow flashes, labelled with time, kind, emotion and AUs. ``--strips`` also writes one row
per event of face crops (0.3 s before onset, onset, apex, offset), for telling an expression from speech, a blink or
head motion; long runs are split into several numbered PNGs.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def spot(video: Path, run_dir: Path, params: dict) -> list:
    import pandas as pd

    from microcue.events import spot_events
    from microcue.events.vad import speech_at, voice_activity

    df = pd.read_parquet(run_dir / "signals.parquet")
    times, is_speech = voice_activity(video)
    if len(times):
        df["speech"] = [None if v is None else float(v) for v in speech_at(df["time_s"].to_numpy(), times, is_speech)]
    return spot_events(df, **params)


def sheet(video: Path, events: list, out: Path, cols: int = 4, width: int = 320) -> None:
    import av
    import cv2
    import numpy as np

    want = sorted(((e.apex_s, e) for e in events if e.kind in ("micro", "macro", "brow_flash")), key=lambda p: p[0])
    tiles = []
    k = 0
    with av.open(str(video)) as c:
        st = c.streams.video[0]
        for fr in c.decode(st):
            t = float(fr.pts * st.time_base)
            while k < len(want) and t + 0.5 / float(st.average_rate or 30) >= want[k][0]:
                e = want[k][1]
                img = fr.to_ndarray(format="bgr24")
                img = cv2.resize(img, (width, int(img.shape[0] * width / img.shape[1])))
                label = f"{e.apex_s:.2f}s {e.kind} {e.emotion or ''}"
                cv2.putText(img, label, (4, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 255), 2)
                cv2.putText(img, "+".join(e.aus)[:40], (4, 38), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 255), 1)
                tiles.append(img)
                k += 1
    if not tiles:
        return
    h = max(t.shape[0] for t in tiles)
    tiles = [np.pad(t, ((0, h - t.shape[0]), (0, 0), (0, 0))) for t in tiles]
    tiles += [np.zeros_like(tiles[0])] * (-len(tiles) % cols)
    rows = [np.hstack(tiles[i:i + cols]) for i in range(0, len(tiles), cols)]
    cv2.imwrite(str(out), np.vstack(rows))


def _crop(img, row, scale: float = 1.8, size: int = 200):
    """A square crop around the face of a signal row (``face_x``/``face_y``/``face_px``), resized to ``size``."""
    import cv2
    import numpy as np

    h, w = img.shape[:2]
    if row is None or not np.isfinite(row["face_px"]):
        side, cx, cy = min(h, w), w / 2, h / 2
    else:
        side, cx, cy = row["face_px"] * scale, row["face_x"] * w, row["face_y"] * h
    x0, y0 = int(max(0, cx - side / 2)), int(max(0, cy - side / 2))
    x1, y1 = int(min(w, cx + side / 2)), int(min(h, cy + side / 2))
    return cv2.resize(np.ascontiguousarray(img[y0:y1, x0:x1]), (size, size))


def strips(video: Path, run_dir: Path, events: list, out: Path, per_file: int = 6, size: int = 200) -> list[Path]:
    """One row per expression event / brow flash: face crops before onset, at onset, apex and offset."""
    import av
    import cv2
    import numpy as np
    import pandas as pd

    df = pd.read_parquet(run_dir / "signals.parquet").sort_values("time_s")
    evs = sorted((e for e in events if e.kind in ("micro", "macro", "brow_flash")), key=lambda e: e.apex_s)
    wants = sorted({round(t, 3) for e in evs for t in (max(0.0, e.onset_s - 0.3), e.onset_s, e.apex_s, e.offset_s)})
    frames = {}
    k = 0
    with av.open(str(video)) as c:
        st = c.streams.video[0]
        half = 0.5 / float(st.average_rate or 30)
        for fr in c.decode(st):
            t = float(fr.pts * st.time_base)
            if k < len(wants) and t + half >= wants[k]:
                img = fr.to_ndarray(format="bgr24")
                while k < len(wants) and t + half >= wants[k]:
                    frames[wants[k]] = (t, img)
                    k += 1
    ts = df["time_s"].to_numpy()

    def row_at(t):
        i = int(np.clip(np.searchsorted(ts, t), 0, len(ts) - 1))
        return df.iloc[i]

    rows = []
    for e in evs:
        tiles = []
        for name, t in (("pre", max(0.0, e.onset_s - 0.3)), ("on", e.onset_s), ("apex", e.apex_s), ("off", e.offset_s)):
            ft, img = frames.get(round(t, 3), (t, None))
            tile = np.zeros((size, size, 3), np.uint8) if img is None else _crop(img, row_at(t), size=size)
            cv2.putText(tile, f"{name} {ft:.2f}", (4, size - 8), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 255, 255), 1)
            tiles.append(tile)
        label = np.zeros((size, size + size // 4, 3), np.uint8)
        lines = [f"{e.onset_s:.2f}-{e.offset_s:.2f} apex {e.apex_s:.2f}", f"{e.kind} {e.emotion or ''}",
                 "+".join(e.aus)[:30], ",".join(e.flags)[:30], f"c={e.confidence:.2f}"]
        for j, line in enumerate(lines):
            cv2.putText(label, line, (4, 24 + 26 * j), cv2.FONT_HERSHEY_SIMPLEX, 0.42, (255, 255, 255), 1)
        rows.append(np.hstack(tiles + [label]))
    paths = []
    for n, i in enumerate(range(0, len(rows), per_file)):
        path = out if len(rows) <= per_file else out.with_name(f"{out.stem}_{n + 1}{out.suffix}")
        cv2.imwrite(str(path), np.vstack(rows[i:i + per_file]))
        paths.append(path)
    return paths


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("video", type=Path)
    ap.add_argument("run_dir", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--param", action="append", default=[], help="NAME=VALUE spotter parameter")
    ap.add_argument("--strips", type=Path, help="also write per-event face crops (pre, onset, apex, offset) here")
    a = ap.parse_args()
    params = {k: float(v) for k, v in (p.split("=", 1) for p in a.param)}
    events = spot(a.video, a.run_dir, params)
    for e in events:
        print(f"{e.kind:13s} {e.onset_s:6.2f}-{e.offset_s:6.2f} apex {e.apex_s:6.2f} {e.emotion or '':9s} "
              f"{'+'.join(e.aus):28s} {','.join(e.flags):30s} c={e.confidence:.2f}")
    sheet(a.video, events, a.out)
    if a.strips:
        strips(a.video, a.run_dir, events, a.strips)
    a.out.with_suffix(".json").write_text(json.dumps([e.to_dict() for e in events], indent=1))


if __name__ == "__main__":
    main()
