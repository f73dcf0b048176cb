"""Many recordings in one run, resumable and splittable across machines: ``microcue batch``.

For teams that analyse thousands of calls: each recording is one :func:`microcue.job.run_call` into its own
output folder. A recording that fails (corrupt, truncated, not a video, a bad transcript) is recorded with its
one-line error and the batch goes on; one with no face is a success ("no_faces"). Every finished item is appended
to ``batch.csv`` at once (so a killed batch keeps its ledger) and marked done in its folder, so running the same
command again skips what is finished (``--force`` redoes it). ``--shard K/N`` takes every N-th recording of the
sorted list starting at the K-th: N machines given the same inputs and shards 1/N ... N/N split the work
without talking to each other.

Sidecars: ``NAME.vtt`` / ``NAME.srt`` / ``NAME.txt`` next to ``NAME.mp4`` is its transcript, ``NAME.roles`` its
roles file (one ``WHERE=ROLE[:NAME]`` per line), both picked up when present.
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from microcue.errors import InputNotFoundError, InvalidInputError, MicrocueError
from microcue.video.file import VIDEO_SUFFIXES

TRANSCRIPT_SUFFIXES = (".vtt", ".srt", ".txt")
ROLES_SUFFIX = ".roles"
DONE_FILE = "batch-done.json"
LEDGER = "batch.csv"


@dataclass
class BatchItem:
    """One line of ``batch.csv``."""

    recording: str
    out_dir: str
    status: str
    """``done``, ``no_faces``, ``failed`` or ``skipped`` (done by an earlier run)."""
    call_id: int | None = None
    frames: int | None = None
    participants: int | None = None
    events: int | None = None
    cues: int | None = None
    seconds: float | None = None
    error: str = ""


def parse_shard(text: str | None) -> tuple[int, int] | None:
    """``"K/N"`` (1 <= K <= N) -> ``(K, N)``."""
    if text is None:
        return None
    try:
        k, n = (int(x) for x in text.split("/"))
    except ValueError:
        raise InvalidInputError(f"--shard must look like K/N (e.g. 2/8), got {text!r}") from None
    if not 1 <= k <= n:
        raise InvalidInputError(f"--shard K/N needs 1 <= K <= N, got {text!r}")
    return k, n


def find_recordings(inputs: Iterable[str | Path], *, list_file: str | Path | None = None) -> list[tuple[Path, Path]]:
    """``(recording, root)`` pairs, sorted and without duplicates: files as given, folders searched recursively
    for video files, and the lines of ``list_file`` (one path a line; ``#`` comments). ``root`` is the folder
    the recording's output path is made relative to."""
    found: dict[Path, Path] = {}
    paths = [Path(p) for p in inputs]
    if list_file is not None:
        lf = Path(list_file)
        if not lf.is_file():
            raise InputNotFoundError(f"{lf}: no such list file")
        for line in lf.read_text(encoding="utf-8").splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                p = Path(line)
                paths.append(p if p.is_absolute() else lf.parent / p)
    for p in paths:
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and f.suffix.lower() in VIDEO_SUFFIXES:
                    found.setdefault(f.resolve(), p.resolve())
        else:
            # a missing or unreadable file is kept: it fails as its own item with its own error line
            found.setdefault(p.resolve(), p.resolve().parent)
    return sorted(found.items())


def take_shard(items: list, shard: tuple[int, int] | None) -> list:
    if shard is None:
        return items
    k, n = shard
    return items[k - 1::n]


def out_dir_for(recording: Path, root: Path, out: Path) -> Path:
    """``out / <path below root without the suffix>``: ``calls/2026/a.mp4`` under ``calls`` -> ``out/2026/a``."""
    try:
        rel = recording.relative_to(root)
    except ValueError:
        rel = Path(recording.name)
    return out / rel.with_suffix("")


def sidecar(recording: Path, suffixes: Iterable[str]) -> Path | None:
    for s in suffixes:
        p = recording.with_suffix(s)
        if p.is_file():
            return p
    return None


def run_batch(recordings: list[tuple[Path, Path]], out: str | Path, *, roles: Iterable = (), force: bool = False,
              progress_for=None, **call_options) -> Iterator[BatchItem]:
    """Analyse each recording with :func:`microcue.job.run_call` (``call_options`` are passed on), appending
    each result to ``out/batch.csv`` as it finishes. ``roles`` apply to every recording, after its own
    ``.roles`` sidecar. ``progress_for(recording)`` may return a per-frame progress callback. Yields the items."""
    from microcue.faces.participants import read_roles_file
    from microcue.job import run_call

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ledger = out / LEDGER
    new = not ledger.exists()
    fields = list(BatchItem.__dataclass_fields__)
    with ledger.open("a", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        if new:
            writer.writeheader()
        for recording, root in recordings:
            item_out = out_dir_for(recording, root, out)
            item = BatchItem(str(recording), str(item_out), "failed")
            done = item_out / DONE_FILE
            if done.exists() and not force:
                item = BatchItem(**{**json.loads(done.read_text()), "status": "skipped"})
            else:
                started = time.perf_counter()
                try:
                    rf = sidecar(recording, (ROLES_SUFFIX,))
                    specs = (read_roles_file(rf) if rf else []) + list(roles)
                    progress = progress_for(recording) if progress_for else None
                    job = run_call(recording, item_out, roles=specs,
                                   transcript=sidecar(recording, TRANSCRIPT_SUFFIXES), progress=progress,
                                   **call_options)
                    r = job.result
                    item.status = "no_faces" if r.no_faces else "done"
                    item.call_id = job.call_id
                    item.frames = int(r.summary.get("frames", 0))
                    item.participants = len(r.participants)
                    item.events = len(r.events)
                    item.cues = len([c for c in job.after.cues if not c.private])
                    item.error = "; ".join(job.warnings)
                except MicrocueError as exc:
                    item.error = str(exc)
                item.seconds = round(time.perf_counter() - started, 2)
                if item.status != "failed":
                    done.write_text(json.dumps(asdict(item)))
            writer.writerow(asdict(item))
            fh.flush()
            yield item
