"""One recorded take through capture, body and voice analysis: used by the CLI and the app."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.calibration import (
    BaselineError,
    BaselineSettings,
    MediaLimits,
    ScoringProfile,
    TraineeBaseline,
    VisionCalibration,
    VoiceCalibration,
)
from kiosk.capture import AudioTrack, RecordedTake, RecordingInfo, RecordingSource
from kiosk.errors import MediaError
from kiosk.vision import (
    BodySummary,
    BodyTimeline,
    analyse_frames,
    analyse_frames_in_halves,
    body_baseline,
    judged_against_baseline,
    summarise,
)
from kiosk.vocabulary import CalibrationProblem
from kiosk.voice import (
    ScriptLine,
    VoiceSignals,
    VoiceSummary,
    analyse_voice,
    summarise_voice,
    summary_against_baseline,
    voice_baseline,
)

if TYPE_CHECKING:
    from kiosk.report.document import TakeReport
    from kiosk.scenarios import Scenario
    from kiosk.scoring import TakeScores


@dataclass(frozen=True)
class BodyAnalysis:
    """A recorded take's body language: what was recorded, per frame, and in summary."""

    info: RecordingInfo
    audio: AudioTrack | None
    timeline: BodyTimeline
    summary: BodySummary


def require_a_face(analysis: BodyAnalysis) -> None:
    """Raise if the trainee was never seen.

    Raises:
        MediaError: no face in any frame.
    """
    if analysis.summary.face_frame_count == 0:
        raise MediaError(
            f"No face was found in any of the {analysis.summary.frame_count} frames of {analysis.info.path.name}; "
            "the trainee should face the camera, lit from the front and fully in frame, then record again."
        )


#: The second half is decoded from this long before its first judged frame
#: (the schedule needs a frame before each tick to pick the nearest).
_SEEK_BEFORE_SPLIT_S = 1.0


def halfway_s(info: RecordingInfo, calibration: VisionCalibration) -> float | None:
    """Where an upload is split to be analysed in two halves side by side; ``None``: in one pass.

    Two halves need two cores, and a take long enough to repay starting a
    second set of landmarkers (``[vision.schedule] halves_from_s``; 0: never).
    """
    shortest = calibration.schedule.halves_from_s
    if shortest <= 0 or (os.cpu_count() or 1) < 2 or info.duration_s < shortest:
        return None
    return info.duration_s / 2


@dataclass(frozen=True)
class TakeAnalysis:
    """A recorded take's body language (if it has video) and voice (if it has sound)."""

    info: RecordingInfo
    audio: AudioTrack | None
    body: BodyAnalysis | None
    voice: VoiceSignals | None
    voice_summary: VoiceSummary | None
    notes: tuple[str, ...] = ()


def analyse_take(
    path: str | Path,
    *,
    vision_calibration: VisionCalibration,
    voice_calibration: VoiceCalibration,
    line: ScriptLine | None = None,
    on_start: Callable[[RecordingInfo], None] | None = None,
    on_progress: Callable[[float], None] | None = None,
    name: str | None = None,
    limits: MediaLimits | None = None,
    isolated: bool = False,
) -> TakeAnalysis:
    """Analyse whatever a recording holds: video for the body, sound for the voice.

    Every frame is decoded and the frames nearest the ticks of
    ``[vision.schedule] rate_hz`` are analysed, the cues made steady
    (``[vision.hysteresis]``): the same frames and the same rule as a live
    take of the recording (:func:`analyse_live_take`). A take of at least
    ``[vision.schedule] halves_from_s`` is analysed in two halves side by
    side on a machine with two cores or more.

    Args:
        line: the scripted line the trainee meant to say (``None``: free speech).
        on_progress: told the seconds of the take analysed so far, as the body analysis goes.
        name: what messages call the file (an upload's own name), default its path.
        limits: longest recording and largest picture to analyse (``None``: any).
        isolated: run the landmarkers in a child process (the app does; see
            :class:`kiosk.vision.BodyAnalyser`).

    Raises:
        MediaError: unreadable file, neither video nor sound in it, or over the limits.
    """
    with RecordingSource(path, name=name, limits=limits) as source:
        info = source.info
        if not info.has_video and not info.has_audio:
            raise MediaError(f"{source.name} holds neither video nor sound ({info.describe()}); record the take again.")
        if on_start is not None:
            on_start(info)
        body = None
        notes: list[str] = []
        if info.has_video:
            split_s = halfway_s(info, vision_calibration)
            if split_s is None:
                timeline = analyse_frames(
                    source.frames(),
                    calibration=vision_calibration,
                    on_progress=on_progress,
                    isolated=isolated,
                    problems=notes,
                )
            else:
                with RecordingSource(path, name=name, limits=limits) as second:
                    timeline = analyse_frames_in_halves(
                        source.frames(),
                        second.frames(from_s=split_s - _SEEK_BEFORE_SPLIT_S),
                        split_s=split_s,
                        calibration=vision_calibration,
                        on_progress=on_progress,
                        isolated=isolated,
                        problems=notes,
                    )
                    source.count_video_read_by(second)
        try:
            audio = source.audio()
        except MediaError as err:
            if not info.has_video:
                raise
            # Keep the body analysis already done; say why the voice is missing.
            audio = None
            notes.append(f"The sound could not be read, so the voice was not analysed: {err}")
        incomplete = source.incomplete_note()
        if incomplete:
            notes.insert(0, incomplete)
    if info.has_video:
        body = BodyAnalysis(info=info, audio=audio, timeline=timeline, summary=summarise(timeline, vision_calibration))
    voice = voice_summary = None
    if audio is not None:
        voice = analyse_voice(audio, line, voice_calibration)
        voice_summary = summarise_voice(voice, voice_calibration)
    return TakeAnalysis(info=info, audio=audio, body=body, voice=voice, voice_summary=voice_summary, notes=tuple(notes))


