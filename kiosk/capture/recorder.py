"""Record one take from live sources: every frame and sample, on worker threads.

:class:`TakeRecorder` pumps a camera and a microphone (or is handed frames and
sound pushed from the browser) until it is stopped or a device ends. Every
frame is counted and, if the trainee asked to keep the recording, written to
a file; listeners (the live analyser, the level meter) are told of each frame
and block on the capture thread, so they must only hand work on, never do it.
What was recorded before a device was lost is kept, with a note saying so.
"""

from __future__ import annotations

import errno
import os
import queue
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from types import TracebackType

import av
import numpy as np

from kiosk.capture.devices import Camera, DeviceLost, Microphone, TakeClock
from kiosk.capture.take import AUDIO_SAMPLE_RATE_HZ, AudioTrack, VideoFrame
from kiosk.datafolder import create_private_file
from kiosk.errors import DeviceError

_MS = Fraction(1, 1000)
_DONE = object()
#: Pictures and sound blocks waiting for the file: about 4 s of 30 fps video,
#: so memory stays bounded when the disk is slow.
WRITER_QUEUE_ITEMS = 240
#: A full queue that has not moved for this long means the disk is stuck: the
#: recording is dropped rather than holding up the capture, in seconds.
WRITER_STALL_S = 2.0
#: Longest wait for the file to be finished after the take stops, in seconds.
WRITER_FINISH_TIMEOUT_S = 15.0
#: Longest wait for a camera or microphone thread to notice the stop, in seconds.
SOURCE_STOP_TIMEOUT_S = 5.0
#: Free disk space needed to start keeping a recording, in MB (a 3-minute
#: take at 640x480 is about 60 MB of H.264 ultrafast and 6 MB of PCM).
MIN_FREE_FOR_RECORDING_MB = 200.0


@dataclass(frozen=True)
class RecordedTake:
    """What one live take captured.

    Attributes:
        started_at: wall-clock time the take started.
        duration_s: from the start to the stop (or the sources' end), seconds.
        frame_count: frames recorded (every one the camera delivered).
        frame_size: ``(width, height)`` in pixels, ``(0, 0)`` without pictures.
        audio: the whole sound as 16 kHz mono, ``None`` without a microphone.
        media_path: the saved recording (Matroska: H.264 and PCM), ``None``
            unless keeping it was asked for.
        problems: what went wrong during the take, in the trainee's words.
        ended_by_source: a recording standing in for a device reached its end.
    """

    started_at: datetime
    duration_s: float
    frame_count: int
    frame_size: tuple[int, int]
    audio: AudioTrack | None
    media_path: Path | None
    problems: tuple[str, ...]
    ended_by_source: bool

    @property
    def frame_rate_hz(self) -> float:
        """Frames recorded per second of take."""
        return self.frame_count / self.duration_s if self.duration_s > 0 else 0.0


