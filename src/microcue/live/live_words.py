"""Words in live mode: a replayed recording's audio through offline ASR in chunks, beside the faces.

``LiveTranscriber`` (a background thread) decodes the audio of a ``--replay`` file in step with the replay clock
(a chunk is transcribed only once the replay has reached its end, as if it had just been heard), with the same
offline model loading as ``analyze --asr-model`` (:mod:`microcue.conversation.asr`: a local CTranslate2 Whisper
folder or a name already in the user's cache, never a download). Chunks are about ``chunk_s`` long and cut at the
quietest 50 ms of their last second, so a word is rarely split. Memory is bounded: one chunk of audio at a time.

``LiveWords`` (on the runner's thread) attributes each new utterance to the face whose mouth moved with it, as
the post-call job does (:func:`~microcue.conversation.asr.attribute_speakers`, then
:func:`~microcue.conversation.speakers.map_speakers`), over a rolling window of signal rows, and runs the cue
engine (:func:`~microcue.cues.engine.generate_cues`, the same rules as after the call) on the window to find the
cues that need words: words against the face (``incongruence``), a reaction while a topic was current
(``topic_reaction``) and words-only cues for a voice with no face. Each is emitted once.

The microphone is not read: only a replayed file's audio (a microphone source would feed the same chunks; it has
never run on real hardware here and is not built).
"""

from __future__ import annotations

import queue
import threading
import time
from collections import deque
from pathlib import Path

from microcue.conversation.transcript import Utterance

RATE = 16000
WORD_CUE_KINDS = ("incongruence", "topic_reaction")
"""Cue kinds that need words (besides words-only cues); face-only kinds come from LiveCueMaker."""


def audio_chunks(path: str | Path, *, chunk_s: float = 4.0, look_s: float = 1.0):
    """``(start_s, samples)``: the file's audio, 16 kHz mono float32, in chunks of about ``chunk_s`` cut at the
    quietest 50 ms of the chunk's last ``look_s``; times on the file's clock. Nothing when it has no audio."""
    from microcue.audio import quiet_chunks

    yield from quiet_chunks(path, chunk_s=chunk_s, look_s=look_s, rate=RATE) or ()


