"""Robustness smoke on the noisy in-the-wild set (labels unreliable: NOT for fitting or accuracy claims).

    PYTHONPATH=src .venv/bin/python bench/noisy_smoke.py [--calibration PATH]

Scores a calibration JSON (default: the shipped one) on the cached landmarker outputs of
labels_noisy_legend.csv (bench/out/raw_noisy.npz, made on first use, ~45 s), against the JSON's still-image
neutral, exactly as ``microcue eval images`` does. Prints mean per-class recall over the 7 classes with enough
rows, the recall of the two classes whose labels are the least ambiguous (happiness, neutral) and how many of them
are called fear (the failure this check was made for: open / stretched mouths read as fear).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from accuracy import cache_raw, noisy_report, raw_aus

from microcue.signals.emotions import load_calibration


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calibration", type=Path, default=None)
    args = ap.parse_args(argv)
    from microcue.signals.aus import AU_NAMES
    from microcue.signals.baseline import shipped_calibration

    cal = json.loads(args.calibration.read_text()) if args.calibration else shipped_calibration()
    model = load_calibration(args.calibration) if args.calibration else load_calibration()
    still = np.array([cal["still_neutral"][n] for n in AU_NAMES])
    d = cache_raw("noisy")
    r = noisy_report(model, still, raw_aus(d), np.array(d["labels"]))
    print(json.dumps(r, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