def analyse_live_take(
    recorded: RecordedTake,
    timeline: BodyTimeline | None,
    *,
    vision_calibration: VisionCalibration,
    voice_calibration: VoiceCalibration,
    line: ScriptLine | None = None,
    name: str = "live take",
    notes: Sequence[str] = (),
) -> TakeAnalysis:
    """Analyse a take recorded live: the body from the frames analysed while recording, the voice from all the sound.

    Args:
        recorded: what the live sources captured (:class:`kiosk.capture.RecordedTake`).
        timeline: the steady body timeline of the scheduled frames (``LiveResult.timeline``);
            ``None`` without pictures.
        name: what the report calls the take when no recording was kept.
        notes: what went wrong while analysing live (``LiveResult.notes``).

    Raises:
        MediaError: neither a picture nor any sound was recorded.
    """
    has_video = recorded.frame_count > 0
    audio = recorded.audio
    if not has_video and (audio is None or not len(audio.samples)):
        raise MediaError(
            "Nothing was recorded: neither the camera nor the microphone delivered anything. "
            "Check that they are plugged in and not used by another program, then record again."
        )
    width, height = recorded.frame_size
    info = RecordingInfo(
        path=recorded.media_path or Path(name),
        container="live",
        duration_s=recorded.duration_s,
        has_video=has_video,
        has_audio=audio is not None,
        width=width,
        height=height,
        frame_rate_hz=recorded.frame_rate_hz,
        rotation_deg=0,
        video_codec="",
        audio_codec="",
    )
    notes = [*recorded.problems, *notes]
    body = None
    if has_video:
        if timeline is None or not timeline.frames:
            notes.append("No frame could be analysed in time, so body language is not scored for this take.")
        else:
            body = BodyAnalysis(
                info=info, audio=audio, timeline=timeline, summary=summarise(timeline, vision_calibration)
            )
    voice = voice_summary = None
    if audio is not None and len(audio.samples):
        voice = analyse_voice(audio, line, voice_calibration)
        voice_summary = summarise_voice(voice, voice_calibration)
    return TakeAnalysis(info=info, audio=audio, body=body, voice=voice, voice_summary=voice_summary, notes=tuple(notes))


def require_speech(analysis: TakeAnalysis) -> None:
    """Raise if a sound-only take holds no speech.

    Raises:
        MediaError: no audio, or no speech detected in it.
    """
    if analysis.voice_summary is None:
        raise MediaError(f"{analysis.info.path.name} has no sound; record the take with the microphone on.")
    if not analysis.voice_summary.speech_found:
        raise MediaError(
            f"No speech detected in {analysis.info.path.name}: check that the microphone is on and not muted, "
            "then say the line clearly and record again."
        )


def measure_baseline(
    analysis: TakeAnalysis,
    *,
    settings: BaselineSettings,
    vision_calibration: VisionCalibration,
    voice_calibration: VoiceCalibration,
    kiosk: str,
    taken_at: datetime,
) -> TraineeBaseline:
    """A trainee's baseline from an analysed baseline recording (the dot, the pose, the sentence).

    Either half may be missing (no camera: a voice baseline only; no sound: a
    body baseline only), never both.

    Raises:
        BaselineError: what was wrong with the recording and what to do (no face,
            eyes off the dot, smiling, no speech), the first problem found.
    """
    body = voice = None
    if analysis.body is not None:
        body = body_baseline(analysis.body.timeline, settings, vision_calibration)
    if analysis.voice is not None and analysis.voice_summary is not None:
        voice = voice_baseline(analysis.voice, analysis.voice_summary, settings, voice_calibration)
    elif analysis.body is None:
        raise BaselineError(
            "Nothing was recorded for the calibration: check the camera and the microphone, then try again.",
            CalibrationProblem.NOTHING_RECORDED,
        )
    if body is None and analysis.info.has_video:
        raise BaselineError(
            "No picture could be analysed for the calibration: check the camera and the microphone, then try again.",
            CalibrationProblem.NOTHING_RECORDED,
        )
    # To the second, as its JSON keeps it: the baseline read back is the same baseline.
    return TraineeBaseline(taken_at=taken_at.replace(microsecond=0), kiosk=kiosk, body=body, voice=voice)


