"""Live sources: the kiosk's camera and microphone, or a recording standing in for them.

A live source yields what it captures as it arrives, stamped on the take's
clock (:class:`TakeClock`, seconds since the take started):

* a camera yields :class:`VideoFrame` values (:meth:`Camera.frames`);
* a microphone yields :class:`AudioTrack` blocks of 16 kHz mono float32
  (:meth:`Microphone.blocks`), contiguous from the first block.

:class:`OpenCVCamera` and :class:`SoundDeviceMicrophone` drive real devices;
:class:`FileCamera` and :class:`FileMicrophone` play a recording at its own
pace through the same interface, so tests, benchmarks and a machine without
devices run exactly the code a kiosk runs.
"""

from __future__ import annotations

import glob
import queue
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import av
import numpy as np

from kiosk.capture.file import RecordingSource
from kiosk.capture.take import AUDIO_SAMPLE_RATE_HZ, AudioTrack, VideoFrame
from kiosk.errors import DeviceError, MediaError
from kiosk.settings import read_settings

#: Length of one microphone block handed on, in seconds (a level meter updates this often).
BLOCK_S = 0.02
#: How long a camera may deliver nothing before it counts as lost, in seconds.
CAMERA_SILENT_LIMIT_S = 2.0

PORTAUDIO_HINT = (
    "The kiosk's microphone cannot be used because the PortAudio library is missing: "
    "install it (sudo apt-get install libportaudio2) and restart the kiosk. "
    "Meanwhile the browser mode and uploading a recording still work."
)


class TakeClock:
    """Seconds since the take started, on the monotonic clock (never jumps)."""

    def __init__(self) -> None:
        self._start = time.monotonic()

    def now(self) -> float:
        return time.monotonic() - self._start

    def wait_until(self, time_s: float, stop: threading.Event) -> bool:
        """Sleep until ``time_s`` on this clock; ``False`` if ``stop`` was set first."""
        delay = time_s - self.now()
        if delay > 0:
            return not stop.wait(delay)
        return not stop.is_set()


@dataclass(frozen=True)
class DeviceChoice:
    """A capture device as the settings page lists it.

    Attributes:
        id: what to open: ``"0"`` for a camera index, a device name or index
            for a microphone, or ``"file:/path"`` for a recording standing in.
        label: what the trainee reads.
    """

    id: str
    label: str


class DeviceLost(DeviceError):
    """A device stopped delivering in the middle of a take (unplugged, taken over)."""


class LiveSource:
    """A device (or a recording standing in) opened for one or more takes. Use as a context manager."""

    #: True for a recording standing in: its end is the end of the take, not a lost device.
    finite = False

    def close(self) -> None:  # optional for sources holding nothing
        pass

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb: TracebackType | None) -> None:
        self.close()


class Camera(LiveSource, ABC):
    """A live picture source."""

    @abstractmethod
    def frames(self, clock: TakeClock, stop: threading.Event) -> Iterator[VideoFrame]:
        """Yield frames as they arrive until ``stop`` is set.

        Raises:
            DeviceLost: the device stopped delivering.
        """


class Microphone(LiveSource, ABC):
    """A live sound source."""

    @abstractmethod
    def blocks(self, clock: TakeClock, stop: threading.Event) -> Iterator[AudioTrack]:
        """Yield 16 kHz mono float32 blocks, contiguous, until ``stop`` is set.

        Raises:
            DeviceLost: the device stopped delivering.
        """


# -- real devices ---------------------------------------------------------------


def list_cameras() -> list[DeviceChoice]:
    """The cameras this machine has (Linux: ``/dev/video*`` that OpenCV can open)."""
    import cv2

    choices = []
    for node in sorted(glob.glob("/dev/video*")):
        index = node.removeprefix("/dev/video")
        if not index.isdigit():
            continue
        capture = cv2.VideoCapture(int(index))
        try:
            if capture.isOpened():
                choices.append(DeviceChoice(id=index, label=f"Camera {index} ({node})"))
        finally:
            capture.release()
    return choices


class OpenCVCamera(Camera):
    """A webcam through OpenCV.

    Args:
        device: camera index (``0`` is the first) or a device path.
        width / height: requested picture size in pixels (the camera may pick another).
        frame_rate_hz: requested frame rate.

    Raises:
        DeviceError: no camera there, or it is busy (another program holds it).
    """

    def __init__(self, device: int | str = 0, *, width: int = 640, height: int = 480, frame_rate_hz: float = 30.0):
        import cv2

        self.device = device
        self._capture = cv2.VideoCapture(device)
        if not self._capture.isOpened():
            self._capture.release()
            raise DeviceError(
                f"No camera was found at {device!r}: plug a webcam in (or pick another camera in the settings), "
                "or use the browser mode or upload a recording."
            )
        self._capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        self._capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        self._capture.set(cv2.CAP_PROP_FPS, frame_rate_hz)
        ok, _ = self._capture.read()
        if not ok:
            self._capture.release()
            raise DeviceError(
                f"The camera {device!r} opened but gives no picture: it is probably in use by another program "
                "(a video call, another kiosk page); close that program and try again."
            )

    def frames(self, clock: TakeClock, stop: threading.Event) -> Iterator[VideoFrame]:
        import cv2

        while not stop.is_set():
            ok, bgr = self._capture.read()
            if not ok:
                raise DeviceLost(f"The camera stopped at {clock.now():.1f} s (unplugged or taken by another program).")
            yield VideoFrame(time_s=clock.now(), rgb=np.ascontiguousarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)))

    def close(self) -> None:
        self._capture.release()


