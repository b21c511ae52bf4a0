"""The kiosk's closed vocabularies, one enum each.

Every value is also the string stored in the database, written in the JSON
documents and used as a key of the profile and the strings files, so a
member compares equal to its plain string (``Setting.PHONE == "phone"``).
This module sits at the bottom of the package and imports nothing from it.
"""

from __future__ import annotations

from enum import StrEnum


class Language(StrEnum):
    """A language the kiosk's lines, pages and reports are written in."""

    EN = "en"
    ZH = "zh"
    LT = "lt"
    DA = "da"

    @property
    def native_name(self) -> str:
        """The language's name in itself, for a language picker."""
        return _NATIVE_NAMES[self]

    @property
    def decimal_comma(self) -> bool:
        """Whether numbers are written with a decimal comma (2,5 s)."""
        return self in (Language.DA, Language.LT)


_NATIVE_NAMES = {Language.EN: "English", Language.ZH: "简体中文", Language.LT: "Lietuvių", Language.DA: "Dansk"}


class Aligner(StrEnum):
    """How a line's words are found in the take's audio (chosen per language in the profile)."""

    #: pocketsphinx's US-English acoustic model and pronunciation dictionary.
    POCKETSPHINX = "pocketsphinx"
    #: The line said by espeak-ng in its language, matched to the take by dynamic time warping.
    SPEECH_SYNTHESIS_DTW = "synthesis_dtw"


class LineCheck(StrEnum):
    """What decides whether a line aligned to espeak-ng's reading of it was the line said."""

    #: Whisper base's probability of the line, given the take (kiosk.voice.line_check).
    WHISPER = "whisper"
    #: The match to espeak-ng's reading alone (two cuts; between them the words are not judged).
    SYNTHESIS_MATCH = "synthesis_match"


class ModelWeights(StrEnum):
    """How CTranslate2 holds Whisper's weights: 8-bit (fast) or 32-bit floats."""

    INT8 = "int8"
    FLOAT32 = "float32"


class Setting(StrEnum):
    """Where a line is practised."""

    FRONT_DESK = "front_desk"
    PHONE = "phone"
    VIDEO_CALL = "video_call"

    @property
    def on_camera(self) -> bool:
        """Whether the trainee is seen (the phone is heard only)."""
        return self is not Setting.PHONE


class CameraPlacement(StrEnum):
    """Where a kiosk's camera sits against the screen the trainee reads, as the trainee sees it."""

    ABOVE = "above"
    BELOW = "below"
    LEFT = "left"  # on the trainee's left of the screen
    RIGHT = "right"


class CalibrationProblem(StrEnum):
    """Why a trainee's calibration (their baseline) could not be used; each has its words in the strings."""

    NO_FACE = "no_face"
    EYES_NOT_SEEN = "eyes_not_seen"
    EYES_OFF_DOT = "eyes_off_dot"
    SMILING = "smiling"
    NO_SPEECH = "no_speech"
    NOTHING_RECORDED = "nothing_recorded"


class CalibrationWhen(StrEnum):
    """When a trainee calibrates at the kiosk (``KIOSK_CALIBRATION``)."""

    FIRST = "first"  # before their first take at this kiosk
    OFFERED = "offered"  # only when they press Calibrate


class Sense(StrEnum):
    """How the kiosk perceives a cue: seen on camera, or heard."""

    SEEN = "seen"
    HEARD = "heard"