class _MediaWriter:
    """Encode pictures (H.264, ultrafast) and sound (PCM) into one Matroska file as they arrive.

    Runs on its own thread behind a bounded queue, so encoding never holds up
    capture. Any failure (a full disk, a write error, a writer that cannot
    keep up or hangs) ends the file, not the take: the partial file is
    deleted, :attr:`error` says what happened, and the take goes on without
    a recording. Every wait on the writer is bounded.
    """

    def __init__(self, path: Path, *, with_video: bool, with_audio: bool) -> None:
        self.path = path
        self._with_video = with_video
        self._with_audio = with_audio
        self._queue: queue.Queue[object] = queue.Queue(maxsize=WRITER_QUEUE_ITEMS)
        self._container: av.container.OutputContainer | None = None
        self._video: av.VideoStream | None = None
        self._audio: av.AudioStream | None = None
        self._pending_audio: list[AudioTrack] = []
        self._last_ms = -1
        self._lock = threading.Lock()
        self._failed = threading.Event()
        self._given_up = False  # finish() stopped waiting: the thread cleans up when it returns
        self.error: str | None = None
        self._thread = threading.Thread(target=self._run, name="take-writer", daemon=True)
        self._thread.start()

    @property
    def failed(self) -> bool:
        return self._failed.is_set()

    def put(self, item: VideoFrame | AudioTrack) -> None:
        """Queue a picture or sound block for the file (capture thread).

        Waits at most :data:`WRITER_STALL_S` for room: a writer that far
        behind has a stuck disk, and the recording is dropped, not the take.
        """
        if self._failed.is_set():
            return
        try:
            self._queue.put(item, timeout=WRITER_STALL_S)
        except queue.Full:
            self._fail("the disk could not keep up with the recording")

    def finish(self, timeout_s: float | None = None) -> None:
        """Write what is queued and close the file; give up (deleting it) after ``timeout_s``
        (default :data:`WRITER_FINISH_TIMEOUT_S`)."""
        if timeout_s is None:
            timeout_s = WRITER_FINISH_TIMEOUT_S
        deadline = time.monotonic() + timeout_s
        while self._thread.is_alive():
            try:
                self._queue.put(_DONE, timeout=0.1)
                break
            except queue.Full:
                if self._failed.is_set() or time.monotonic() > deadline:
                    break
        self._thread.join(timeout=max(deadline - time.monotonic(), 0.0))
        if self._thread.is_alive():
            with self._lock:
                self._given_up = True
            self._fail(f"finishing the file took longer than {timeout_s:.0f} s")
            self._delete_partial_file()

    def _fail(self, reason: str) -> None:
        with self._lock:
            if self.error is None:
                self.error = f"the recording could not be saved ({reason})"
        self._failed.set()

    def _open(self, first_frame: VideoFrame | None) -> None:
        # 0600 in a 0700 folder: a recording is personal data.
        create_private_file(self.path)
        container = self._container = av.open(str(self.path), mode="w", format="matroska")
        if first_frame is not None:
            video = container.add_stream("libx264", rate=30, options={"preset": "ultrafast", "crf": "23"})
            # 4:2:0 needs even sizes; drop an odd last row or column.
            video.width = first_frame.width - first_frame.width % 2
            video.height = first_frame.height - first_frame.height % 2
            video.pix_fmt = "yuv420p"
            video.time_base = _MS
            video.codec_context.time_base = _MS
            self._video = video
        if self._with_audio:
            self._audio = container.add_stream("pcm_s16le", rate=AUDIO_SAMPLE_RATE_HZ, layout="mono")

    def _run(self) -> None:
        try:
            while (item := self._queue.get()) is not _DONE:
                if self._failed.is_set():
                    break
                self._write(item)
            if not self._failed.is_set():
                self._close()
        except Exception as err:  # noqa: BLE001 - a thread's last line: whatever broke the file is reported, not raised
            self._fail(_plain_write_error(err))
        if self._failed.is_set():
            self._discard()

    def _discard(self) -> None:
        """Drop a failed file: close what is open, quietly, and delete what was written."""
        container, self._container = self._container, None
        if container is not None:
            try:
                container.close()
            except Exception:  # noqa: BLE001 - the file is being thrown away; its own error was reported
                pass
        self._delete_partial_file()

    def _delete_partial_file(self) -> None:
        try:
            self.path.unlink(missing_ok=True)
        except OSError:
            pass

    def _write(self, item: object) -> None:
        if self._container is None:
            if isinstance(item, AudioTrack) and self._with_video:
                self._pending_audio.append(item)  # streams are declared with the first picture
                return
            self._open(item if isinstance(item, VideoFrame) else None)
            for block in self._pending_audio:
                self._write_audio(block)
            self._pending_audio.clear()
        if isinstance(item, VideoFrame):
            self._write_video(item)
        elif isinstance(item, AudioTrack):
            self._write_audio(item)

    def _write_video(self, frame: VideoFrame) -> None:
        pts = int(round(frame.time_s * 1000))
        if self._video is None or pts <= self._last_ms:
            return
        self._last_ms = pts
        rgb = np.ascontiguousarray(frame.rgb[: self._video.height, : self._video.width])
        picture = av.VideoFrame.from_ndarray(rgb, format="rgb24")
        picture.pts = pts
        picture.time_base = _MS
        self._mux(self._video.encode(picture))

    def _write_audio(self, block: AudioTrack) -> None:
        if self._audio is None or not len(block.samples):
            return
        pcm = (np.clip(block.samples, -1.0, 1.0) * 32767).astype(np.int16)[None, :]
        frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
        frame.sample_rate = AUDIO_SAMPLE_RATE_HZ
        frame.pts = int(round(block.start_s * AUDIO_SAMPLE_RATE_HZ))
        frame.time_base = Fraction(1, AUDIO_SAMPLE_RATE_HZ)
        self._mux(self._audio.encode(frame))

    def _mux(self, packets: list[av.Packet]) -> None:
        container = self._container
        assert container is not None  # streams exist only in an open file
        for packet in packets:
            container.mux(packet)

    def _close(self) -> None:
        if self._container is None:
            if self._pending_audio:
                self._with_video = False
                self._open(None)
                for block in self._pending_audio:
                    self._write_audio(block)
            else:
                return
        for stream in (self._video, self._audio):
            if stream is not None:
                self._mux(stream.encode(None))
        container, self._container = self._container, None
        assert container is not None
        container.close()
        with self._lock:
            given_up = self._given_up
        if given_up:
            self._delete_partial_file()  # finish() already told the take it was not saved