_SOUNDDEVICE_LOCK = threading.Lock()
_sounddevice_failed: list[BaseException] = []


def _sounddevice():
    """Import sounddevice once per process, turning a missing PortAudio into advice.

    Serialised: two page sessions importing it at once could otherwise see a
    half-imported module while the first import fails.
    """
    with _SOUNDDEVICE_LOCK:
        if _sounddevice_failed:
            raise DeviceError(PORTAUDIO_HINT) from _sounddevice_failed[0]
        try:
            import sounddevice
        except OSError as err:  # sounddevice raises OSError when libportaudio is absent
            _sounddevice_failed.append(err)
            raise DeviceError(PORTAUDIO_HINT) from err
    return sounddevice


def list_microphones() -> list[DeviceChoice]:
    """The microphones PortAudio sees.

    Raises:
        DeviceError: PortAudio is missing (with the install hint).
    """
    sd = _sounddevice()
    return [
        DeviceChoice(id=str(index), label=str(info["name"]))
        for index, info in enumerate(sd.query_devices())
        if info.get("max_input_channels", 0) > 0
    ]


class BlockResampler:
    """Turn blocks at any rate and channel count into 16 kHz mono float32 (PyAV's resampler, stateful)."""

    def __init__(self) -> None:
        self._resampler = av.AudioResampler(
            format="flt", layout="mono", rate=AUDIO_SAMPLE_RATE_HZ, options={"rematrix_maxval": "1.0"}
        )

    def resample(self, frame: av.AudioFrame) -> np.ndarray:
        out = [f.to_ndarray().reshape(-1) for f in self._resampler.resample(frame)]
        return np.concatenate(out).astype(np.float32, copy=False) if out else np.zeros(0, np.float32)

    def flush(self) -> np.ndarray:
        """The samples still held inside the resampler, at the end of a stream."""
        out = [f.to_ndarray().reshape(-1) for f in self._resampler.resample(None)]
        return np.concatenate(out).astype(np.float32, copy=False) if out else np.zeros(0, np.float32)

    def from_array(self, samples: np.ndarray, sample_rate_hz: int) -> np.ndarray:
        """``samples``: ``(n,)`` or ``(n, channels)`` float32 in [-1, 1] at ``sample_rate_hz``."""
        data = np.asarray(samples, dtype=np.float32)
        if not len(data):
            return np.zeros(0, np.float32)
        if data.ndim == 1:
            data = data[:, None]
        layout = "mono" if data.shape[1] == 1 else "stereo"
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(data.reshape(1, -1)), format="flt", layout=layout)
        frame.sample_rate = int(sample_rate_hz)
        return self.resample(frame)


class SoundDeviceMicrophone(Microphone):
    """A microphone through sounddevice (PortAudio).

    Args:
        device: PortAudio device index or name; ``None`` for the system default.

    Raises:
        DeviceError: PortAudio missing, no microphone, or it cannot be opened.
    """

    def __init__(self, device: int | str | None = None) -> None:
        sd = _sounddevice()
        try:
            info = sd.query_devices(device, kind="input")
        except (ValueError, sd.PortAudioError) as err:
            raise DeviceError(
                f"No microphone was found ({err}): plug one in (or pick another in the settings), "
                "or use the browser mode or upload a recording."
            ) from err
        self.device = device
        self._rate = int(info["default_samplerate"])
        self._queue: queue.Queue[np.ndarray] = queue.Queue()
        self._lost = threading.Event()

        def callback(indata, frames, time_info, status) -> None:  # PortAudio's thread
            self._queue.put(indata[:, 0].copy())

        try:
            self._stream = sd.InputStream(
                device=device,
                channels=1,
                samplerate=self._rate,
                dtype="float32",
                blocksize=int(self._rate * BLOCK_S),
                callback=callback,
                finished_callback=self._lost.set,
            )
        except sd.PortAudioError as err:
            raise DeviceError(
                f"The microphone {info['name']!r} could not be opened ({err}); it may be in use by another "
                "program: close it and try again."
            ) from err

    def blocks(self, clock: TakeClock, stop: threading.Event) -> Iterator[AudioTrack]:
        resampler = BlockResampler()
        start_s = None
        done = 0
        self._stream.start()
        try:
            while not stop.is_set():
                try:
                    raw = self._queue.get(timeout=0.5)
                except queue.Empty:
                    if self._lost.is_set() or not self._stream.active:
                        raise DeviceLost(
                            f"The microphone stopped at {clock.now():.1f} s (unplugged or taken by another program)."
                        ) from None
                    continue
                if start_s is None:
                    start_s = max(clock.now() - len(raw) / self._rate, 0.0)
                samples = resampler.from_array(raw, self._rate)
                if len(samples):
                    yield AudioTrack(samples, AUDIO_SAMPLE_RATE_HZ, start_s + done / AUDIO_SAMPLE_RATE_HZ)
                    done += len(samples)
        finally:
            self._stream.stop()

    def close(self) -> None:
        self._stream.close()


