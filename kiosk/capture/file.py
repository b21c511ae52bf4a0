"""A recorded file as a take source (PyAV).

Opens any container FFmpeg reads (mp4, mov, webm, mkv, phone videos with
rotation metadata, variable frame rate, still images, audio-only files) and
yields upright RGB frames with presentation times, and the audio track as
16 kHz mono float32, all on the take's time axis.
"""

from __future__ import annotations

import itertools
import math
import os
import stat
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import NoReturn

import av
import numpy as np

from kiosk.calibration import MediaLimits
from kiosk.capture.take import AUDIO_SAMPLE_RATE_HZ, AudioTrack, RecordingInfo, VideoFrame
from kiosk.errors import MediaError

_STILL_IMAGE_FORMATS = {"image2", "png_pipe", "jpeg_pipe", "webp_pipe"}
#: A frame this little after the time sought still counts as at it (float rounding of times).
_SEEK_SLACK_S = 1e-6
#: A recording whose every stream ends this long before the duration its
#: header gives was cut short (seconds; rounding and a last frame's length
#: are far smaller).
_INCOMPLETE_AFTER_S = 1.0


def _upright(rgb: np.ndarray, clockwise_deg: int) -> np.ndarray:
    # np.rot90 turns counter-clockwise for positive k.
    if clockwise_deg == 90:
        rgb = np.rot90(rgb, k=-1)
    elif clockwise_deg == 180:
        rgb = np.rot90(rgb, k=2)
    elif clockwise_deg == 270:
        rgb = np.rot90(rgb, k=1)
    # PyAV returns a view with the decoder's row padding (a 700-pixel-wide
    # frame has 2112-byte rows, not 2100); MediaPipe reads such an array as if
    # it were packed and then silently finds no face. Always hand on a copy.
    return np.ascontiguousarray(rgb)


def _clockwise_rotation(stream_rotation: float) -> int:
    """Display-matrix rotation (counter-clockwise degrees) -> clockwise turn to apply."""
    turn = int(round(-stream_rotation / 90.0)) * 90 % 360
    return turn


def _seconds(pts: int | None, time_base: Fraction | None) -> float | None:
    if pts is None or time_base is None:
        return None
    return float(pts * time_base)