def _plain_write_error(err: BaseException) -> str:
    """A write failure in a trainee's words (no library names, no paths)."""
    number = getattr(err, "errno", None)
    if number == errno.ENOSPC:
        return "the disk is full"
    if number in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "the data folder cannot be written to"
    if number == errno.EDQUOT:
        return "the disk quota is used up"
    return "writing the file failed"


def free_space_problem(path: Path, *, minimum_mb: float | None = None) -> str | None:
    """Why a recording cannot be kept at ``path`` (too little space, not writable), or ``None``.

    ``minimum_mb`` defaults to :data:`MIN_FREE_FOR_RECORDING_MB`.
    """
    if minimum_mb is None:
        minimum_mb = MIN_FREE_FOR_RECORDING_MB
    folder = path.parent
    probe = folder
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    try:
        free_mb = shutil.disk_usage(probe).free / 1e6
    except OSError:
        return "the data folder cannot be reached"
    if free_mb < minimum_mb:
        return f"only {free_mb:.0f} MB are free on the disk, and a recording needs at least {minimum_mb:.0f} MB"
    if not os.access(probe, os.W_OK):
        return "the data folder cannot be written to"
    return None


class TakeRecorder:
    """One take's recording from a camera and a microphone (either may be absent).

    Sources are pumped on their own threads from :meth:`start` until
    :meth:`stop`. Frames and sound can also be pushed with :meth:`add_frame`
    and :meth:`add_audio` (the browser mode) instead of attaching sources.
    :meth:`start` and :meth:`stop` may be called from any thread, more than
    once: the take starts once and stops once, and every caller of
    :meth:`stop` gets the same take.

    Args:
        camera / microphone: live sources, opened.
        close_sources: close the camera and microphone when the take stops
            (each on the thread that reads it, once it has let go of it).
        keep_media_at: write the recording to this path (``None``: keep nothing).
        on_frame: told of every frame, on the capture thread; must return at once.
        on_audio: told of every sound block, on the capture thread; must return at once.

    Example::

        with OpenCVCamera(0) as camera, SoundDeviceMicrophone() as mic:
            recorder = TakeRecorder(camera=camera, microphone=mic)
            recorder.start()
            ...
            take = recorder.stop()
    """

    def __init__(
        self,
        *,
        camera: Camera | None = None,
        microphone: Microphone | None = None,
        expect_video: bool | None = None,
        expect_audio: bool | None = None,
        keep_media_at: Path | None = None,
        close_sources: bool = False,
        on_frame: Callable[[VideoFrame], None] | None = None,
        on_audio: Callable[[AudioTrack], None] | None = None,
    ) -> None:
        self.camera = camera
        self.microphone = microphone
        self._expect_video = camera is not None if expect_video is None else expect_video
        self._expect_audio = microphone is not None if expect_audio is None else expect_audio
        self._keep_media_at = keep_media_at
        self._close_sources = close_sources
        self._on_frame = on_frame
        self._on_audio = on_audio
        self._lock = threading.Lock()
        # Held through start and stop, so two callers never start or stop twice.
        self._lifetime = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._sources_running = 0
        self._audio_blocks: list[AudioTrack] = []
        self._frame_count = 0
        self._frame_size = (0, 0)
        self._latest: VideoFrame | None = None
        self._problems: list[str] = []
        self._ended_by_source = False
        self._writer: _MediaWriter | None = None
        self._stopped_at: float | None = None
        self._result: RecordedTake | None = None
        self.clock: TakeClock | None = None
        self.started_at: datetime | None = None

    # -- lifetime ---------------------------------------------------------------
    def start(self) -> None:
        """Start the take's clock and the sources' threads (once; later calls do nothing).

        Raises:
            RuntimeError: the take was already stopped (a recorder records one take).
        """
        with self._lifetime:
            if self._result is not None:
                raise RuntimeError("a TakeRecorder records one take; make a new one for the next")
            if self.clock is not None:
                return
            if self._keep_media_at is not None:
                problem = free_space_problem(self._keep_media_at)
                if problem:
                    self._problems.append(f"The recording was not kept: {problem}. The take is scored without it.")
                else:
                    self._writer = _MediaWriter(
                        self._keep_media_at, with_video=self._expect_video, with_audio=self._expect_audio
                    )
            self.started_at = datetime.now()
            self.clock = TakeClock()
            for name, source, pump in (
                ("camera", self.camera, self._pump_camera),
                ("microphone", self.microphone, self._pump_microphone),
            ):
                if source is not None:
                    self._sources_running += 1
                    thread = threading.Thread(target=pump, args=(source,), name=f"take-{name}", daemon=True)
                    self._threads.append(thread)
                    thread.start()

    def __enter__(self) -> TakeRecorder:
        self.start()
        return self

    def __exit__(self, exc_type, exc, tb: TracebackType | None) -> None:
        self.stop()

    @property
    def started(self) -> bool:
        return self.clock is not None

    @property
    def recording(self) -> bool:
        """Started, not stopped, and (with attached sources) at least one still delivering."""
        with self._lock:
            running = self._sources_running > 0 or (self.camera is None and self.microphone is None)
        return self.clock is not None and not self._stop.is_set() and running

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    @property
    def elapsed_s(self) -> float:
        if self.clock is None:
            return 0.0
        return self._stopped_at if self._stopped_at is not None else self.clock.now()

    @property
    def problems(self) -> tuple[str, ...]:
        with self._lock:
            return tuple(self._problems)

    @property
    def frames_recorded(self) -> int:
        """Frames recorded so far."""
        with self._lock:
            return self._frame_count

    @property
    def media_failed(self) -> bool:
        """Keeping the recording was asked for and has failed (the take goes on without it)."""
        return self._writer is not None and self._writer.failed

    def latest_frame(self) -> VideoFrame | None:
        """The newest frame recorded (for the preview), ``None`` before the first."""
        with self._lock:
            return self._latest

    def stop(self) -> RecordedTake:
        """Stop the sources, finish the file if one is kept, and return the take.

        Any thread, any number of times: the first call stops the take, the
        others wait for it and get the same take. Stopping a take that never
        started returns an empty one (and closes the sources if they are
        the recorder's to close).
        """
        with self._lifetime:
            if self._result is None:
                self._result = self._stop_once()
            return self._result

    def _stop_once(self) -> RecordedTake:
        self._stop.set()
        if self.clock is None:
            self._close_unpumped_sources()
            return RecordedTake(
                started_at=datetime.now(),
                duration_s=0.0,
                frame_count=0,
                frame_size=(0, 0),
                audio=None,
                media_path=None,
                problems=(),
                ended_by_source=False,
            )
        with self._lock:
            if self._stopped_at is None:
                self._stopped_at = self.clock.now()
        deadline = time.monotonic() + SOURCE_STOP_TIMEOUT_S
        for thread in self._threads:
            thread.join(timeout=max(deadline - time.monotonic(), 0.0))
        media_path = None
        if self._writer is not None:
            self._writer.finish()
            if self._writer.error:
                with self._lock:
                    self._problems.append(
                        f"The take was analysed, but {self._writer.error}; the scores are kept without it."
                    )
            elif self._writer.path.exists():
                media_path = self._writer.path
        with self._lock:
            blocks = list(self._audio_blocks)
            problems = tuple(self._problems)
            frame_count, frame_size = self._frame_count, self._frame_size
        audio = None
        if blocks:
            audio = AudioTrack(
                samples=np.concatenate([b.samples for b in blocks]).astype(np.float32, copy=False),
                sample_rate_hz=AUDIO_SAMPLE_RATE_HZ,
                start_s=blocks[0].start_s,
            )
        elif self._expect_audio:
            audio = AudioTrack(np.zeros(0, np.float32), AUDIO_SAMPLE_RATE_HZ, 0.0)
        assert self.started_at is not None and self._stopped_at is not None
        return RecordedTake(
            started_at=self.started_at,
            duration_s=self._stopped_at,
            frame_count=frame_count,
            frame_size=frame_size,
            audio=audio,
            media_path=media_path,
            problems=problems,
            ended_by_source=self._ended_by_source,
        )

    def _close_unpumped_sources(self) -> None:
        if not self._close_sources:
            return
        for source in (self.camera, self.microphone):
            if source is not None:
                _close_quietly(source)

    # -- what sources deliver -------------------------------------------------------
    def add_frame(self, frame: VideoFrame) -> None:
        """Record one picture (any thread). Ignored once stopped."""
        if self._stop.is_set():
            return
        with self._lock:
            self._frame_count += 1
            self._frame_size = (frame.width, frame.height)
            self._latest = frame
        if self._writer is not None:
            self._writer.put(frame)
        if self._on_frame is not None:
            self._on_frame(frame)

    def add_audio(self, block: AudioTrack) -> None:
        """Record one block of 16 kHz mono sound (any thread). Ignored once stopped."""
        if self._stop.is_set():
            return
        with self._lock:
            self._audio_blocks.append(block)
        if self._writer is not None:
            self._writer.put(block)
        if self._on_audio is not None:
            self._on_audio(block)

    # -- pumps ----------------------------------------------------------------------
    def _pump_camera(self, camera: Camera) -> None:
        clock = self.clock
        assert clock is not None  # pumps start after the clock
        self._pump(camera, lambda: camera.frames(clock, self._stop), self.add_frame, "camera")

    def _pump_microphone(self, microphone: Microphone) -> None:
        clock = self.clock
        assert clock is not None  # pumps start after the clock
        self._pump(microphone, lambda: microphone.blocks(clock, self._stop), self.add_audio, "microphone")

    def _pump(self, source, items, deliver, name: str) -> None:
        try:
            for item in items():
                deliver(item)
            if source.finite and not self._stop.is_set():
                self._ended_by_source = True
        except DeviceLost as err:
            with self._lock:
                self._problems.append(f"{err} The take keeps what was recorded until then.")
        except DeviceError as err:
            with self._lock:
                self._problems.append(str(err))
        finally:
            with self._lock:
                self._sources_running -= 1
                if self._sources_running == 0 and self._stopped_at is None and self.clock is not None:
                    self._stopped_at = self.clock.now()
            # The thread that reads a device is the one that lets go of it.
            if self._close_sources:
                _close_quietly(source)


def _close_quietly(source: Camera | Microphone) -> None:
    """Close a device at the end of a take; one that fails to close is already gone."""
    try:
        source.close()
    except (DeviceError, OSError, RuntimeError):
        pass
