"""Face thumbnails for the report's key moments, only when the user asks (``--thumbnails``).

microcue keeps no images by default. With ``--thumbnails`` the recording is read once more and, for each event a
cue cites, the participant's face is cropped at the event's apex (using the face position in the signal rows)
and embedded in report.html. Nothing is written to disk besides the report itself.
"""

from __future__ import annotations

import numpy as np


def capture_thumbnails(video, events, cues, signals, *, size: int = 120) -> dict[str, bytes]:
    """``{event_id: PNG bytes}`` for the events the given cues cite."""
    import cv2

    from microcue.video import open_source

    cited = {eid for c in cues for eid in c.evidence.event_ids}
    wanted = sorted(((e.apex_s, e.id, e.participant) for e in events if e.id in cited), key=lambda x: x[0])
    if not wanted or signals is None or not len(signals):
        return {}
    out: dict[str, bytes] = {}
    k = 0
    prev = None
    for frame in open_source(video):
        while k < len(wanted) and frame.pts_s >= wanted[k][0]:
            apex, eid, pid = wanted[k]
            pick = frame if prev is None or abs(frame.pts_s - apex) <= abs(prev.pts_s - apex) else prev
            rows = signals[signals["participant"] == pid]
            if len(rows):
                r = rows.iloc[int(np.argmin(np.abs(rows["time_s"].to_numpy() - pick.pts_s)))]
                h, w = pick.image.shape[:2]
                cx, cy, half = r["face_x"] * w, r["face_y"] * h, max(8.0, 0.8 * r["face_px"])
                x0, y0 = int(max(0, cx - half)), int(max(0, cy - half))
                crop = pick.image[y0:int(min(h, cy + half)), x0:int(min(w, cx + half))]
                if crop.size:
                    crop = cv2.resize(crop, (size, size), interpolation=cv2.INTER_AREA)
                    ok, png = cv2.imencode(".png", cv2.cvtColor(crop, cv2.COLOR_RGB2BGR))
                    if ok:
                        out[eid] = png.tobytes()
            k += 1
        if k >= len(wanted):
            break
        prev = frame
    return out
