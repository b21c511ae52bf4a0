"""``kiosk bench``: speed figures on this machine (a benchmark, not a test).

Vision: median and p95 milliseconds per frame for the face landmarker alone,
the pose landmarker alone, and the whole analyser (face, pose and hands
plus interpretation) at 640x480 and 1280x720, frames per second over a
whole file including decoding (every frame decoded, the scheduled ones
analysed), and an upload's speed in times real time (a 60 s take made by
repeating the clip, analysed as the app does: body and voice, the
landmarkers in a child process).

Voice: the real-time factor of each stage of the voice analysis.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from kiosk.capture import AudioTrack, RecordingSource, VideoFrame

#: The default clip: a real speaker, head and shoulders (``../shared/data``).
DEFAULT_CLIP = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "video-retalking" / "face_4.mp4"
SIZES = ((640, 480), (1280, 720))


def _frames_at(path: Path, size: tuple[int, int], count: int) -> list[VideoFrame]:
    """``count`` frames of a clip scaled to ``size`` (looping if the clip is short)."""
    with RecordingSource(path) as source:
        frames = list(source.frames())
    period = frames[-1].time_s / max(len(frames) - 1, 1)
    out = []
    for i in range(count):
        rgb = cv2.resize(frames[i % len(frames)].rgb, size, interpolation=cv2.INTER_AREA)
        out.append(VideoFrame(time_s=i * period, rgb=np.ascontiguousarray(rgb)))
    return out


def _time_each(frames: list[VideoFrame], step: Callable[[VideoFrame], object]) -> np.ndarray:
    """Milliseconds per call, after two warm-up frames."""
    for frame in frames[:2]:
        step(frame)
    timings = []
    for frame in frames[2:]:
        start = time.perf_counter()
        step(frame)
        timings.append((time.perf_counter() - start) * 1000.0)
    return np.array(timings)


def _line(name: str, size: tuple[int, int], ms: np.ndarray) -> str:
    median, p95 = np.median(ms), np.percentile(ms, 95)
    return f"{name:<16} {size[0]:>5}x{size[1]:<5} {median:8.1f} {p95:8.1f} {1000.0 / median:8.1f}"


def run_vision_bench(path: Path | None = None, *, frames: int = 150) -> str:
    """Time the vision step; returns the table to print."""
    import mediapipe as mp

    from kiosk.calibration import load_vision_calibration
    from kiosk.vision.analyser import BodyAnalyser, analyse_frames
    from kiosk.vision.landmarks import BodyLandmarker

    path = Path(path) if path is not None else DEFAULT_CLIP
    lines = [
        f"Vision benchmark on {path.name}, {frames} frames per row",
        "",
        f"{'stage':<16} {'size':>11} {'median ms':>8} {'p95 ms':>8} {'fps':>8}",
    ]
    for size in SIZES:
        clip = _frames_at(path, size, frames)
        with BodyLandmarker() as landmarker:
            # The landmarker's own models, called one at a time on this thread.
            face, pose = landmarker._face, landmarker._pose  # noqa: SLF001 - timing the parts
            stamp = iter(range(10**9))

            def face_only(frame: VideoFrame, face=face, stamp=stamp) -> object:
                return face.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=frame.rgb), next(stamp))

            lines.append(_line("face", size, _time_each(clip, face_only)))
        with BodyLandmarker() as landmarker:
            pose = landmarker._pose  # noqa: SLF001
            stamp = iter(range(10**9))

            def pose_only(frame: VideoFrame, pose=pose, stamp=stamp) -> object:
                return pose.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=frame.rgb), next(stamp))

            lines.append(_line("pose", size, _time_each(clip, pose_only)))
        with BodyAnalyser() as analyser:
            lines.append(_line("whole analyser", size, _time_each(clip, analyser.analyse)))

    rate_hz = load_vision_calibration().schedule.rate_hz
    with RecordingSource(path) as source:
        start = time.perf_counter()
        count = len(analyse_frames(source.frames()).frames)
        elapsed = time.perf_counter() - start
        info = source.info
    lines += [
        "",
        f"Whole file, decode every frame + analyse the scheduled ones ({rate_hz:g} per second): {count} frames of "
        f"{info.width}x{info.height} in {elapsed:.2f} s = {count / elapsed:.1f} frames per second, "
        f"{info.duration_s / elapsed:.2f}x real time ({info.frame_rate_hz:.0f} fps recording).",
        "",
        run_upload_bench(path),
    ]
    return "\n".join(lines)


def _looped_copy(source: Path, target: Path, seconds: float) -> Path:
    """``source`` repeated (its packets copied, not re-encoded) until at least ``seconds`` long."""
    import av

    with av.open(str(source)) as probe:
        duration = float(probe.duration or 0) / 1e6
        kept = [s for s in probe.streams if s.type in ("video", "audio")]
        with av.open(str(target), "w") as out:
            streams = {s.index: out.add_stream_from_template(s) for s in kept}
            offset = 0.0
            while offset < seconds and duration > 0:
                with av.open(str(source)) as again:
                    for packet in again.demux(*[s for s in again.streams if s.index in streams]):
                        if packet.dts is None:
                            continue  # the demuxer's empty packet at the end of a stream
                        shift = round(offset / packet.time_base)
                        packet.pts = None if packet.pts is None else packet.pts + shift
                        packet.dts += shift
                        packet.stream = streams[packet.stream.index]
                        out.mux(packet)
                offset += duration
    return target


def run_upload_bench(path: Path | None = None, *, seconds: float = 60.0) -> str:
    """An upload's speed: a ``seconds`` take (the clip repeated) through ``analyse_take`` as the app runs it.

    Returns one line: wall time, times real time, and CPU seconds (this
    process and the landmarkers' child process) per second of take.
    """
    import resource
    import tempfile

    from kiosk.analysis import analyse_take
    from kiosk.calibration import load_vision_calibration, load_voice_calibration

    def cpu_s() -> float:
        own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime

    path = Path(path) if path is not None else DEFAULT_CLIP
    with tempfile.TemporaryDirectory() as folder:
        take = _looped_copy(path, Path(folder) / f"looped{path.suffix}", seconds)
        cpu, start = cpu_s(), time.perf_counter()
        analysis = analyse_take(
            take,
            vision_calibration=load_vision_calibration(),
            voice_calibration=load_voice_calibration(),
            isolated=True,  # as the app runs it
        )
        wall, cpu = time.perf_counter() - start, cpu_s() - cpu
    duration = analysis.info.duration_s
    judged = analysis.body.summary.frame_count if analysis.body else 0
    return (
        f"Upload of a {duration:.0f} s take ({path.name} repeated; body and voice, landmarkers in a child process): "
        f"{wall:.1f} s = {duration / wall:.2f}x real time on {os.cpu_count()} cores, {cpu / duration:.2f} CPU-seconds "
        f"per second of take, {judged} frames judged."
    )


#: Default voice clips: a slow oratorical line, and five read sentences
#: joined into one ~25 s take (``../shared/data``), with their transcripts.
_SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
JFK_CLIP = _SHARED / "whisper" / "jfk.flac"
LIBRIVOX_DIR = _SHARED / "pocketsphinx" / "librivox"


def _audio_of(p: Path) -> AudioTrack:
    """The whole sound of a recording."""
    with RecordingSource(p) as source:
        audio = source.audio()
    if audio is None:
        from kiosk.errors import MediaError

        raise MediaError(f"{p} has no sound to time.")
    return audio


def _voice_cases(path: Path | None, line: str | None) -> list[tuple[str, AudioTrack, str | None]]:
    if path is not None:
        return [(Path(path).name, _audio_of(Path(path)), line)]
    cases: list[tuple[str, AudioTrack, str | None]] = [
        ("jfk.flac (11 s)", _audio_of(JFK_CLIP), (JFK_CLIP.with_suffix(".txt")).read_text().strip())
    ]
    parts, texts = [], []
    for wav in sorted(LIBRIVOX_DIR.glob("*.wav")):
        parts.append(_audio_of(wav).samples)
        texts.append(wav.with_suffix(".txt").read_text().strip())
    if parts:
        joined = AudioTrack(samples=np.concatenate(parts), sample_rate_hz=16000, start_s=0.0)
        cases.append((f"5 LibriVox sentences ({joined.duration_s:.0f} s)", joined, " ".join(texts)))
    return cases


def _spoken_line_case(language: str) -> tuple[str, AudioTrack, str]:
    """The kiosk's longest front-desk line in ``language`` said by espeak-ng's +m3 variant at 150 wpm.

    It stands in for a trainee (not the reference's voice or rate) so that
    the alignment is timed on a take of a realistic length, about 10 s.
    """
    from kiosk.scenarios import load_scenarios
    from kiosk.voice import prepare_line
    from kiosk.voice.reference import EspeakReference, said_by_espeak

    texts = [s.text[language] for s in load_scenarios() if s.setting == "front_desk"]
    text = max(texts, key=len)
    words = said_by_espeak([w.written for w in prepare_line(text, language=language).words], language)
    spoken = EspeakReference.shared().say(words, voice=f"{_ESPEAK_VOICE[language]}+m3", rate_wpm=150)
    quiet = np.zeros(8000, dtype=np.float32)
    audio = AudioTrack(samples=np.concatenate([quiet, spoken.samples, quiet]), sample_rate_hz=16000, start_s=0.0)
    return f"espeak-ng {language} line ({audio.duration_s:.0f} s)", audio, text


_ESPEAK_VOICE = {"en": "en-us", "da": "da", "lt": "lt", "zh": "cmn-latn-pinyin"}


def run_voice_bench(
    path: Path | None = None, *, line: str | None = None, repeats: int = 5, language: str = "en"
) -> str:
    """Time the voice step per stage; returns the table to print.

    The real-time factor is processing seconds per second of audio (0.05
    means 30 s of audio analysed in 1.5 s). The one-time reading of the
    pronunciation dictionary is timed separately. With ``language`` other
    than English and no ``path``, a kiosk line in that language said by
    espeak-ng is timed, and the alignment's seconds are printed too.
    """
    from kiosk.calibration import load_voice_calibration
    from kiosk.voice import VOICE_STAGES, analyse_voice, prepare_line, summarise_voice
    from kiosk.voice.dictionary import english_pronunciations

    calibration = load_voice_calibration()
    start = time.perf_counter()
    english_pronunciations()
    load_s = time.perf_counter() - start
    out = [
        f"Pronunciation dictionary read once per process in {load_s:.2f} s "
        "(each take's decoders, given only the line's words, are included in 'alignment').",
        "",
    ]
    header = f"{'clip':<30} " + " ".join(f"{s:>10}" for s in VOICE_STAGES) + f" {'summary':>10} {'total':>8}"
    out += ["Real-time factor (median of runs; seconds per second of audio)", header, "-" * len(header)]
    cases = _voice_cases(path, line) if language == "en" or path is not None else [_spoken_line_case(language)]
    aligned_s: list[tuple[str, float, float]] = []
    for name, audio, text in cases:
        prepared = prepare_line(text, language=language) if text else None
        runs: list[dict[str, float]] = []
        for _ in range(max(1, repeats) + 1):
            stages: dict[str, float] = {}
            signals = analyse_voice(audio, prepared, calibration, on_stage=stages.__setitem__)
            begin = time.perf_counter()
            summarise_voice(signals, calibration)
            stages["summary"] = time.perf_counter() - begin
            runs.append(stages)
        first_alignment_s = runs[0]["alignment"]
        runs = runs[1:]  # the first run warms caches (the reference, Whisper's model)
        duration = audio.duration_s
        medians = {k: float(np.median([r[k] for r in runs])) / duration for k in runs[0]}
        total = float(np.median([sum(r.values()) for r in runs])) / duration
        out.append(
            f"{name:<30} "
            + " ".join(f"{medians[s]:10.4f}" for s in VOICE_STAGES)
            + f" {medians['summary']:10.4f} {total:8.4f}"
        )
        aligned_s.append((name, float(np.median([r["alignment"] for r in runs])), first_alignment_s))
    out.append("")
    out += [
        f"Alignment of {name}: {seconds:.2f} s (median of runs); {first:.2f} s the first time in this process"
        for name, seconds, first in aligned_s
    ]
    return "\n".join(out)


def _joined_librivox_wav(folder: Path, seconds: float) -> tuple[Path, str]:
    """The five LibriVox sentences as one wav, silence after them up to ``seconds``, and their words."""
    import wave

    parts, texts = [], []
    for wav in sorted(LIBRIVOX_DIR.glob("*.wav")):
        parts.append(_audio_of(wav).samples)
        texts.append(wav.with_suffix(".txt").read_text().strip())
    sound = np.concatenate(parts)
    # The line said, then a pause before Stop: a take that is all line.
    sound = np.concatenate([sound, np.zeros(max(0, int(seconds * 16000) - len(sound)), np.float32)])
    path = folder / "librivox-take.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes((np.clip(sound, -1, 1) * 32767).astype(np.int16).tobytes())
    return path, " ".join(texts)


#: The page's countdown before a take records, in seconds (``KIOSK_COUNTDOWN_S``'s default).
COUNTDOWN_S = 3.0


def _spread_line(label: str, ms: list[float]) -> str:
    return f"{label:<34} median {np.median(ms):5.1f} ms, p95 {np.percentile(ms, 95):5.1f} ms"


def run_live_bench(
    camera_file: Path | None = None, microphone_file: Path | None = None, *, seconds: float = 30.0
) -> str:
    """Time a live take as the kiosk page runs it; returns the table to print.

    A recording stands in for the camera (looped to ``seconds``) and five read
    LibriVox sentences (about 25 s, 71 words, then silence) for the microphone, both played in real time through
    the capture interface a webcam uses. While recording, a preview loop does
    what the practice page does at its redraw rate: take the newest frame,
    draw the landmarks of the newest analysed frame over it and encode it as
    a JPEG. The analyser works through the scheduled frames in order (it may
    lag behind and catch up after Stop). After the stop, the time until the
    scored HTML report is ready.
    """
    import io
    import tempfile

    from PIL import Image

    from kiosk.analysis import analyse_live_take, score_and_report
    from kiosk.calibration import (
        load_live_calibration,
        load_scoring_profile,
        load_vision_calibration,
        load_voice_calibration,
    )
    from kiosk.capture import FileCamera, FileMicrophone
    from kiosk.live import PREVIEW_RATE_HZ, LiveTake
    from kiosk.report.html import render_html
    from kiosk.report.overlay import draw_overlay
    from kiosk.scenarios import load_scenarios
    from kiosk.scoring.live_cues import LiveCoach
    from kiosk.voice import prepare_line
    from kiosk.voice.live import LiveVoiceMeter

    camera_file = Path(camera_file or DEFAULT_CLIP)
    live = load_live_calibration()
    vision, voice = load_vision_calibration(), load_voice_calibration()
    scenario = next(s for s in load_scenarios() if s.setting == "front_desk")
    with tempfile.TemporaryDirectory() as folder:
        if microphone_file is None:
            microphone_file, said = _joined_librivox_wav(Path(folder), seconds)
        else:
            said = scenario.text_in("en")
        line = prepare_line(said)
        take = LiveTake(
            camera=FileCamera(camera_file, play_for_s=seconds),
            microphone=FileMicrophone(microphone_file, play_for_s=seconds),
            vision_calibration=vision,
            coach=LiveCoach.for_scenario(scenario, live=live, vision=vision),
            voice_meter=LiveVoiceMeter(live.voice, voice),
            isolated=True,  # as the app runs it: the landmarkers in a child process
        )
        shown, fresh, overlay_ms, encode_ms, cues, most_waiting = 0, 0, [], [], 0, 0
        last_frame = last_detections = last_cue = None
        time.sleep(COUNTDOWN_S)  # the page's 3-2-1, while the analyser's process starts
        take.start()
        began = time.perf_counter()
        while take.recording:
            tick = time.perf_counter()
            view = take.preview()
            most_waiting = max(most_waiting, view.frames_waiting)
            if view.frame is not None and view.frame is not last_frame:
                last_frame = view.frame
                start = time.perf_counter()
                picture = draw_overlay(view.frame.rgb, view.detections, mirror=True)
                overlay_ms.append((time.perf_counter() - start) * 1000)
                start = time.perf_counter()
                Image.fromarray(picture).save(io.BytesIO(), format="JPEG", quality=75)
                encode_ms.append((time.perf_counter() - start) * 1000)
                shown += 1
                if view.detections is not None and view.detections is not last_detections:
                    fresh += 1
                    last_detections = view.detections
            if view.cue is not None and view.cue is not last_cue:
                cues += 1
                last_cue = view.cue
            time.sleep(max(0.0, 1.0 / PREVIEW_RATE_HZ - (time.perf_counter() - tick)))
        recorded_for = time.perf_counter() - began
        waiting_at_stop = take.current_view().frames_waiting
        stopped = time.perf_counter()
        result = take.stop()
        finished = time.perf_counter()
        analysis = analyse_live_take(
            result.recorded, result.timeline, vision_calibration=vision, voice_calibration=voice, line=line
        )
        analysed = time.perf_counter()
        report = score_and_report(
            analysis, scoring_profile=load_scoring_profile(), profile_name="default", language="en", scenario=scenario
        )
        render_html(report.document)
        ready = time.perf_counter()
    recorded = result.recorded
    body_frames = len(result.timeline.frames) if result.timeline else 0
    width, height = recorded.frame_size
    out = [
        f"Live take: {camera_file.name} ({width}x{height}) as the camera and {Path(microphone_file).name} as the "
        f"microphone, {recorded.duration_s:.1f} s in real time on {os.cpu_count()} cores "
        "(landmarkers in a child process, as in the app)",
        "",
        f"{'recorded':<34} {recorded.frame_count:>5} frames  {recorded.frame_rate_hz:6.1f} fps (every frame kept)",
        f"{'scheduled for judging':<34} {result.frames_scheduled:>5} frames  "
        f"{result.frames_scheduled / recorded.duration_s:6.1f} fps ({vision.schedule.rate_hz:g} per second asked)",
        f"{'analysed (body)':<34} {body_frames:>5} frames  {body_frames / recorded.duration_s:6.1f} fps "
        f"({100 * result.analysed_share:.0f}% of the scheduled frames)",
        f"{'  analyser behind, at most':<34} {most_waiting:>5} frames  ({waiting_at_stop} still waiting at Stop)",
        f"{'preview with overlay shown':<34} {shown:>5} frames  {shown / recorded_for:6.1f} fps "
        f"(redraw at up to {PREVIEW_RATE_HZ} Hz)",
        f"{'  ...with new landmarks':<34} {fresh:>5} frames  {fresh / recorded_for:6.1f} fps",
        _spread_line("  overlay drawing", overlay_ms),
        _spread_line("  JPEG encoding for the page", encode_ms),
        f"{'live cues shown':<34} {cues:>5}",
        "",
        "From Stop to the report:",
        f"{'  finish recording and analyser':<34} {finished - stopped:6.2f} s",
        f"{'  voice analysis and alignment':<34} {analysed - finished:6.2f} s",
        f"{'  scoring and HTML report':<34} {ready - analysed:6.2f} s",
        f"{'  report ready after':<34} {ready - stopped:6.2f} s  (overall score {report.document.overall.score})",
    ]
    return "\n".join(out)