class RecordingSource:
    """A recorded file, opened for reading frames and audio.

    Use as a context manager; the container is closed on exit::

        with RecordingSource("take.mp4") as rec:
            print(rec.info.describe())
            for frame in rec.frames():
                ...
            audio = rec.audio()

    Raises:
        MediaError: the file is missing, not a media file, or corrupt.
    """

    def __init__(self, path: str | Path, *, name: str | None = None, limits: MediaLimits | None = None) -> None:
        self.path = Path(path)
        # What messages call the file: the upload's own name, never a temporary path.
        self.name = name or str(self.path)
        self.limits = limits
        try:
            status = os.stat(self.path)
        except FileNotFoundError:
            raise MediaError(f"The file {self.name} does not exist; check the path and try again.") from None
        except OSError as err:
            raise MediaError(
                f"{self.name} cannot be opened ({_reason(err)}); check the path and its permissions."
            ) from None
        if stat.S_ISDIR(status.st_mode):
            raise MediaError(f"{self.name} is a folder, not a recording; give the path of a video or audio file.")
        if not stat.S_ISREG(status.st_mode):
            # A pipe or a device would be read for ever, waiting for an end that never comes.
            raise MediaError(
                f"{self.name} is not a regular file (a pipe, device or socket); save the recording to a file "
                "and give that file's path."
            )
        if status.st_size == 0:
            raise MediaError(f"{self.name} is empty (0 bytes); record the take again or pick the right file.")
        try:
            # The limit reaches the decoders FFmpeg runs while probing the file, too.
            self._container = av.open(str(self.path), options=self._decoder_options())
        except (av.FFmpegError, UnicodeDecodeError, ValueError, OSError) as err:
            raise MediaError(
                f"{self.name} could not be read as a video or audio file ({_reason(err)}); "
                "check that it is a complete recording (mp4, mov, webm, mkv, wav, ...) and try again."
            ) from err
        try:
            self.info = self._read_info()
        except MediaError:
            self._container.close()
            raise
        self._start_s = self._take_start()
        self._read_once = False
        self._decode_failed = False
        self._video_end_s: float | None = None
        self._audio_end_s: float | None = None

    # -- lifetime ---------------------------------------------------------
    def __enter__(self) -> RecordingSource:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._container.close()

    # -- headers ----------------------------------------------------------
    def _read_info(self) -> RecordingInfo:
        c = self._container
        video = c.streams.video[0] if c.streams.video else None
        audio = c.streams.audio[0] if c.streams.audio else None
        fmt = c.format.name
        width = height = 0
        rate = 0.0
        rotation = 0
        if video is not None:
            width, height = video.codec_context.width, video.codec_context.height
            if fmt in _STILL_IMAGE_FORMATS and not width * height:
                # FFmpeg learns a picture's size only by decoding it.
                size = _still_size(self.path)
                if size is None:
                    self._too_many_pixels()
                width, height = size
            # Before anything is decoded: a decompression bomb is refused unread.
            self._check_pixels(width, height)
            if fmt not in _STILL_IMAGE_FORMATS and video.average_rate:
                rate = float(video.average_rate)
            rotation = _clockwise_rotation(
                _stream_rotation(video) or _first_frame_rotation(self.path, self._decoder_options())
            )
            if rotation in (90, 270):
                width, height = height, width
        duration = c.duration / av.time_base if c.duration else 0.0
        if fmt in _STILL_IMAGE_FORMATS:
            duration = 0.0
        self._check_duration(duration)
        return RecordingInfo(
            path=self.path,
            container=fmt,
            duration_s=float(duration),
            has_video=video is not None,
            has_audio=audio is not None,
            width=width,
            height=height,
            frame_rate_hz=rate,
            rotation_deg=rotation,
            video_codec=video.codec_context.name if video is not None else "",
            audio_codec=audio.codec_context.name if audio is not None else "",
        )

    def _decoder_options(self) -> dict[str, str]:
        # FFmpeg's own guard, for every decoder it opens (probing included): a
        # picture larger than the limit fails to decode instead of being allocated.
        return {"max_pixels": str(int(self.limits.max_pixels))} if self.limits is not None else {}

    def _check_pixels(self, width: int, height: int) -> None:
        if self.limits is not None and width * height > self.limits.max_pixels:
            self._too_many_pixels(f" of {width}x{height} pixels")

    def _too_many_pixels(self, size: str = "") -> NoReturn:
        limit = f" ({self.limits.max_pixels / 1e6:.0f} million pixels)" if self.limits is not None else ""
        raise MediaError(
            f"{self.name} has pictures{size} larger than the kiosk analyses{limit}; export it at a smaller size "
            "(1920x1080 is plenty) and try again."
        )

    def _check_duration(self, duration_s: float) -> None:
        if self.limits is not None and duration_s > self.limits.max_duration_s:
            raise MediaError(
                f"{self.name} is {_minutes(duration_s)} long; the kiosk analyses recordings of up to "
                f"{_minutes(self.limits.max_duration_s)}: trim it to the take and try again."
            )

    def _video_from_start(self) -> Iterator[av.VideoFrame]:
        self._rewind()
        stream = self._container.streams.video[0]
        stream.thread_type = "AUTO"
        return self._container.decode(stream)

    def _seek_video(self, from_s: float) -> Iterator[av.VideoFrame]:
        """The video's frames from the key frame at or before ``from_s``; from the start when that fails.

        From the start, too, when the first frame after the seek has no
        timestamp or lies after ``from_s`` (a seek that landed late), or when
        none comes (a file cut short before ``from_s``): the frames are then
        the same as a whole pass's, only decoded from further back.
        """
        self._rewind()
        stream = self._container.streams.video[0]
        stream.thread_type = "AUTO"
        first: av.VideoFrame | None = None
        try:
            if stream.time_base is not None:
                target = int((from_s + self._start_s) / stream.time_base)
                self._container.seek(target, stream=stream, backward=True, any_frame=False)
                decoded = self._container.decode(stream)
                first = next(decoded, None)
        except av.FFmpegError:
            first = None
        if first is not None:
            t = _seconds(first.pts, first.time_base)
            if t is not None and t - self._start_s <= from_s + _SEEK_SLACK_S:
                return itertools.chain([first], decoded)
        return self._video_from_start()

    def count_video_read_by(self, other: RecordingSource) -> None:
        """Take the video that ``other``, a second source on the same file, read as read here.

        When a take's two halves are decoded by two sources, the first stops
        halfway by design; how far the video really goes (and whether it
        broke off) is the second's to tell, for :meth:`incomplete_note`.
        """
        if other._video_end_s is not None:
            self._video_end_s = max(self._video_end_s or 0.0, other._video_end_s)
        self._decode_failed = self._decode_failed or other._decode_failed

    def incomplete_note(self) -> str | None:
        """Whether the recording was cut short (a broken upload, a copy stopped halfway), in words; after reading it.

        ``None`` when it reads to the end its header announces.
        """
        duration = self.info.duration_s
        ends = [end for end in (self._video_end_s, self._audio_end_s) if end is not None]
        cut_short = duration > 0 and ends and max(ends) < duration - _INCOMPLETE_AFTER_S
        if not self._decode_failed and not cut_short:
            return None
        reached = max(ends) if ends else 0.0
        of = f" of the {duration:.1f} s its header announces" if duration > 0 else ""
        return (
            f"The recording is incomplete: it could be read only up to {reached:.1f} s{of} (the file was cut "
            "short or damaged). The scores cover that part only; upload the whole recording for a full report."
        )

    def _take_start(self) -> float:
        """The earliest stream start: time zero of the take, in container seconds."""
        starts = [
            s
            for stream in (*self._container.streams.video[:1], *self._container.streams.audio[:1])
            if (s := _seconds(stream.start_time, stream.time_base)) is not None
        ]
        return min(starts) if starts else 0.0

    # -- decoding ---------------------------------------------------------
    def _rewind(self) -> None:
        # A second pass (audio after video, or frames twice) reopens the file
        # rather than seeking: seeking loses a still image's only frame and the
        # first audio packets of some mp4s, and an opened codec's thread_type
        # can no longer be set.
        if self._read_once:
            self._container.close()
            self._container = av.open(str(self.path), options=self._decoder_options())
        self._read_once = True

    def frames(self, *, from_s: float = 0.0) -> Iterator[VideoFrame]:
        """Yield every decodable frame, upright RGB, in presentation order.

        ``from_s`` > 0 starts at the key frame at or before that time of the
        take (so frames a little before it come too; from the start when the
        file cannot seek): the second half of a take analysed in two.

        Raises:
            MediaError: the file has no video stream, or no frame decodes.
        """
        if not self.info.has_video:
            raise MediaError(
                f"{self.name} has no video stream ({self.info.describe()}); "
                "body language needs a video recording: record with the camera on."
            )
        decoded = self._seek_video(from_s) if from_s > 0 else self._video_from_start()
        count = 0
        last_time = -math.inf
        try:
            for frame in decoded:
                t = _seconds(frame.pts, frame.time_base)
                if t is None:
                    # Some raw streams carry no timestamps; fall back to the nominal rate.
                    rate = self.info.frame_rate_hz or 30.0
                    t = self._start_s + count / rate
                time_s = max(t - self._start_s, 0.0)
                if time_s <= last_time:
                    # Timestamps must rise for video-mode tracking; a duplicate
                    # frame (VFR, edit lists) carries nothing new.
                    continue
                last_time = time_s
                # A header may give no duration: the limit holds while decoding too.
                self._check_duration(time_s)
                self._check_pixels(frame.width, frame.height)
                rotation = _clockwise_rotation(getattr(frame, "rotation", 0) or 0) or self.info.rotation_deg
                rgb = _upright(frame.to_ndarray(format="rgb24"), rotation)
                count += 1
                self._video_end_s = time_s + (1.0 / self.info.frame_rate_hz if self.info.frame_rate_hz else 0.0)
                yield VideoFrame(time_s=time_s, rgb=rgb)
        except av.FFmpegError as err:
            if count == 0:
                raise MediaError(
                    f"{self.name} is damaged: its video could not be decoded ({_reason(err)}); "
                    "record the take again or re-export the file."
                ) from err
            # A truncated file: keep the frames that decoded, like a player would, and say so.
            self._decode_failed = True
            return
        if count == 0:
            raise MediaError(
                f"{self.name} has a video stream but not one frame could be decoded; "
                "the file is probably truncated: record the take again."
            )

    def audio(self) -> AudioTrack | None:
        """The whole audio track as 16 kHz mono float32, or ``None`` without one.

        Raises:
            MediaError: the audio stream exists but not one sample decodes.
        """
        if not self.info.has_audio:
            return None
        self._rewind()
        stream = self._container.streams.audio[0]
        # rematrix_maxval=1 keeps the downmix at unity gain: by default FFmpeg
        # mixes stereo to float mono as 0.707*(L+R), 3 dB louder than either
        # channel, which pushes a full-scale recording past [-1, 1].
        resampler = av.AudioResampler(
            format="flt", layout="mono", rate=AUDIO_SAMPLE_RATE_HZ, options={"rematrix_maxval": "1.0"}
        )
        chunks: list[np.ndarray] = []
        first_time: float | None = None
        try:
            decoded = 0
            for frame in self._container.decode(stream):
                if first_time is None:
                    first_time = _seconds(frame.pts, frame.time_base)
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().reshape(-1))
                    decoded += chunks[-1].size
                # A header may give no duration: the limit holds while decoding too.
                self._check_duration(decoded / AUDIO_SAMPLE_RATE_HZ)
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1))
        except av.FFmpegError as err:
            if not chunks:
                raise MediaError(
                    f"{self.name} has an audio track that could not be decoded ({_reason(err)}); "
                    "re-export the file or record again."
                ) from err
            self._decode_failed = True
        samples = np.concatenate(chunks).astype(np.float32, copy=False) if chunks else np.zeros(0, np.float32)
        start = max((first_time if first_time is not None else self._start_s) - self._start_s, 0.0)
        track = AudioTrack(samples=samples, sample_rate_hz=AUDIO_SAMPLE_RATE_HZ, start_s=start)
        self._audio_end_s = start + track.duration_s
        self._check_duration(self._audio_end_s)
        return track


