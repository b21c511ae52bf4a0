"""The browser's camera and microphone: what streamlit-webrtc hands over, as the kiosk's frames and sound.

streamlit-webrtc calls back on aiortc's threads with PyAV frames stamped by
the sender's RTP clock (random start, no tie to this machine's clock).
:class:`BrowserFeed` turns them into what every other source yields:

* :class:`VideoFrame` values, upright RGB, stamped in seconds on the take's
  clock (:class:`~kiosk.capture.devices.TakeClock`);
* :class:`AudioTrack` blocks of 16 kHz mono float32, contiguous from the
  first one (gaps the network left are filled with silence, so the sound
  stays on the pictures' time axis).

A page attaches the feed to a take when recording starts
(:meth:`BrowserFeed.attach`, anything with the push API ``add_frame`` /
``add_audio``: :class:`kiosk.live.LiveTake`, :class:`TakeRecorder`) and
detaches it at stop. Frames arriving while no take is attached are only
kept as the newest picture, for the preview and the framing checks; they
are converted when asked for, so an idle camera costs next to nothing.

When a frame was captured is worked out from its RTP timestamp, anchored to
this machine's monotonic clock when the first frame arrived (a frame cannot
have been captured after it arrived, so a late first frame moves the
anchor; frames held up on the way keep the times they were captured at).
Times handed on always rise.

Chromium rotates pictures itself before sending them when the receiver does
not negotiate the video-orientation header extension (aiortc does not), so
the frames arriving here are already upright.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Protocol

import av
import numpy as np

from kiosk.capture.devices import BlockResampler, TakeClock
from kiosk.capture.take import AUDIO_SAMPLE_RATE_HZ, AudioTrack, VideoFrame

#: A frame whose timestamp puts its capture this long before it arrived belongs to a new stream
#: (a new connection, an RTP timestamp wrap), not to a late burst: its clock is anchored again, in seconds.
MAX_LATE_S = 30.0
#: Silence longer than this in the sound (lost packets) is filled with zeros, in seconds.
MIN_GAP_S = 0.05
#: A gap in the sound longer than this is a new stream, not lost packets: not filled, in seconds.
MAX_GAP_S = 30.0
#: Smallest step between two frames handed on, in seconds (times strictly rise).
MIN_FRAME_STEP_S = 0.001


class FrameSink(Protocol):
    """Where an attached feed pushes a take's frames and sound (:class:`kiosk.live.LiveTake`)."""

    def add_frame(self, frame: VideoFrame) -> None: ...

    def add_audio(self, block: AudioTrack) -> None: ...


@dataclass(frozen=True)
class FeedStatus:
    """What the browser has sent so far.

    Attributes:
        video_frames: pictures received since the feed was made.
        audio_s: seconds of sound received.
        since_video_s / since_audio_s: seconds since the newest picture / sound
            arrived, ``None`` before the first.
        frame_size: ``(width, height)`` of the newest picture, ``(0, 0)`` before one.
        attached: a take is being recorded from the feed.
    """

    video_frames: int
    audio_s: float
    since_video_s: float | None
    since_audio_s: float | None
    frame_size: tuple[int, int]
    attached: bool

    @property
    def has_video(self) -> bool:
        return self.video_frames > 0

    @property
    def has_audio(self) -> bool:
        return self.audio_s > 0


@dataclass(frozen=True)
class _Recording:
    """The take an attached feed records into."""

    sink: FrameSink
    zero: float  # monotonic time at the take's 0 s


class _StreamTimes:
    """Capture times of one RTP stream's frames on the monotonic clock."""

    def __init__(self) -> None:
        self._anchor: float | None = None  # monotonic time of media time 0

    def capture_time(self, media_s: float | None, arrival: float, duration_s: float = 0.0) -> float:
        """When the frame starting at ``media_s`` (sender's clock) was captured, in monotonic seconds.

        ``duration_s``: a block of sound lasting this long was heard in full before it arrived.
        Frames arriving late (a stalled network or machine) keep their own times; a frame
        that would have been captured after it arrived moves the anchor earlier.
        """
        latest = arrival - duration_s
        if media_s is None:
            return latest
        if self._anchor is None or self._anchor + media_s > latest or self._anchor + media_s < latest - MAX_LATE_S:
            self._anchor = latest - media_s
        return self._anchor + media_s


