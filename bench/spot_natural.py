"""Events on natural footage, for checking by eye: spot an analysed clip's signal rows (with the audio's voice
activity, as ``microcue analyze`` does), list the events and render each event's apex frame to one PNG sheet.

    python bench/spot_natural.py VIDEO RUN_DIR OUT.png [--param NAME=VALUE ...]

RUN_DIR is a ``microcue analyze VIDEO --out RUN_DIR`` folder (its signals.parquet is re-spotted, so a changed
spotter can be compared with the events.json the run wrote). Every event is listed; the sheet shows the apex frame
of expression events and brow flashes, labelled with time, kind, emotion and AUs.
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

    want = sorted((e.apex_s, e) for e in events if e.kind in ("micro", "macro", "brow_flash"))
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("video", type=Path)
    ap.add_argument("run_dir", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--param", action="append", default=[], help="NAME=VALUE spotter parameter")
    a = ap.parse_args()
    params = {k: float(v) for k, v in (p.split("=", 1) for p in a.param)}
    events = spot(a.video, a.run_dir, params)
    for e in events:
        print(f"{e.kind:13s} {e.onset_s:6.2f}-{e.offset_s:6.2f} apex {e.apex_s:6.2f} {e.emotion or '':9s} "
              f"{'+'.join(e.aus):28s} {','.join(e.flags):30s} c={e.confidence:.2f}")
    sheet(a.video, events, a.out)
    a.out.with_suffix(".json").write_text(json.dumps([e.to_dict() for e in events], indent=1))


if __name__ == "__main__":
    main()
