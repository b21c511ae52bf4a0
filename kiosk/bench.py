"""``kiosk bench``: speed figures on this machine (a benchmark, not a test).

Vision: median and p95 milliseconds per frame for the face landmarker alone,
the pose landmarker alone, and the whole analyser (both models concurrently
plus interpretation) at 640x480 and 1280x720, and frames per second over a
whole file including decoding.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from kiosk.capture import RecordingSource, VideoFrame

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

    from kiosk.vision.analyser import BodyAnalyser, analyse_frames
    from kiosk.vision.landmarks import BodyLandmarker

    path = Path(path) if path is not None else DEFAULT_CLIP
    lines = [f"Vision benchmark on {path.name}, {frames} frames per row", "", f"{'stage':<16} {'size':>11} {'median ms':>8} {'p95 ms':>8} {'fps':>8}"]
    for size in SIZES:
        clip = _frames_at(path, size, frames)
        with BodyLandmarker() as landmarker:
            # The landmarker's own models, called one at a time on this thread.
            face, pose = landmarker._face, landmarker._pose  # noqa: SLF001 - timing the parts
            stamp = iter(range(10**9))

            def face_only(frame: VideoFrame) -> object:
                return face.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=frame.rgb), next(stamp))

            lines.append(_line("face", size, _time_each(clip, face_only)))
        with BodyLandmarker() as landmarker:
            pose = landmarker._pose  # noqa: SLF001
            stamp = iter(range(10**9))

            def pose_only(frame: VideoFrame) -> object:
                return pose.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=frame.rgb), next(stamp))

            lines.append(_line("pose", size, _time_each(clip, pose_only)))
        with BodyAnalyser() as analyser:
            lines.append(_line("whole analyser", size, _time_each(clip, analyser.analyse)))

    with RecordingSource(path) as source:
        start = time.perf_counter()
        count = len(analyse_frames(source.frames()).frames)
        elapsed = time.perf_counter() - start
        info = source.info
    lines += [
        "",
        f"Whole file, decode + analyse: {count} frames of {info.width}x{info.height} in {elapsed:.2f} s = "
        f"{count / elapsed:.1f} frames per second ({info.frame_rate_hz:.0f} fps recording: "
        f"{'keeps up' if count / elapsed >= info.frame_rate_hz else 'slower than'} real time).",
    ]
    return "\n".join(lines)