def _stream_rotation(stream: av.video.stream.VideoStream) -> float:
    """Counter-clockwise display rotation in degrees from the stream's display matrix."""
    for holder in (stream, stream.codec_context):
        side = getattr(holder, "side_data", None)
        if side is not None:
            try:
                value = side.get("DISPLAYMATRIX") if hasattr(side, "get") else None
            except Exception:  # noqa: BLE001 - side-data APIs differ across PyAV versions
                value = None
            if isinstance(value, (int, float)):
                return float(value)
    try:
        return float(stream.metadata.get("rotate", 0)) * -1.0
    except ValueError:
        return 0.0


def _still_size(path: Path) -> tuple[int, int] | None:
    """A still picture's width and height from its header alone (Pillow reads no pixels here).

    ``(0, 0)`` if the header cannot be read (FFmpeg will say why); ``None``
    for a picture so large that Pillow itself calls it a decompression bomb.
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as picture:
            return picture.size
    except Image.DecompressionBombError:
        return None
    except (OSError, UnidentifiedImageError, ValueError):
        return 0, 0


def _first_frame_rotation(path: Path, decoder_options: dict[str, str]) -> float:
    """Counter-clockwise display rotation of the first decoded frame, 0.0 if none decodes.

    PyAV exposes a stream's display matrix only on decoded frames (FFmpeg no
    longer exports a ``rotate`` tag), so peek with a separate container.
    """
    try:
        with av.open(str(path), options=decoder_options) as container:
            for frame in container.decode(video=0):
                return float(getattr(frame, "rotation", 0) or 0)
    except av.FFmpegError:
        pass
    return 0.0


def _minutes(seconds: float) -> str:
    """A length as people say it: "4 min 10 s", "45 s"."""
    whole = int(round(seconds))
    minutes, rest = divmod(whole, 60)
    if not minutes:
        return f"{rest} s"
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"


def _reason(err: BaseException) -> str:
    text = getattr(err, "strerror", None) or str(err)
    return text.strip().rstrip(".") or type(err).__name__
