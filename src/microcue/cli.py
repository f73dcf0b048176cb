"""The `microcue` command: a thin layer over the public API.

User errors (MicrocueError) print one line to stderr and exit 2; no traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from microcue.errors import MicrocueError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Read the faces in a sales call: action units, emotions and cues, offline.")
eval_app = typer.Typer(no_args_is_help=True, help="Measure accuracy against labelled data.")
app.add_typer(eval_app, name="eval")


DbOption = Annotated[str | None, typer.Option("--db", help="SQLite file or PostgreSQL URL (default: $MICROCUE_DB "
                                                           "or the SQLite file in your user data folder).")]


def _fail(msg: str, code: int = 2) -> None:
    typer.echo(f"microcue: error: {msg}", err=True)
    raise typer.Exit(code)


@app.command()
def analyze(
    video: Annotated[Path, typer.Argument(
        help="Call recording (mp4, mov, mkv, webm, avi, wmv) or a folder of images.")],
    out: Annotated[Path, typer.Option("-o", "--out", help="Output folder.")] = Path("microcue-out"),
    role: Annotated[list[str] | None, typer.Option(
        "--role", help="WHERE=ROLE[:NAME], e.g. left=seller:Dana (repeatable). WHERE: a position or a track id.",
    )] = None,
    roles_file: Annotated[Path | None, typer.Option(
        "--roles-file", help="Sidecar file with one WHERE=ROLE[:NAME] per line.")] = None,
    fps: Annotated[float | None, typer.Option(help="Frame rate of an image folder whose names carry no times.",
                                              min=0.01)] = None,
    csv: Annotated[bool, typer.Option("--csv", help="Also write signals.csv.")] = False,
    transcript: Annotated[Path | None, typer.Option(
        "--transcript", help="Meeting transcript: WebVTT or SRT (Zoom, Teams) or Google Meet text.")] = None,
    asr_model: Annotated[str | None, typer.Option(
        "--asr-model", help="Without --transcript: transcribe offline with this faster-whisper model (a local folder "
        "or a name in your own cache; needs the asr extra; never downloads).")] = None,
    speaker: Annotated[list[str] | None, typer.Option(
        "--speaker", help='Correct the speaker-to-face mapping: "Transcript Name"=WHERE (repeatable).')] = None,
    playbook: Annotated[Path | None, typer.Option(
        "--playbook", help="Your team's playbook (YAML): suggested responses per cue kind.")] = None,
    self_coaching: Annotated[bool, typer.Option(
        "--self-coaching",
        help="Include the seller's private self-coaching (never stored in a shared database).")] = False,
    thumbnails: Annotated[bool, typer.Option(
        "--thumbnails", help="Put small face images of the key moments in report.html (none by default).")] = False,
    db: Annotated[str | None, typer.Option(
        "--db", help="Where calls are kept: a SQLite file or PostgreSQL URL (default: $MICROCUE_DB, else a SQLite "
        "file in your user data folder).")] = None,
    no_store: Annotated[bool, typer.Option("--no-store", help="Do not keep this call in the store.")] = False,
    calibrations: Annotated[Path | None, typer.Option(
        "--calibrations", help="Folder of per-person neutral baselines: named participants start from theirs "
        "and theirs is saved back.")] = None,
    workers: Annotated[int | None, typer.Option(
        "--workers", help="Processes for the face pass (default: the machine's cores). Results can differ slightly "
        "with it; fix it to compare runs across machines.", min=1)] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Analyse a call: every face tracked, with action units, emotions, gaze and engagement over time."""
    from microcue.cues.playbook import load_playbook
    from microcue.faces.participants import RoleSpec, read_roles_file
    from microcue.job import expected_frames, run_call

    specs = [RoleSpec.parse(r) for r in role or []]
    if roles_file is not None:
        specs = read_roles_file(roles_file) + specs
    book = load_playbook(playbook)  # validated before the long part
    with _progress(expected_frames(video, fps), quiet) as advance:
        job = run_call(video, out, roles=specs, fps=fps, csv=csv, transcript=transcript, asr_model=asr_model,
                       speaker_overrides=speaker or [], playbook=book, self_coaching=self_coaching,
                       thumbnails=thumbnails, db=db, store=not no_store, calibrations=calibrations,
                       workers=workers, progress=advance,
                       warn=lambda w: typer.echo(f"microcue: warning: {w}", err=True))
    result, after, call_id, kept_at = job.result, job.after, job.call_id, job.store_url
    s = result.summary
    if result.no_faces:
        from microcue.pipeline import brief_faces_note

        what = (f"No one to follow in {video} ({s['frames']} frames read): "
                f"{brief_faces_note(s['longest_brief_face_frames'])}."
                if s.get("longest_brief_face_frames") else f"No faces found in {video} ({s['frames']} frames read).")
        typer.echo(f"{what} Nothing to analyse; summary written to {out / 'summary.json'}.")
        return
    typer.echo(f"Analysed {s['frames']} frames of {video} at {s['frames_per_s']} frames/s.")
    for p in s["participants"]:
        typer.echo(f"  {p['id']} {p['name']} ({p['role']}): seen in {p['share_of_frames']:.0%} of frames, "
                   f"mostly {p['dominant_emotion']}, engagement {p['mean_engagement']:.2f}")
    if s.get("events"):
        typer.echo("  events: " + ", ".join(f"{n} {k}" for k, n in s["events"].items()))
    for link in after.speaker_links:
        who = link.participant or "no face (words only)"
        typer.echo(f"  speaker {link.speaker!r} -> {who} ({link.method})")
    shown = [c for c in after.cues if self_coaching or not c.private]
    if shown:
        typer.echo(f"  {len(shown)} cues" + ("" if self_coaching else
                   f" ({sum(c.private for c in after.cues)} private self-coaching cues kept back: --self-coaching)"))
    typer.echo(f"Report: {out / 'report.html'}")
    if call_id is not None:
        typer.echo(f"Kept as call {call_id} in {kept_at} (microcue calls show {call_id}; microcue report {call_id})")
    typer.echo(f"Results in {out}/: signals.parquet, events.json, cues.json, report.md, participants.json, summary.json"
               + (", signals.csv" if csv else ""))


