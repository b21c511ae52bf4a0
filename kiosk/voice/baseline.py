"""The trainee's normal voice at this kiosk, from their baseline recording, and loudness judged against it.

The same voice arrives louder or softer with the microphone's gain. The
room's noise floor in the baseline moves with that gain, so a take's loudness
is read with the gain taken out (:func:`summary_against_baseline`): against
the room, never against the trainee's own habit. Pitch spread and phrase ends are
in semitones about the trainee's own median already; what a baseline changes
for them is the range pitch is tracked in, around the trainee's own median
(:func:`voice_calibration_for`), so a deep voice is not lost below Praat's
usual floor.
"""

from __future__ import annotations

from dataclasses import replace

from kiosk.calibration import BaselineError, BaselineSettings, VoiceBaseline, VoiceCalibration
from kiosk.vocabulary import CalibrationProblem
from kiosk.voice.activity import noise_floor_dbfs
from kiosk.voice.analyser import loudness_note
from kiosk.voice.signals import VoiceSignals, VoiceSummary


def voice_baseline(
    signals: VoiceSignals, summary: VoiceSummary, settings: BaselineSettings, calibration: VoiceCalibration
) -> VoiceBaseline:
    """The trainee's normal voice and the room's noise floor, from a baseline recording.

    Raises:
        BaselineError: too little speech heard, or no voiced speech to take a level from.
    """
    if not summary.speech_found or summary.speaking_s < settings.min_speech_s or summary.loudness_median_dbfs is None:
        raise BaselineError(
            f"We heard {summary.speaking_s:.1f} s of speech, and need at least {settings.min_speech_s:g} s: say your "
            "name and the sentence on the screen in your normal voice (check that the microphone is on), then "
            "calibrate again.",
            CalibrationProblem.NO_SPEECH,
            {"seconds": f"{summary.speaking_s:.1f}", "needed": f"{settings.min_speech_s:g}"},
        )
    frames = signals.frames
    floor = noise_floor_dbfs(frames.loudness_dbfs, frames.voiced, calibration.activity, step_s=frames.step_s)
    return VoiceBaseline(
        median_pitch_hz=summary.f0_median_hz,
        pitch_spread_st=summary.pitch_spread_st,
        speech_dbfs=summary.loudness_median_dbfs,
        noise_floor_dbfs=floor,
    )


def voice_calibration_for(
    calibration: VoiceCalibration, baseline: VoiceBaseline | None, settings: BaselineSettings
) -> VoiceCalibration:
    """The voice calibration with its pitch range around the trainee's own median pitch (``[baseline]``).

    The floor only moves down (a deep voice keeps its low stretches), the
    ceiling only up; without a baseline pitch the profile's range stands.
    Give it to the voice analysis of a take scored against ``baseline``.
    """
    median = None if baseline is None else baseline.median_pitch_hz
    if median is None:
        return calibration
    floor = median * 2 ** (-settings.pitch_floor_below_median_st / 12)
    ceiling = median * 2 ** (settings.pitch_ceiling_above_median_st / 12)
    return replace(
        calibration,
        pitch_floor_hz=max(settings.lowest_pitch_floor_hz, min(calibration.pitch_floor_hz, floor)),
        pitch_ceiling_hz=max(calibration.pitch_ceiling_hz, ceiling),
    )


def summary_against_baseline(
    summary: VoiceSummary, baseline: VoiceBaseline, settings: BaselineSettings, calibration: VoiceCalibration
) -> VoiceSummary:
    """The take's voice summary with its loudness read with this kiosk's microphone gain taken out.

    The baseline's room floor shows the gain: ``loudness_median_dbfs`` becomes
    the take's level minus (the baseline's floor minus ``[baseline]
    typical_room_floor_dbfs``), the correction at most ``max_gain_correction_db``
    either way. The trainee's own habit is not taken out: a quiet voice stays
    quiet against the room. Without a floor in the baseline nothing changes.
    """
    level, floor = summary.loudness_median_dbfs, baseline.noise_floor_dbfs
    if level is None or floor is None:
        return summary
    limit = settings.max_gain_correction_db
    gain_db = min(max(floor - settings.typical_room_floor_dbfs, -limit), limit)
    relative = level - gain_db
    tone = calibration.tone
    before, after = loudness_note(level, tone), loudness_note(relative, tone)
    notes = tuple(note for note in summary.notes if note != before) + ((after,) if after else ())
    return replace(
        summary,
        notes=notes,
        loudness_median_dbfs=relative,
        too_quiet=relative < tone.too_quiet_dbfs,
        too_loud=relative > tone.too_loud_dbfs,
    )