class Cue(StrEnum):
    """A scored cue: a key of the profile's ``[scoring.<setting>]`` tables and of the strings' ``[cues]``.

    What each measures, its unit and how it is scored are in
    :data:`kiosk.scoring.CUE_SPECS`; here only its name and whether it is seen
    or heard (which settings score it: seen cues only on camera).
    """

    EYE_CONTACT = "eye_contact"
    EYE_CONTACT_AT_START = "eye_contact_at_start"
    SMILING = "smiling"
    SMILE_ONSET = "smile_onset"
    UPRIGHT = "upright"
    ARMS_OPEN = "arms_open"
    PACE = "pace"
    PACE_CHARACTERS = "pace_characters"
    PACE_SYLLABLES = "pace_syllables"
    PITCH_VARIETY = "pitch_variety"
    PHRASE_ENDS = "phrase_ends"
    LOUDNESS = "loudness"
    EVEN_LOUDNESS = "even_loudness"
    FILLED_PAUSES = "filled_pauses"
    LONGEST_PAUSE = "longest_pause"
    LINE_DELIVERED = "line_delivered"

    @property
    def sense(self) -> Sense:
        return Sense.SEEN if self in _SEEN else Sense.HEARD

    def scored_in(self, setting: Setting) -> bool:
        """Whether a line practised in ``setting`` scores this cue (the phone hears only)."""
        return setting.on_camera or self.sense is Sense.HEARD

    @classmethod
    def scored_in_setting(cls, setting: Setting) -> tuple[Cue, ...]:
        """The cues a setting scores, in report order."""
        return tuple(cue for cue in cls if cue.scored_in(setting))


_SEEN = frozenset({Cue.EYE_CONTACT, Cue.EYE_CONTACT_AT_START, Cue.SMILING, Cue.SMILE_ONSET, Cue.UPRIGHT, Cue.ARMS_OPEN})


class LineKind(StrEnum):
    """What a scripted line is for."""

    GREETING = "greeting"
    DE_ESCALATION = "de_escalation"


class WordStatus(StrEnum):
    """How one word of the scripted line was delivered."""

    SAID = "said"  # aligned and matching the script
    UNCLEAR = "unclear"  # aligned, but sounds unlike the script (replaced or mispronounced)
    SKIPPED = "skipped"  # not found in the audio
    UNCHECKED = "unchecked"  # cannot be checked (not in the dictionary, or no aligner for the language)


class PhraseEndMovement(StrEnum):
    """The pitch movement at the end of a phrase."""

    FALLING = "falling"
    LEVEL = "level"
    RISING = "rising"
    UNKNOWN = "unknown"  # too little voicing to tell


class Direction(StrEnum):
    """Where a cue's value lies against its target band."""

    LOW = "low"
    IN_BAND = "in_band"
    HIGH = "high"
    NEVER = "never"  # a smile that never came: observed, and later than any onset


class ScoreLabel(StrEnum):
    """The word for an overall score (the bounds are in the profile's ``[scoring]``)."""

    EXCELLENT = "excellent"
    GOOD = "good"
    FAIR = "fair"
    KEEP_PRACTISING = "keep_practising"


class NotObserved(StrEnum):
    """Why a cue could not be measured in a take (keys of the strings' ``[reasons]``)."""

    NO_VIDEO = "no_video"
    NO_FACE = "no_face"
    NOT_IN_VIEW = "not_in_view"
    NO_SOUND = "no_sound"
    NO_SPEECH = "no_speech"
    NO_LINE = "no_line"
    NOT_ENGLISH = "not_english"
    WORDS_UNCERTAIN = "words_uncertain"
    TOO_LITTLE_VOICE = "too_little_voice"
    NO_PHRASE_ENDS = "no_phrase_ends"


class LiveCueName(StrEnum):
    """The one or two words shown while a take records (keys of the strings' ``[live_cues]``),
    in the order they are preferred when two are due at once."""

    LOOK_UP = "look_up"
    ARMS_OPEN = "arms_open"
    STAND_TALL = "stand_tall"
    SIT_UP = "sit_up"
    SLOWER = "slower"
    LOUDER = "louder"
    SMILE = "smile"


class Verdict(StrEnum):
    """A trainer's verdict on how the kiosk judged one cue of a take (stored in ``verdicts``)."""

    RIGHT = "right"
    WRONG = "wrong"


__all__ = [
    "CalibrationProblem",
    "CalibrationWhen",
    "CameraPlacement",
    "Cue",
    "Direction",
    "Language",
    "LineKind",
    "LiveCueName",
    "NotObserved",
    "PhraseEndMovement",
    "ScoreLabel",
    "Sense",
    "Setting",
    "Verdict",
    "WordStatus",
]
