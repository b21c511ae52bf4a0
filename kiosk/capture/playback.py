"""A kept recording made playable in any browser: MP4 with H.264 video and AAC sound.

The kiosk keeps a take as Matroska with H.264 and PCM (:mod:`kiosk.capture.recorder`):
lossless sound for analysing again, but Safari and Firefox play neither the
container nor PCM. :func:`browser_playable` copies the video as it is (no
second encoding, so it is fast and loses nothing) and encodes the sound as
AAC, in an MP4 whose index comes first so playback can seek at once.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import av

from kiosk.capture.file import MediaError

#: The MIME type of what :func:`browser_playable` returns.
PLAYABLE_MIME = "video/mp4"
# AAC at this rate is plenty for speech and keeps a minute under 1 MB of sound.
_AAC_BIT_RATE = 96_000


@dataclass(frozen=True)
class PlayableMedia:
    """A recording as a browser plays it: its bytes and MIME type."""

    data: bytes
    mime: str


def browser_playable(path: Path) -> PlayableMedia:
    """The recording at ``path`` as MP4 (H.264 copied, sound as AAC), for a page to play and seek in.

    Raises:
        MediaError: the file is missing, is not a recording, or has video other than H.264
            (which would have to be encoded again).
    """
    try:
        with av.open(str(path)) as source:
            return PlayableMedia(_remux(source), PLAYABLE_MIME)
    except FileNotFoundError:
        raise MediaError(f"The kept recording {path.name} is no longer there.") from None
    except (av.FFmpegError, ValueError) as err:
        raise MediaError(f"The kept recording {path.name} cannot be played in the browser ({err}).") from None


def _remux(source: av.container.InputContainer) -> bytes:
    # A real file: moving the index to the front (faststart) rewrites it by name.
    with tempfile.TemporaryDirectory(prefix="kiosk-play-") as folder:
        target = Path(folder) / "take.mp4"
        _write_mp4(source, target)
        return target.read_bytes()


def _write_mp4(source: av.container.InputContainer, target: Path) -> None:
    video_in = next((s for s in source.streams.video if s.codec_context.name == "h264"), None)
    audio_in = source.streams.audio[0] if source.streams.audio else None
    if source.streams.video and video_in is None:
        # Copied, never encoded again (that would take as long as the take): only H.264 goes into MP4 as it is.
        raise ValueError(f"its video is {source.streams.video[0].codec_context.name}, not H.264")
    if video_in is None and audio_in is None:
        raise ValueError("no video and no sound")
    with av.open(str(target), mode="w", format="mp4", options={"movflags": "+faststart"}) as sink:
        video_out = sink.add_stream_from_template(video_in) if video_in is not None else None
        audio_out = None
        resampler = None
        if audio_in is not None:
            audio_out = sink.add_stream("aac", rate=audio_in.codec_context.sample_rate)
            audio_out.bit_rate = _AAC_BIT_RATE
            resampler = av.AudioResampler(format="fltp", layout="mono", rate=audio_in.codec_context.sample_rate)
        streams = [s for s in (video_in, audio_in) if s is not None]
        for packet in source.demux(*streams):
            if packet.stream is video_in and video_out is not None:
                if packet.dts is None:
                    continue  # the demuxer's end-of-stream packet
                packet.stream = video_out
                sink.mux(packet)
            elif audio_out is not None and resampler is not None:
                for frame in packet.decode():
                    if not isinstance(frame, av.AudioFrame):
                        continue
                    for chunk in resampler.resample(frame):
                        sink.mux(audio_out.encode(chunk))
        if audio_out is not None and resampler is not None:
            for chunk in resampler.resample(None):
                sink.mux(audio_out.encode(chunk))
            sink.mux(audio_out.encode(None))


__all__ = ["PLAYABLE_MIME", "PlayableMedia", "browser_playable"]
