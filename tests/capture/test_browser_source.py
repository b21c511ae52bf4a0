"""The browser feed: streamlit-webrtc's PyAV frames in, the kiosk's frames and 16 kHz sound out.

The frames are real: a recording from ``../shared/data`` decoded and stamped
the way aiortc hands them over (pictures on a 90 kHz RTP clock, sound as
20 ms blocks of 48 kHz stereo s16 on a 48 kHz clock, both starting at a
random timestamp), arriving on a clock the test controls.
"""

from __future__ import annotations

import threading
from fractions import Fraction
from itertools import pairwise

import av
import numpy as np
import pytest
from conftest import SHARED_DATA  # noqa: E402

from kiosk.capture import AUDIO_SAMPLE_RATE_HZ, RecordingSource, TakeClock, TakeRecorder
from kiosk.capture.browser import BrowserFeed, audio_samples

CLIP = SHARED_DATA / "video-retalking" / "face_2.mp4"  # 844x844, 25 fps, 5 s, speech
VIDEO_TB = Fraction(1, 90_000)
AUDIO_TB = Fraction(1, 48_000)
BLOCK = 960  # 20 ms at 48 kHz, what aiortc's Opus decoder hands over


def browser_video(limit: int | None = None, *, first_pts: int = 3_000_000_000) -> list[av.VideoFrame]:
    """The clip's pictures as aiortc delivers them: yuv420p, RTP pts on 90 kHz from a random start."""
    frames = []
    with av.open(str(CLIP)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if limit is not None and i >= limit:
                break
            frame.pts = (first_pts + i * 3600) % 2**32
            frame.time_base = VIDEO_TB
            frames.append(frame)
    return frames


def browser_audio(*, first_pts: int = 123_456_789) -> list[av.AudioFrame]:
    """The clip's sound as aiortc delivers it: 20 ms blocks of s16 stereo 48 kHz with RTP pts."""
    resampler = av.AudioResampler(format="s16", layout="stereo", rate=48_000, frame_size=BLOCK)
    blocks = []
    with av.open(str(CLIP)) as container:
        for frame in container.decode(audio=0):
            frame.pts = None
            blocks += resampler.resample(frame)
        blocks += resampler.resample(None)
    for i, block in enumerate(blocks):
        block.pts = first_pts + i * BLOCK
        block.time_base = AUDIO_TB
        block.sample_rate = 48_000
    return blocks


class FakeClock:
    """A monotonic clock the test moves."""

    def __init__(self, start: float = 1000.0) -> None:
        self.t = start

    def __call__(self) -> float:
        return self.t


class FakeTakeClock(TakeClock):
    """A take's clock whose 0 is a moment on a :class:`FakeClock`."""

    def __init__(self, clock: FakeClock) -> None:
        self._clock = clock
        self._zero = clock.t

    def now(self) -> float:
        return self._clock.t - self._zero


class ListSink:
    def __init__(self) -> None:
        self.frames = []
        self.blocks = []

    def add_frame(self, frame) -> None:
        self.frames.append(frame)

    def add_audio(self, block) -> None:
        self.blocks.append(block)


def play(
    feed: BrowserFeed,
    clock: FakeClock,
    video,
    audio,
    *,
    start: float,
    latency: float = 0.03,
    jitter: np.ndarray | None = None,
    on_time=None,
) -> None:
    """Deliver pictures and sound in arrival order, from ``start`` on the fake clock.

    A picture captured at ``i / 25`` s arrives ``latency`` (+ ``jitter[i]``) later, never
    before the picture ahead of it (aiortc hands frames over in order); a block of sound
    is sent once heard in full. ``on_time``: ``(t, callable)`` pairs run at ``start + t``.
    """
    events = []
    arrival = -np.inf
    for i, frame in enumerate(video):
        arrival = max(i / 25.0 + latency + (jitter[i] if jitter is not None else 0.0), arrival)
        events.append((arrival, 0, feed.on_video_frame, frame))
    for block in audio:
        heard = (block.pts - audio[0].pts + block.samples) / 48_000.0
        events.append((heard + latency, 1, feed.on_audio_frame, block))
    for t, action in on_time or []:
        events.append((t, -1, action, None))
    for t, _, call, item in sorted(events, key=lambda e: (e[0], e[1])):
        clock.t = start + t
        call(item) if item is not None else call()


def recorded_audio(sink: ListSink) -> np.ndarray:
    return np.concatenate([b.samples for b in sink.blocks])


# --------------------------------------------------------------------------- conversion


def test_audio_samples_reads_every_format_as_float_frames():
    interleaved = av.AudioFrame.from_ndarray(
        np.array([[0, 16384, -16384, 32767]], np.int16), format="s16", layout="stereo"
    )
    assert np.allclose(audio_samples(interleaved), [[0.0, 0.5], [-0.5, 32767 / 32768]])
    planar = av.AudioFrame.from_ndarray(np.array([[0.1, 0.2], [0.3, 0.4]], np.float32), format="fltp", layout="stereo")
    assert np.allclose(audio_samples(planar), [[0.1, 0.3], [0.2, 0.4]])
    mono = av.AudioFrame.from_ndarray(np.array([[-32768, 0]], np.int16), format="s16p", layout="mono")
    assert audio_samples(mono).shape == (2, 1) and audio_samples(mono).dtype == np.float32


def test_pictures_become_upright_rgb_frames_with_rising_times_on_the_take_clock():
    clock = FakeClock()
    feed = BrowserFeed(now=clock)
    video = browser_video(50)
    with RecordingSource(CLIP) as source:
        expected = [f.rgb for _, f in zip(range(50), source.frames(), strict=False)]
    sink = ListSink()
    take_clock = []

    def start_take():
        take_clock.append(FakeTakeClock(clock))
        feed.attach(sink, take_clock[0])

    # The take starts 0.5 s into the stream: what was captured before is left out.
    play(feed, clock, video, [], start=clock.t, on_time=[(0.5, start_take)])
    assert feed.attached
    times = [f.time_s for f in sink.frames]
    assert len(times) == 50 - 12  # frames captured at 0.00 ... 0.44 s (arriving 30 ms later) are before 0 s
    assert np.all(np.diff(times) > 0)
    assert np.allclose(np.diff(times), 0.04, atol=1e-6)
    # Frame 12, captured 0.48 s into the stream, 30 ms before it arrived; the take started at 0.5 s.
    assert times[0] == pytest.approx(0.48 + 0.03 - 0.5, abs=1e-6)
    frame = sink.frames[0]
    assert frame.rgb.dtype == np.uint8 and frame.rgb.shape == (844, 844, 3) and frame.rgb.flags.c_contiguous
    # The same picture the file source decodes (the same decoder and conversion).
    assert np.abs(frame.rgb.astype(int) - expected[12].astype(int)).mean() < 1.0
    assert feed.status().video_frames == 50 and feed.status().frame_size == (844, 844)


def test_detached_feed_keeps_only_the_newest_picture_for_the_preview():
    clock = FakeClock(1000.0)
    feed = BrowserFeed(now=clock)
    assert feed.latest_frame() is None
    sink = ListSink()
    play(feed, clock, browser_video(10), [], start=1005.0)
    newest = feed.latest_frame()
    assert newest is not None and newest.rgb.shape == (844, 844, 3)
    assert newest.time_s == pytest.approx(5.0 + 9 / 25 + 0.03, abs=1e-6)  # seconds since the feed was made
    assert feed.latest_frame() is newest  # converted once
    assert sink.frames == [] and not feed.status().attached
    # Attached, then detached: nothing more reaches the take.
    feed.attach(sink, FakeTakeClock(clock))
    play(feed, clock, browser_video(3, first_pts=3_000_000_000 + 10 * 3600), [], start=1005.0 + 10 / 25)
    assert [f.time_s for f in sink.frames] == pytest.approx([0.04, 0.08, 0.12], abs=1e-6)
    assert feed.latest_frame().time_s == pytest.approx(5.0 + 12 / 25 + 0.03, abs=1e-6)
    assert feed.detach() is sink and not feed.attached
    play(feed, clock, browser_video(3, first_pts=3_000_000_000 + 13 * 3600), [], start=1005.0 + 13 / 25)
    assert len(sink.frames) == 3
    assert feed.status().video_frames == 16


def test_stereo_48k_sound_becomes_contiguous_mono_16k_of_the_same_length():
    clock = FakeClock()
    feed = BrowserFeed(now=clock)
    audio = browser_audio()
    sent_s = sum(b.samples for b in audio) / 48_000
    sink = ListSink()
    feed.attach(sink, FakeTakeClock(clock))  # the take starts before the first block is heard
    play(feed, clock, [], audio, start=clock.t)
    assert sink.blocks
    for block in sink.blocks:
        assert block.sample_rate_hz == AUDIO_SAMPLE_RATE_HZ == 16_000
        assert block.samples.dtype == np.float32 and block.samples.ndim == 1
    # Contiguous: each block starts where the one before ended.
    for before, after in pairwise(sink.blocks):
        assert after.start_s == pytest.approx(before.start_s + len(before.samples) / 16_000, abs=1e-9)
    assert sink.blocks[0].start_s == pytest.approx(0.03, abs=1e-3)  # heard 30 ms before it arrived
    samples = recorded_audio(sink)
    # The same duration (the resampler holds back a few samples of filter delay).
    assert len(samples) / 16_000 == pytest.approx(sent_s, abs=0.01)
    assert feed.status().audio_s == pytest.approx(sent_s)
    # And the same sound as the file source's 16 kHz mono decode of the clip.
    with RecordingSource(CLIP) as source:
        reference = source.audio().samples
    n = min(len(reference), len(samples)) - 400
    lags = range(-40, 41)
    best = max(np.corrcoef(reference[100 + lag : 100 + lag + n - 100], samples[100:n])[0, 1] for lag in lags)
    assert best > 0.97
    assert np.abs(samples).max() <= 1.0


def test_lost_packets_are_filled_with_silence_so_sound_stays_on_the_clock():
    clock = FakeClock()
    feed = BrowserFeed(now=clock)
    audio = browser_audio()
    lost = set(range(100, 110))  # 0.2 s lost on the network
    sink = ListSink()
    feed.attach(sink, FakeTakeClock(clock))
    play(feed, clock, [], [b for i, b in enumerate(audio) if i not in lost], start=clock.t)
    samples = recorded_audio(sink)
    assert len(samples) / 16_000 == pytest.approx(len(audio) * BLOCK / 48_000, abs=0.01)
    hole = samples[int(100 * 0.02 * 16_000) + 20 : int(110 * 0.02 * 16_000) - 20]
    assert np.all(hole == 0.0)


def test_sound_heard_before_the_take_started_is_left_out():
    clock = FakeClock()
    feed = BrowserFeed(now=clock)
    audio = browser_audio()
    sink = ListSink()
    play(feed, clock, [], audio, start=clock.t, on_time=[(1.005, lambda: feed.attach(sink, FakeTakeClock(clock)))])
    samples = recorded_audio(sink)
    assert sink.blocks[0].start_s == pytest.approx(0.0, abs=1 / 16_000)
    total = len(audio) * BLOCK / 48_000
    assert len(samples) / 16_000 == pytest.approx(total - (1.005 - 0.03), abs=0.01)
    # The take's first sample is the stream's sample heard at the take's 0 s.
    with RecordingSource(CLIP) as source:
        reference = source.audio().samples
    offset = int(round((1.005 - 0.03) * 16_000))
    segment = reference[offset + 200 : offset + 200 + 16_000]
    corr = max(np.corrcoef(segment, samples[200 + lag : 200 + lag + 16_000])[0, 1] for lag in range(-40, 41))
    assert corr > 0.95


def test_a_late_first_frame_and_a_restarted_stream_still_give_rising_times():
    clock = FakeClock()
    feed = BrowserFeed(now=clock)
    sink = ListSink()
    zero = clock.t
    feed.attach(sink, FakeTakeClock(clock))
    jitter = np.zeros(30)
    jitter[0] = 0.3  # the first picture arrives 300 ms late, the next ones bunched behind it
    jitter[12::7] = 0.02
    play(feed, clock, browser_video(30), [], start=zero, jitter=jitter)
    times = [f.time_s for f in sink.frames]
    assert len(times) == 30
    assert np.all(np.diff(times) > 0)
    # Once a picture arrives on time, the sender's own spacing.
    assert np.allclose(np.diff(times[9:]), 0.04, atol=1e-6)
    assert times[-1] == pytest.approx(29 / 25 + 0.03, abs=1e-6)
    # The camera is started again: a new connection, new random timestamps, and they wrap at 2**32.
    restart = clock.t + 1.0
    play(feed, clock, browser_video(10, first_pts=2**32 - 3 * 3600), [], start=restart)
    later = [f.time_s for f in sink.frames][30:]
    assert len(later) == 10
    assert later[0] == pytest.approx(restart + 0.03 - zero, abs=1e-6)
    assert np.allclose(np.diff(later), 0.04, atol=1e-6)


def test_a_stalled_connection_keeps_the_times_frames_were_captured_at():
    """Pictures and sound held up for 3 s arrive in a burst: none moves, no silence is made up."""
    clock = FakeClock()
    feed = BrowserFeed(now=clock)
    sink = ListSink()
    zero = clock.t
    feed.attach(sink, FakeTakeClock(clock))
    jitter = np.zeros(50)
    jitter[20] = 3.0  # frames 20 to 49 all arrive together, 3 s late
    audio = browser_audio()[:100]
    play(feed, clock, browser_video(50), [], start=zero, jitter=jitter)
    times = [f.time_s for f in sink.frames]
    assert np.allclose(np.diff(times), 0.04, atol=1e-6) and times[0] == pytest.approx(0.03, abs=1e-6)
    # Sound: blocks 40 to 99 held up, then all at once.
    late = BrowserFeed(now=clock)
    sound = ListSink()
    clock.t = zero = 2000.0
    late.attach(sound, FakeTakeClock(clock))
    for i, block in enumerate(audio):
        heard = (i + 1) * 0.02
        clock.t = zero + max(heard + 0.03, 40 * 0.02 + 3.0 if i >= 40 else 0.0)
        late.on_audio_frame(block)
    samples = recorded_audio(sound)
    assert len(samples) / 16_000 == pytest.approx(100 * 0.02, abs=0.01)
    assert np.abs(samples[int(0.8 * 16_000) : int(1.2 * 16_000)]).max() > 0.01  # speech, not filled silence


def test_a_real_recorder_gets_every_frame_and_all_the_sound_from_two_threads():
    """Callbacks on two threads (as aiortc calls them), a real TakeRecorder, real time."""
    feed = BrowserFeed()
    video = browser_video(40)
    audio = browser_audio()[:100]  # 2 s
    warm = browser_video(3, first_pts=1000)
    for frame in warm:
        feed.on_video_frame(frame)
    recorder = TakeRecorder(expect_video=True, expect_audio=True)
    recorder.start()
    feed.attach(recorder, recorder.clock)
    threading.Event().wait(0.05)  # the first block of sound is heard after the take started

    def send(items, call, period):
        for item in items:
            call(item)
            threading.Event().wait(period)

    threads = [
        threading.Thread(target=send, args=(video, feed.on_video_frame, 0.01)),
        threading.Thread(target=send, args=(audio, feed.on_audio_frame, 0.005)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    feed.detach()
    take = recorder.stop()
    assert take.frame_count == 40
    assert take.frame_size == (844, 844)
    assert take.audio is not None and take.audio.sample_rate_hz == 16_000
    assert take.audio.duration_s == pytest.approx(2.0, abs=0.01)
    assert take.audio.start_s >= 0.0