@app.command()
def batch(
    inputs: Annotated[list[Path] | None, typer.Argument(
        help="Recordings and folders (searched recursively for video files).")] = None,
    out: Annotated[Path, typer.Option("-o", "--out", help="Output folder: one sub-folder per recording, "
                                      "and batch.csv.")] = Path("microcue-batch"),
    from_list: Annotated[Path | None, typer.Option(
        "--from-list", help="A text file with one recording path a line (relative to the file).")] = None,
    shard: Annotated[str | None, typer.Option(
        "--shard", help="K/N: only every N-th recording starting at the K-th (N machines, same inputs).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Redo recordings an earlier run finished.")] = False,
    role: Annotated[list[str] | None, typer.Option(
        "--role", help="WHERE=ROLE[:NAME] for every recording (repeatable); NAME.roles next to a recording "
        "adds its own.")] = None,
    asr_model: Annotated[str | None, typer.Option(
        "--asr-model", help="Transcribe recordings without a transcript sidecar offline with this model.")] = None,
    playbook: Annotated[Path | None, typer.Option("--playbook", help="Your team's playbook (YAML).")] = None,
    self_coaching: Annotated[bool, typer.Option(
        "--self-coaching", help="Include the seller's private self-coaching in each report.")] = False,
    csv: Annotated[bool, typer.Option("--csv", help="Also write signals.csv for each recording.")] = False,
    db: DbOption = None,
    no_store: Annotated[bool, typer.Option("--no-store", help="Do not keep the calls in the store.")] = False,
    calibrations: Annotated[Path | None, typer.Option(
        "--calibrations", help="Folder of per-person neutral baselines (see analyze).")] = None,
    workers: Annotated[int | None, typer.Option(
        "--workers", help="Processes per recording (default: the machine's cores).", min=1)] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Analyse many recordings: resumable (finished ones are skipped), one ledger line each in batch.csv, a bad
    file is reported and the batch goes on. NAME.vtt/.srt/.txt and NAME.roles next to NAME.mp4 are used."""
    from microcue.batch import find_recordings, parse_shard, run_batch, take_shard
    from microcue.cues.playbook import load_playbook
    from microcue.faces.participants import RoleSpec

    specs = [RoleSpec.parse(r) for r in role or []]
    book = load_playbook(playbook)
    part = parse_shard(shard)
    found = find_recordings(inputs or [], list_file=from_list)
    todo = take_shard(found, part)
    if not found:
        _fail("no recordings found in " + (", ".join(map(str, inputs or [])) or str(from_list) or "nothing given"))
    typer.echo(f"{len(todo)} recording{'s' * (len(todo) != 1)}" + (f" (shard {shard} of {len(found)})" if part else "")
               + f" -> {out}/")
    if not todo:
        return
    counts: dict[str, int] = {}
    with _progress(len(todo), quiet, label="recordings") as advance:
        for n, item in enumerate(run_batch(todo, out, roles=specs, force=force, playbook=book,
                                           self_coaching=self_coaching, csv=csv, db=db, store=not no_store,
                                           calibrations=calibrations, workers=workers, asr_model=asr_model), 1):
            counts[item.status] = counts.get(item.status, 0) + 1
            name = Path(item.recording).name
            if item.status == "failed":
                typer.echo(f"microcue: error: {item.error}", err=True)
            elif item.status == "skipped":
                typer.echo(f"  skipped {name} (done earlier: {item.out_dir})")
            else:
                what = ("no faces" if item.status == "no_faces" else
                        f"{item.participants} participants, {item.events} events, {item.cues} cues")
                kept = f", call {item.call_id}" if item.call_id is not None else ""
                typer.echo(f"  {name}: {what}{kept} ({item.seconds:.0f} s) -> {item.out_dir}")
            advance(n, 0.0)
    typer.echo(", ".join(f"{v} {k}" for k, v in sorted(counts.items())) + f". Ledger: {out / 'batch.csv'}")
    if counts.get("failed"):
        raise typer.Exit(2)


class _progress:
    """A Rich progress bar with time left (and, over frames, frames/s and the video time reached); a no-op when
    quiet or not a terminal. ``label`` other than "analysing" counts items (recordings), updated on each one."""

    def __init__(self, total: int | None, quiet: bool, *, label: str = "analysing") -> None:
        self.total = total
        self.label = label
        self.frames = label == "analysing"
        self.enabled = not quiet and sys.stderr.isatty()

    def __enter__(self):
        if not self.enabled:
            return lambda n, t: None
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        cols = [TextColumn(self.label), BarColumn(), MofNCompleteColumn()]
        if self.frames:
            cols += [TextColumn("{task.fields[fps]:.1f} frames/s"), TextColumn("video {task.fields[t]:.1f} s")]
        self._p = Progress(*cols, TimeRemainingColumn(), transient=False)
        self._p.start()
        task = self._p.add_task(self.label, total=self.total, fps=0.0, t=0.0)
        import time

        t0 = time.perf_counter()
        every = 5 if self.frames else 1

        def advance(n: int, pts: float) -> None:
            if n % every == 0:
                el = time.perf_counter() - t0
                self._p.update(task, completed=n, fps=n / el if el > 0 else 0.0, t=pts)

        return advance

    def __exit__(self, *exc) -> None:
        if self.enabled:
            self._p.stop()


@app.command()
def live(
    replay: Annotated[Path | None, typer.Option(
        "--replay", help="The call: a recording played at its real speed.")] = None,
    screen: Annotated[str | None, typer.Option(
        "--screen", help="The call: a screen region x,y,width,height where the call window is ('' = whole screen).")
    ] = None,
    camera: Annotated[int | None, typer.Option(
        "--camera", help="Your own webcam (OpenCV number): its faces are the seller's.")] = None,
    replay_self: Annotated[Path | None, typer.Option(
        "--replay-self", help="A recording played as if it were your own camera (instead of --camera).")] = None,
    out: Annotated[Path, typer.Option("-o", "--out", help="Output folder for the session.")] = Path("microcue-live"),
    role: Annotated[list[str] | None, typer.Option(
        "--role", help="WHERE=ROLE[:NAME] for the call's faces, as for analyze; camera=ROLE[:NAME] for your own "
        "camera's face (default seller), e.g. --role camera=seller:Dana --role right=buyer:Tom.")] = None,
    events_out: Annotated[Path | None, typer.Option(
        "--events-out", help="Write every event as it is emitted, one JSON object a line.")] = None,
    max_seconds: Annotated[float | None, typer.Option("--max-seconds", help="Stop after this many seconds.")] = None,
    speed: Annotated[float, typer.Option(
        "--speed", help="Play --replay / --replay-self recordings at this speed (1 = real time).", min=0.05)] = 1.0,
    no_drop: Annotated[bool, typer.Option(
        "--no-drop", help="A replay waits for processing instead of dropping frames when the machine falls behind "
        "(every frame is read; the replay then plays slower than real time). Same recording, same events.")] = False,
    panel: Annotated[bool, typer.Option("--panel/--no-panel", help="Serve the cue panel on 127.0.0.1.")] = True,
    terminal: Annotated[bool, typer.Option("--terminal", help="Show cues in this terminal (Rich).")] = False,
    self_view: Annotated[bool, typer.Option(
        "--self-view", help="Show your own tension on the panel (private).")] = False,
    playbook: Annotated[Path | None, typer.Option("--playbook", help="Your team's playbook (YAML).")] = None,
    asr_model: Annotated[str | None, typer.Option(
        "--asr-model", help="Transcribe the --replay file's audio as it plays, offline, with this faster-whisper "
        "model (a local folder or a name in your own cache; the asr extra; never downloads): words-vs-face cues "
        "live.")] = None,
    db: DbOption = None,
    no_store: Annotated[bool, typer.Option("--no-store", help="Do not keep this session in the store.")] = False,
) -> None:
    """Read faces as they happen (a webcam, or a recording replayed in real time); cues on a local panel."""
    from microcue.cues.playbook import load_playbook
    from microcue.live.runner import STALL_S, LiveRunner, split_roles
    from microcue.live.sources import open_live_sources

    server = view = None
    try:
        own_spec, call_specs = split_roles(role)
        book = load_playbook(playbook)
        if own_spec is not None and camera is None and replay_self is None:
            raise MicrocueError("--role camera=...: names the face of your own camera; give --camera N or "
                                "--replay-self FILE")
        if asr_model is not None and replay is None:
            raise MicrocueError("--asr-model in live mode reads the --replay file's audio; microphone and "
                                "system audio capture are not built")
        source, own = open_live_sources(replay=replay, camera=camera, screen=screen, replay_self=replay_self,
                                        max_seconds=max_seconds, speed=speed, wait=no_drop)
        words = None
        if asr_model is not None:
            from microcue.live.live_words import LiveTranscriber, LiveWords

            try:
                words = LiveWords(LiveTranscriber(source, asr_model), playbook=book)
            except ImportError as e:
                raise MicrocueError(str(e)) from None
        names_read = " and ".join(f"{s.name} ({'your camera' if s is own else 'the call'})"
                                  for s in (source, own) if s is not None)
        typer.echo(f"live: reading {names_read}; Ctrl-C ends the session and saves it to {out}/")
        sinks = []  # where cues and states go: the web panel and/or the terminal view
        if panel:
            try:
                from microcue.live.panel import start_panel
            except ImportError:
                typer.echo("live: no cue panel (pip install 'microcue[server]')", err=True)
            else:
                server = start_panel(self_view=self_view)
                typer.echo(f"Cue panel: {server.url}")
                sinks.append(server)
        if terminal:
            from microcue.live.terminal import TerminalView

            view = TerminalView()
            sinks.append(view)
        from microcue.live.live_cues import BuyerState, LiveCueMaker, SelfState

        maker = LiveCueMaker(playbook=book)  # the runner keeps its roles and names up to date
        buyers = BuyerState(names=maker.names)
        me = SelfState(pace=words.pace if words is not None else None)  # pace: the seller's words a minute

        def send(msg):
            for sink in sinks:
                sink.publish(msg)

        mode = ("face and words cues (offline speech recognition of the replay)" if words is not None
                else "face-only cues (no transcript in live mode)")
        send({"type": "status", "text": mode})
        missed = [0]  # stalls so far, all sources (the panel's status line counts them)

        def on_row(row, p):
            if not sinks:
                return
            msg = me.update(row) if (p["role"] == "seller" and self_view) else (
                buyers.update(row) if p["role"] != "seller" else None)
            if msg:
                send(msg)

        def on_event(rec):
            kind = rec["type"]
            if kind in ("cue", "withdraw"):  # panel messages (face cues from the maker, word cues from the engine)
                send(rec)
            if kind == "stall":  # the machine fell behind: say on the panel that moments are being missed
                missed[0] += 1
                send({"type": "status", "text": f"{mode} · {missed[0]} moment(s) missed: this computer fell behind"})
                if not terminal:
                    typer.echo(f"  stall: {rec['skipped_s']:.2f} s of {rec['source']} skipped at "
                               f"{rec['frame_time_s']:.2f}s (the machine fell behind)")
                return
            if terminal or kind == "withdraw":
                return
            if kind in ("words", "cue"):
                typer.echo(f"  {rec.get('participant') or '?'} {kind}: {rec.get('text') or rec.get('observation')}")
                return
            what = ("withdrawn " + rec["id"] if kind == "withdrawn" else
                    f"{rec['kind']} {rec.get('emotion') or ''}" + (" (provisional)" if rec.get("provisional") else ""))
            typer.echo(f"  {rec['participant']} {what} at {rec['onset_s']:.2f}s")

        runner = LiveRunner(source, self_source=own, out_dir=out, roles=call_specs + ([own_spec] if own_spec else []),
                            events_out=events_out, words=words, cues=maker)
        if view is not None:
            with view:
                result = runner.run(on_event=on_event, on_row=on_row)
        else:
            result = runner.run(on_event=on_event, on_row=on_row)
        call_id = None
        if not no_store and result.participants:
            from microcue.cues.engine import generate_cues
            from microcue.store import open_store

            call = runner.as_call(result)
            cues = generate_cues(call.events, call.signals, call.participants, playbook=book)
            with open_store(db) as store:
                call_id = store.save_call(call, cues=cues)
    finally:
        if server is not None:
            server.stop()
    lat = result.latency_summary()
    if len(result.sources) > 1 or any("error" in c for c in result.sources.values()):
        for name, c in result.sources.items():
            typer.echo(f"  {name}: {c['frames_processed']} frames processed, {c['frames_dropped']} dropped"
                       + (f" ({c['error']})" if "error" in c else ""))
    if "failed" in result.ended_by:
        typer.echo(f"live: the session ended because {result.ended_by}", err=True)
    stalls = sum(c.get("stalls", 0) for c in result.sources.values())
    if stalls:
        typer.echo(f"live: {stalls} stall(s): the machine fell more than {STALL_S} s behind and dropped those frames; "
                   "expressions across them are missed. Close other programs, or replay with --no-drop.", err=True)
    if call_id is not None:
        typer.echo(f"Kept as call {call_id} (microcue report {call_id})")
    typer.echo(f"Session saved to {out}/: {result.frames_processed} frames processed, "
               f"{result.frames_dropped} dropped, {len(result.events)} events"
               + (f", frame-to-event latency p50 {lat['p50_s'] * 1000:.0f} ms, p95 {lat['p95_s'] * 1000:.0f} ms"
                  if lat["n"] else ""))


@eval_app.command("images")
def eval_images(
    labels: Annotated[Path, typer.Argument(
        help="labels.csv with columns path,label; labels: neutral, anger, contempt, disgust, fear, happiness, "
             "sadness, surprise (happy, angry, sad, surprised... are read as those).")],
    root: Annotated[Path | None, typer.Option(
        help="Folder the paths are relative to (default: the csv's folder).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Run the emotion model on a labelled image set and print accuracy and the confusion matrix."""
    import json

    from microcue.evaluation.images import evaluate_images, format_report

    result = evaluate_images(labels, root=root)
    typer.echo(json.dumps(result) if as_json else format_report(result))


@eval_app.command("spotting")
def eval_spotting(
    video: Annotated[Path, typer.Argument(help="The recording the truth describes.")],
    truth: Annotated[Path, typer.Option(
        "--truth", help="CSV with onset_s,offset_s,kind[,emotion,participant,apex_s].")],
    participant: Annotated[str | None, typer.Option(help="Score only this participant (e.g. P1).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Score spotted events against true episodes (MEGC protocol: IoU >= 0.5, each truth matched once)."""
    import json
    import tempfile

    from microcue.events import format_report
    from microcue.events.evaluate import read_truth, score
    from microcue.events.types import EXPRESSION_KINDS
    from microcue.pipeline import analyze as run

    # the truth is read and checked before the recording is analysed: a bad row must not cost the analysis
    rows = [t for t in read_truth(truth, participant) if t["kind"] in EXPRESSION_KINDS]
    with tempfile.TemporaryDirectory() as tmp:
        result = run(video, out_dir=tmp)
    duration = result.summary.get("container_duration_s") or result.summary.get("last_pts_s") or 0.0
    scores = score(result.events, rows, duration_s=duration, participant=participant)
    typer.echo(json.dumps(scores) if as_json else format_report(scores))


calls_app = typer.Typer(no_args_is_help=True, help="Calls kept in the store.")
app.add_typer(calls_app, name="calls")
participants_app = typer.Typer(no_args_is_help=True, help="People across calls.")
app.add_typer(participants_app, name="participants")

def _store(db: str | None):
    from microcue.store import open_store

    return open_store(db)


@calls_app.command("list")
def calls_list(db: DbOption = None) -> None:
    """Every kept call: id, date, source file, duration, participants."""
    with _store(db) as store:
        calls = store.list_calls()
    if not calls:
        typer.echo("No calls kept yet.")
    for c in calls:
        people = ", ".join(f"{p['name']} ({p['role']})" for p in c["participants"]) or "no faces"
        dur = f"{c['duration_s']:.0f} s" if c.get("duration_s") else "?"
        typer.echo(f"{c['id']:>5}  {c['date']}  {c['source_name']}  {dur}  {people}")


@calls_app.command("show")
def calls_show(call_id: Annotated[int, typer.Argument(help="Call id (see calls list).")], db: DbOption = None,
               as_json: Annotated[bool, typer.Option("--json", help="Print everything kept, as JSON.")] = False,
               ) -> None:
    """What is kept for one call."""
    import json

    with _store(db) as store:
        call = store.get_call(call_id)
    if as_json:
        typer.echo(json.dumps(call, default=str))
        return
    typer.echo(f"call {call_id}: {call.get('source_name')} ({call.get('duration_s') or 0:.0f} s), "
               f"kept {call.get('created_at')}")
    for p in call.get("participants", []):
        typer.echo(f"  {p.get('pid') or p.get('id')} {p['name']} ({p['role']})")
    typer.echo(f"  {len(call.get('events', []))} events, {len(call.get('cues', []))} cues, "
               f"{len(call.get('utterances', []))} utterances")
    for c in call.get("cues", [])[:20]:
        typer.echo(f"  {c['time_s']:7.1f} s  {c['kind']:<16} {c['observation']}")


@calls_app.command("delete")
def calls_delete(call_id: Annotated[int, typer.Argument(help="Call id.")], db: DbOption = None) -> None:
    """Remove everything kept for a call."""
    with _store(db) as store:
        store.delete_call(call_id)
    typer.echo(f"Deleted call {call_id}.")


@calls_app.command("report")
def calls_report(out: Annotated[Path, typer.Option("-o", "--out", help="HTML file (or folder) to write; a .csv "
                                                   "of the call lines goes beside it.")] = Path("calls-report.html"),
                 since: Annotated[str | None, typer.Option("--since", help="First day, YYYY-MM-DD.")] = None,
                 until: Annotated[str | None, typer.Option("--until", help="Last day, YYYY-MM-DD.")] = None,
                 seller: Annotated[str | None, typer.Option(
                     "--seller", help="Only calls with this named seller.")] = None,
                 db: DbOption = None) -> None:
    """A report across kept calls for coaches: topics that worried or interested buyers, each seller's buyers,
    one line per call. Never includes a seller's private self-coaching."""
    from microcue.report.across import render_across

    with _store(db) as store:
        overviews = store.call_overviews(since=since, until=until)
    if seller:
        key = " ".join(seller.split()).lower()
        overviews = [ov for ov in overviews if any(p["role"] == "seller" and p.get("named")
                                                   and " ".join(p["name"].split()).lower() == key
                                                   for p in ov["participants"])]
    if not overviews:
        typer.echo("No kept calls match" + (f" (seller {seller!r})" if seller else "") + "; nothing written.")
        return
    title = f"Calls with {seller}" if seller else "Calls across time"
    paths = render_across(out, overviews, title=title)
    n = len(overviews)
    typer.echo(f"{n} call{'s' * (n != 1)}. Report: {paths['html']} (and {paths['csv'].name})")


@app.command("report")
def report_cmd(call_id: Annotated[int, typer.Argument(help="Call id (see calls list).")],
               out: Annotated[Path, typer.Option("-o", "--out", help="Output folder.")] = Path("microcue-report"),
               self_coaching: Annotated[bool, typer.Option("--self-coaching", help="Include the seller's own "
                                                           "patterns (kept only in a local store).")] = False,
               db: DbOption = None) -> None:
    """Regenerate the report of a kept call."""
    from microcue.io.sink import ensure_writable_dir
    from microcue.report import render_report

    with _store(db) as store:
        call = store.load_call(call_id, include_private=self_coaching)
    files = render_report(ensure_writable_dir(out), **call.report_kwargs(), self_coaching=self_coaching)
    typer.echo(f"Report: {files['html']}")


@participants_app.command("trends")
def participants_trends(name: Annotated[str, typer.Argument(help="A participant's name, as given with --role.")],
                        db: DbOption = None) -> None:
    """How a named person's patterns change across calls."""
    with _store(db) as store:
        rows = store.participant_trends(name)
    if not rows:
        typer.echo(f"No kept call has a participant named {name!r}.")
    for r in rows:
        cues = ", ".join(f"{n} {k}" for k, n in sorted(r["cue_counts"].items())) or "no cues"
        val = "?" if r["mean_valence"] is None else f"{r['mean_valence']:+.2f}"
        eng = "?" if r["mean_engagement"] is None else f"{r['mean_engagement']:.2f}"
        typer.echo(f"{r['date']}  call {r['call_id']}  {r['role']:<7} valence {val}  engagement {eng}  {cues}")


def main() -> None:
    """Entry point: run the Typer app. Every user error (MicrocueError) ends here as one line and exit 2, in one
    place, so no command needs its own handler; Ctrl-C exits 130."""
    try:
        app()
    except MicrocueError as exc:
        typer.echo(f"microcue: error: {exc}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        typer.echo("microcue: interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