# -- a recording standing in ----------------------------------------------------


def _file_path(path: str | Path) -> Path:
    return Path(str(path).removeprefix("file:"))


class FileCamera(Camera):
    """A recording's pictures played as a camera would deliver them, in real time.

    Args:
        path: any recording :class:`RecordingSource` reads.
        play_for_s: loop the recording until this long (``None``: play it once).
        realtime: pace frames on the take's clock (``False``: as fast as they decode).

    Raises:
        MediaError: the file cannot be read or has no video.
    """

    finite = True

    def __init__(self, path: str | Path, *, play_for_s: float | None = None, realtime: bool = True) -> None:
        self.path = _file_path(path)
        with RecordingSource(self.path) as source:
            if not source.info.has_video:
                raise MediaError(f"{self.path.name} has no video to stand in for a camera.")
            self.info = source.info
        self.play_for_s = play_for_s
        self.realtime = realtime

    def frames(self, clock: TakeClock, stop: threading.Event) -> Iterator[VideoFrame]:
        offset = 0.0
        while True:
            last = offset
            with RecordingSource(self.path) as source:
                for frame in source.frames():
                    time_s = offset + frame.time_s
                    if self.play_for_s is not None and time_s >= self.play_for_s:
                        return
                    if self.realtime and not clock.wait_until(time_s, stop):
                        return
                    if stop.is_set():
                        return
                    last = time_s
                    yield VideoFrame(time_s=time_s, rgb=frame.rgb)
            if self.play_for_s is None:
                return
            period = 1.0 / (self.info.frame_rate_hz or 30.0)
            offset = last + period


class FileMicrophone(Microphone):
    """A recording's sound played as a microphone would deliver it, in real time.

    Raises:
        MediaError: the file cannot be read or has no sound.
    """

    finite = True

    def __init__(self, path: str | Path, *, play_for_s: float | None = None, realtime: bool = True) -> None:
        self.path = _file_path(path)
        with RecordingSource(self.path) as source:
            track = source.audio()
        if track is None:
            raise MediaError(f"{self.path.name} has no sound to stand in for a microphone.")
        samples = track.samples
        if play_for_s is not None:
            wanted = int(round((play_for_s - track.start_s) * AUDIO_SAMPLE_RATE_HZ))
            repeats = -(-wanted // max(len(samples), 1))
            samples = np.tile(samples, max(repeats, 1))[:wanted]
        self._track = AudioTrack(samples, AUDIO_SAMPLE_RATE_HZ, track.start_s)
        self.realtime = realtime

    def blocks(self, clock: TakeClock, stop: threading.Event) -> Iterator[AudioTrack]:
        step = int(AUDIO_SAMPLE_RATE_HZ * BLOCK_S)
        samples = self._track.samples
        for begin in range(0, len(samples), step):
            start_s = self._track.start_s + begin / AUDIO_SAMPLE_RATE_HZ
            # A microphone hands a block on once it has been heard in full.
            if self.realtime and not clock.wait_until(start_s + BLOCK_S, stop):
                return
            if stop.is_set():
                return
            yield AudioTrack(samples[begin : begin + step], AUDIO_SAMPLE_RATE_HZ, start_s)


def open_camera(choice: str) -> Camera:
    """Open the camera a setting names: an index, a device path, or ``file:PATH`` standing in."""
    if choice.startswith("file:"):
        return FileCamera(choice)
    return OpenCVCamera(int(choice) if choice.isdigit() else choice)


def open_microphone(choice: str | None) -> Microphone:
    """Open the microphone a setting names: PortAudio index or name, ``None`` default, or ``file:PATH``."""
    if choice and choice.startswith("file:"):
        return FileMicrophone(choice)
    return SoundDeviceMicrophone(int(choice) if choice and choice.isdigit() else choice)


def stand_ins_from_environment() -> tuple[str | None, str | None]:
    """``KIOSK_CAMERA`` / ``KIOSK_MICROPHONE``: a device or ``file:PATH`` the settings use by default."""
    settings = read_settings()
    return settings.camera, settings.microphone
