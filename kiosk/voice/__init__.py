"""Voice: pace, pauses, tone and script adherence from a take's audio.

``acoustics`` measures frames (Praat pitch and intensity), ``activity`` finds
speech and pauses, ``syllables`` the syllable nuclei, ``script`` prepares the
line, ``alignment`` aligns it (pocketsphinx), ``tone`` and ``fillers``
interpret; ``analyser`` ties them together for a take.
"""

from kiosk.errors import ScriptError
from kiosk.voice.analyser import VOICE_STAGES, analyse_voice, summarise_voice
from kiosk.voice.baseline import summary_against_baseline, voice_baseline, voice_calibration_for
from kiosk.voice.script import ScriptLine, prepare_line
from kiosk.voice.signals import Pause, SpokenWord, VoiceSignals, VoiceSummary

__all__ = [
    "VOICE_STAGES",
    "Pause",
    "ScriptError",
    "ScriptLine",
    "SpokenWord",
    "VoiceSignals",
    "VoiceSummary",
    "analyse_voice",
    "prepare_line",
    "summarise_voice",
    "summary_against_baseline",
    "voice_baseline",
    "voice_calibration_for",
]