def against_baseline(
    analysis: TakeAnalysis,
    baseline: TraineeBaseline,
    *,
    settings: BaselineSettings,
    vision_calibration: VisionCalibration,
    voice_calibration: VoiceCalibration,
) -> TakeAnalysis:
    """The take judged as change from the trainee's own centre: the body cues and the loudness.

    A part the baseline lacks (no camera at calibration) stays judged by the
    profile's thresholds.
    """
    body = analysis.body
    if body is not None and baseline.body is not None:
        timeline = judged_against_baseline(body.timeline, baseline.body, vision_calibration, settings)
        body = replace(body, timeline=timeline, summary=summarise(timeline, vision_calibration))
    voice_summary = analysis.voice_summary
    if voice_summary is not None and baseline.voice is not None:
        voice_summary = summary_against_baseline(voice_summary, baseline.voice, settings, voice_calibration)
    return replace(analysis, body=body, voice_summary=voice_summary)


@dataclass(frozen=True)
class ScoredReport:
    """A take scored for a line: the setting it was scored as, the scores, and the report document."""

    setting: str
    document: TakeReport
    notes: tuple[str, ...]
    scores: TakeScores


def _line_language(analysis: TakeAnalysis) -> str:
    """The language of the line the take was analysed against (English without one)."""
    voice = analysis.voice
    return voice.line.language if voice is not None and voice.line is not None else "en"


def score_and_report(
    analysis: TakeAnalysis,
    *,
    scoring_profile: ScoringProfile,
    profile_name: str,
    language: str,
    scenario: Scenario | None = None,
    setting: str | None = None,
    recorded: str | None = None,
    baseline: TraineeBaseline | None = None,
    trainee: str | None = None,
) -> ScoredReport:
    """Score an analysed take for its line and build the localised report document (of ``trainee``, if named).

    The setting is the one asked for, else the scenario's, else the front desk
    for a video and the phone for sound alone. A take without video is always
    scored as a phone call (voice only), with a note.

    Args:
        recorded: when the take was recorded, as shown (default: the file's time).
        baseline: the trainee's own baseline: the body cues and the loudness are
            judged against it (:func:`against_baseline`, with the profile's
            ``[baseline]``), and the report says when it was taken. ``None``:
            the profile's thresholds, and the report says so.

    Raises:
        MediaError: a sound-only take with no speech.
        LanguageError: no strings for ``language``.
    """
    from kiosk.report.take_report import take_report
    from kiosk.scoring import score_take, targets_for

    if baseline is not None:
        from kiosk.calibration import load_profile

        profile = load_profile(profile_name)
        analysis = against_baseline(
            analysis,
            baseline,
            settings=profile.baseline,
            vision_calibration=profile.vision,
            voice_calibration=profile.voice,
        )
    body = analysis.body
    notes: list[str] = []
    chosen = setting or (scenario.setting if scenario else "front_desk" if body else "phone")
    if body is None and chosen != "phone":
        notes.append(f"No video: scored as a phone call (voice only), not as {chosen}.")
        chosen = "phone"
    if body is None:
        require_speech(analysis)
    elif body.summary.face_frame_count == 0:
        notes.append(
            "Your face was not seen in any frame, so body language is not scored: face the camera, "
            "lit from the front and fully in frame, then record again."
        )
    scores = score_take(
        setting=chosen,
        targets=targets_for(
            scoring_profile, chosen, scenario.targets if scenario else None, language=_line_language(analysis)
        ),
        profile=scoring_profile,
        body_timeline=body.timeline if body else None,
        body_summary=body.summary if body else None,
        voice=analysis.voice,
        voice_summary=analysis.voice_summary,
    )
    if recorded is None and analysis.info.path.exists():
        recorded = datetime.fromtimestamp(analysis.info.path.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
    document = take_report(
        scores,
        language=language,
        recording_name=analysis.info.path.name,
        duration_s=analysis.info.duration_s,
        profile=profile_name,
        scenario=scenario,
        body_timeline=body.timeline if body else None,
        voice=analysis.voice,
        recorded=recorded,
        baseline=baseline,
        trainee=trainee,
    )
    return ScoredReport(setting=chosen, document=document, notes=tuple(notes), scores=scores)