def _media_time(frame: av.frame.Frame) -> float | None:
    if frame.pts is None or frame.time_base is None:
        return None
    return float(frame.pts * Fraction(frame.time_base))


def audio_samples(frame: av.AudioFrame) -> np.ndarray:
    """A PyAV audio frame's samples as ``(n, channels)`` float32 in [-1, 1], any sample format."""
    data: np.ndarray = frame.to_ndarray()  # any sample format: its dtype is checked below
    channels = len(frame.layout.channels)
    if frame.format.is_planar:
        data = data.T  # (channels, n) -> (n, channels)
    else:
        data = data.reshape(-1, channels)  # interleaved (1, n * channels)
    if data.dtype.kind == "f":
        return np.ascontiguousarray(data, dtype=np.float32)
    if data.dtype == np.uint8:
        return ((data.astype(np.float32) - 128.0) / 128.0).astype(np.float32)
    scale = float(np.iinfo(data.dtype).max) + 1.0
    return (data.astype(np.float32) / scale).astype(np.float32)


class BrowserFeed:
    """Turn streamlit-webrtc's frames into the kiosk's, and push them into the take being recorded.

    Thread-safe: the callbacks run on aiortc's threads, the page calls the
    rest from the script thread. Every call returns at once.

    Args:
        now: the monotonic clock in seconds (tests pass their own).

    Example (in a page)::

        feed = BrowserFeed()
        webrtc_streamer(..., queued_video_frames_callback=..., sink_audio_track=...)
        take = LiveTake(vision_calibration=..., expect_video=True, expect_audio=True)
        take.start()
        feed.attach(take, take.recorder.clock)
        ...
        feed.detach()
        result = take.stop()
    """

    def __init__(self, *, now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        self._origin = now()
        self._lock = threading.Lock()
        self._convert_lock = threading.Lock()
        self._video_times = _StreamTimes()
        self._audio_times = _StreamTimes()
        self._resampler = BlockResampler()
        # The newest picture, converted only when asked for.
        self._newest_av: av.VideoFrame | None = None
        self._newest_at = 0.0
        self._newest: VideoFrame | None = None
        self._video_frames = 0
        self._frame_size = (0, 0)
        self._last_video_arrival: float | None = None
        # Sound: a contiguous 16 kHz stream; sample i was heard at _audio_origin + i / rate.
        self._audio_origin: float | None = None
        self._audio_next_in: float | None = None  # monotonic end of the sound received
        self._audio_out = 0  # 16 kHz samples produced since the origin
        self._audio_in_s = 0.0
        self._last_audio_arrival: float | None = None
        # The take being recorded.
        self._recording: _Recording | None = None
        self._last_frame_s = -1.0
        self._take_audio_s: float | None = None  # take time of the first sample pushed
        self._take_audio_count = 0  # 16 kHz samples pushed

    # -- the take -------------------------------------------------------------------
    def attach(self, sink: FrameSink, clock: TakeClock) -> None:
        """Record into ``sink`` from now on, stamping frames on ``clock`` (a started take's).

        Frames and sound captured before the clock's 0 are left out.
        """
        with self._lock:
            self._recording = _Recording(sink, zero=self._now() - clock.now())
            self._last_frame_s = -1.0
            self._take_audio_s = None
            self._take_audio_count = 0

    def detach(self) -> FrameSink | None:
        """Stop recording; nothing more reaches the sink once this returns."""
        with self._lock:
            recording, self._recording = self._recording, None
            return None if recording is None else recording.sink

    @property
    def attached(self) -> bool:
        with self._lock:
            return self._recording is not None

    # -- what the page reads -----------------------------------------------------------
    def latest_frame(self) -> VideoFrame | None:
        """The newest picture, ``time_s`` in seconds since the feed was made (for the preview).

        Any thread may ask; each picture is converted once, by one thread at a time
        (PyAV keeps one scaler per frame, and two threads converting the same frame
        at once crash in libswscale).
        """
        with self._convert_lock:
            with self._lock:
                pending, at = self._newest_av, self._newest_at
                if pending is None:
                    return self._newest
            converted = VideoFrame(time_s=at - self._origin, rgb=_rgb(pending))
            with self._lock:
                if self._newest_av is pending:
                    self._newest_av = None
                if self._newest is None or converted.time_s > self._newest.time_s:
                    self._newest = converted
                return self._newest

    def status(self) -> FeedStatus:
        now = self._now()
        with self._lock:
            return FeedStatus(
                video_frames=self._video_frames,
                audio_s=self._audio_in_s,
                since_video_s=None if self._last_video_arrival is None else now - self._last_video_arrival,
                since_audio_s=None if self._last_audio_arrival is None else now - self._last_audio_arrival,
                frame_size=self._frame_size,
                attached=self._recording is not None,
            )

    def newest_time_s(self) -> float | None:
        """When the newest picture was captured, on the clock :meth:`latest_frame` uses; ``None`` before one."""
        with self._lock:
            if self._newest_av is not None:
                return self._newest_at - self._origin
            return None if self._newest is None else self._newest.time_s

    # -- callbacks (aiortc's threads) ------------------------------------------------------
    def on_video_frame(self, frame: av.VideoFrame) -> VideoFrame | None:
        """Take one picture from the browser; the kiosk's frame if a take is recording it."""
        arrival = self._now()
        with self._lock:
            captured = self._video_times.capture_time(_media_time(frame), arrival)
            self._video_frames += 1
            self._frame_size = (frame.width, frame.height)
            self._last_video_arrival = arrival
            self._newest_av, self._newest_at = frame, captured
            recording = self._recording
            if recording is None:
                return None
            time_s = captured - recording.zero
            if time_s < 0:
                return None
            time_s = max(time_s, self._last_frame_s + MIN_FRAME_STEP_S)
            self._last_frame_s = time_s
            kiosk_frame = VideoFrame(time_s=time_s, rgb=_rgb(frame))
            self._newest_av, self._newest = None, VideoFrame(time_s=captured - self._origin, rgb=kiosk_frame.rgb)
            recording.sink.add_frame(kiosk_frame)
            return kiosk_frame

    def on_video_frames(self, frames: list[av.VideoFrame]) -> None:
        """Every picture that queued up since the last call, in order (none is skipped)."""
        for frame in frames:
            self.on_video_frame(frame)

    def on_audio_frame(self, frame: av.AudioFrame) -> None:
        """Take one block of sound from the browser (any rate, format and channel count)."""
        arrival = self._now()
        samples = audio_samples(frame)
        if samples.shape[1] > 2:
            samples = samples.mean(axis=1, keepdims=True)
        rate = int(frame.sample_rate)
        duration_s = len(samples) / rate
        with self._lock:
            start = self._audio_times.capture_time(_media_time(frame), arrival, duration_s)
            self._audio_in_s += duration_s
            self._last_audio_arrival = arrival
            if self._audio_origin is None or self._audio_next_in is None:  # the first sound
                self._audio_origin = start
                self._audio_next_in = start
            gap = start - self._audio_next_in
            if gap > MAX_GAP_S:
                # A new stream (the camera was started again): sound starts afresh here.
                self._audio_origin, self._audio_out = start, 0
            elif gap > MIN_GAP_S:
                self._emit_audio(np.zeros(int(round(gap * AUDIO_SAMPLE_RATE_HZ)), np.float32), self._audio_origin)
            self._audio_next_in = max(self._audio_next_in, start) + duration_s
            self._emit_audio(self._resampler.from_array(samples, rate), self._audio_origin)

    # -- internals (lock held) --------------------------------------------------------------
    def _emit_audio(self, block: np.ndarray, origin: float) -> None:
        """Pass on ``block``, the next samples of the stream heard from ``origin`` (monotonic seconds)."""
        first = self._audio_out
        self._audio_out += len(block)
        recording = self._recording
        if recording is None or not len(block):
            return
        if self._take_audio_s is None:
            # The take's sound starts with the first sample heard at or after its 0 s.
            zero_index = (recording.zero - origin) * AUDIO_SAMPLE_RATE_HZ
            skip = max(int(np.ceil(zero_index - first - 1e-6)), 0)
            if skip >= len(block):
                return
            block = block[skip:]
            self._take_audio_s = max((first + skip - zero_index) / AUDIO_SAMPLE_RATE_HZ, 0.0)
        start_s = self._take_audio_s + self._take_audio_count / AUDIO_SAMPLE_RATE_HZ
        self._take_audio_count += len(block)
        recording.sink.add_audio(AudioTrack(np.ascontiguousarray(block, np.float32), AUDIO_SAMPLE_RATE_HZ, start_s))


def _rgb(frame: av.VideoFrame) -> np.ndarray:
    return np.ascontiguousarray(frame.to_ndarray(format="rgb24"))