class LiveTranscriber:
    """Transcribe a replay's audio in step with its clock, in a background thread.

    ``replay``: the :class:`~microcue.live.sources.ReplaySource` whose clock it follows (its ``path``,
    ``start_wall``, ``first_pts``, ``speed``, ``max_seconds``). Utterances (speaker None) come out of ``results``
    as ``(utterance, due_wall_s)``: ``due_wall_s`` is when the replay clock reached the end of its chunk.
    """

    def __init__(self, replay, model: str | Path, *, chunk_s: float = 4.0, language: str | None = "en",
                 cpu_threads: int = 1, clock=time.time, sleep=time.sleep) -> None:
        from microcue.conversation.asr import asr_available, resolve_model

        if not asr_available():
            raise ImportError("live transcription needs the asr extra: pip install 'microcue[asr]'")
        self.model_dir = resolve_model(model)  # a bad model is a one-line error before the session starts
        self.replay, self.chunk_s, self.language, self.cpu_threads = replay, chunk_s, language, cpu_threads
        self._clock, self._sleep = clock, sleep
        self.results: queue.Queue = queue.Queue(maxsize=1000)
        self.error: BaseException | None = None
        self.chunks = 0
        self.lag_s: deque = deque(maxlen=10_000)
        """Per chunk: wall seconds from its end being due to its words being ready."""
        self._stop_at: float | None = None
        self._thread: threading.Thread | None = None

    def warm_up(self) -> None:
        """Load the model now (before the session's frames start), not when the first words are due."""
        if getattr(self, "_wm", None) is None:
            from faster_whisper import WhisperModel

            try:
                self._wm = WhisperModel(str(self.model_dir), device="cpu", compute_type="int8",
                                        cpu_threads=self.cpu_threads, local_files_only=True)
            except (RuntimeError, ValueError, OSError) as e:
                from microcue.errors import InvalidInputError

                raise InvalidInputError(f"ASR model {str(self.model_dir)!r} cannot be loaded ({e})") from e

    def start(self) -> LiveTranscriber:
        self._thread = threading.Thread(target=self._run, name="microcue-asr", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """The session ended: transcribe what was already heard (chunks due by now), then stop."""
        self._stop_at = self._clock()
        if self._thread is not None:
            self._thread.join(timeout)

    def _stopped(self, due: float | None = None) -> bool:
        return self._stop_at is not None and (due is None or due > self._stop_at)

    def _run(self) -> None:
        try:
            self.warm_up()
            wm = self._wm
            n = 0
            for t0, samples in audio_chunks(self.replay.path, chunk_s=self.chunk_s):
                while getattr(self.replay, "start_wall", None) is None:
                    if self._stopped():
                        return
                    self._sleep(0.05)  # the replay has not shown its first frame yet
                r = self.replay
                t1 = t0 + len(samples) / RATE
                if r.max_seconds is not None and t0 - r.first_pts >= r.max_seconds:
                    return
                due = r.start_wall + (t1 - r.first_pts) / r.speed
                while not self._stopped(due) and self._clock() < due:
                    self._sleep(min(0.05, max(due - self._clock(), 0.0)))
                    due = r.start_wall + (t1 - r.first_pts) / r.speed  # a waiting replay's clock pauses
                if self._stopped(due):
                    return  # the session ended before this chunk was heard
                segments, _ = wm.transcribe(samples, language=self.language, beam_size=1, vad_filter=True,
                                            condition_on_previous_text=False)
                for seg in segments:
                    text = " ".join(seg.text.split())
                    if text:
                        n += 1
                        s = t0 + min(max(float(seg.start), 0.0), t1 - t0)
                        e = t0 + min(max(float(seg.end), 0.0), t1 - t0)
                        self.results.put((Utterance(round(s, 3), round(max(e, s), 3), None, text, n), due))
                self.chunks += 1
                self.lag_s.append(self._clock() - due)
        except BaseException as exc:  # noqa: BLE001 - reported by the runner; the faces go on
            self.error = exc

    def poll(self) -> list[tuple[Utterance, float]]:
        out = []
        while True:
            try:
                out.append(self.results.get_nowait())
            except queue.Empty:
                return out


class LiveWords:
    """Utterances -> speakers -> word cues, over a rolling window (``window_s`` of rows, events and words)."""

    def __init__(self, transcriber: LiveTranscriber, *, playbook=None, window_s: float = 30.0,
                 max_rows: int = 4000) -> None:
        self.transcriber = transcriber
        self.playbook = playbook
        self.window_s = window_s
        self.rows: deque = deque(maxlen=max_rows)
        self.utterances: deque = deque()
        self._sent: set = set()
        self._n = 0
        self._people: dict = {}
        self.poll_s: deque = deque(maxlen=10_000)
        """Per batch of new words: seconds spent here (attribution and the cue engine), on the runner's thread."""

    def warm_up(self) -> None:
        """Load the speech model, the sentiment lexicon and the cue engine before the session's frames start."""
        from microcue.conversation.sentiment import sentiment
        from microcue.cues.engine import generate_cues

        self.transcriber.warm_up()
        sentiment("that sounds fine")
        generate_cues([], None, [], utterances=[Utterance(0.0, 1.0, None, "the price is fine", 1)],
                      playbook=self.playbook)

    def pace(self, role: str = "seller", *, min_s: float = 5.0) -> float | None:
        """Words per minute of the words attributed to the participant(s) with this role over the window (the
        self-view's pace), or None until ``min_s`` seconds of their speech are in it."""
        from microcue.cues.words import n_words

        mine = [u for u in self.utterances if u.speaker is not None and u.speaker in self._names_by_role(role)]
        spoken = sum(u.end_s - u.start_s for u in mine)
        return round(sum(n_words(u.text) for u in mine) * 60.0 / spoken, 1) if spoken >= min_s else None

    def _names_by_role(self, role: str) -> set:
        return {d["name"] for d in self._people.values() if d.get("role") == role}

    def add_row(self, row: dict) -> None:
        self.rows.append(dict(row))
        t = float(row["time_s"])
        while self.rows and float(self.rows[0]["time_s"]) < t - self.window_s:
            self.rows.popleft()

    def poll(self, events, people: dict) -> list[dict]:
        """Records for new words (``type: "words"``) and the word cues they make (``type: "cue"``)."""
        got = self.transcriber.poll()
        if not got:
            return []
        t_start = time.perf_counter()
        try:
            return self._words_and_cues(got, events, people)
        finally:
            self.poll_s.append(time.perf_counter() - t_start)

    def _words_and_cues(self, got, events, people: dict) -> list[dict]:
        import pandas as pd

        self._people = dict(people)
        from microcue.conversation.asr import attribute_speakers
        from microcue.conversation.speakers import map_speakers
        from microcue.cues.engine import generate_cues

        signals = pd.DataFrame(list(self.rows)) if self.rows else None
        participants = _participants(people, signals)
        new = attribute_speakers([u for u, _ in got], signals, participants)
        out = []
        for u, (_, due) in zip(new, got, strict=True):
            self.utterances.append(u)
            pid = next((p.id for p in participants if u.speaker is not None and p.name == u.speaker), None)
            out.append(dict(type="words", start_s=u.start_s, end_s=u.end_s, speaker=u.speaker, participant=pid,
                            text=u.text, _due=due))
        latest = max(u.end_s for u in self.utterances)
        while self.utterances and self.utterances[0].end_s < latest - self.window_s:
            self.utterances.popleft()
        utts = list(self.utterances)
        links = map_speakers(utts, signals, participants, attributed=True)
        recent = [e for e in events if e.offset_s >= latest - self.window_s]
        for c in generate_cues(recent, signals, participants, utterances=utts, speaker_links=links,
                               playbook=self.playbook):
            if c.private or not (c.kind in WORD_CUE_KINDS or c.evidence.details.get("words_only")):
                continue
            key = (c.kind, c.participant, round(c.time_s, 1))
            if key in self._sent:
                continue
            self._sent.add(key)
            self._n += 1
            name = people[c.participant]["name"] if c.participant in people else c.participant
            out.append(dict(type="cue", id=f"w{self._n}", time_s=round(c.time_s, 3), participant=c.participant,
                            name=name, role=c.role, kind=c.kind, observation=c.observation,
                            suggestion=c.suggestion, confidence=round(c.confidence, 3), count=1, provisional=False,
                            event_ids=list(c.evidence.event_ids), transcript=c.evidence.transcript, update=False,
                            _due=max(d for _, d in got)))
        return out


def _participants(people: dict, signals) -> list:
    from microcue.faces.participants import Participant

    out = []
    for d in people.values():
        rows = signals[signals["participant"] == d["id"]] if signals is not None else None
        n = 0 if rows is None else len(rows)
        out.append(Participant(
            id=d["id"], name=d["name"], role=d["role"], track_ids=list(d["track_ids"]), position=d["position"],
            center=tuple(d["center"]), first_seen_s=float(rows["time_s"].min()) if n else 0.0,
            last_seen_s=float(rows["time_s"].max()) if n else 0.0, frames=n,
            median_face_px=float(rows["face_px"].median()) if n and "face_px" in rows else 0.0,
            extra={"named": True} if d.get("named") else {}))
    return out
