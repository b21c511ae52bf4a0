"""A line's targets: the profile's for its setting, with the scenario's overrides."""

from __future__ import annotations

from collections.abc import Mapping

from kiosk.calibration import CueTarget, ScoringProfile
from kiosk.vocabulary import Cue, Language, Setting


def targets_for(
    profile: ScoringProfile,
    setting: Setting | str,
    overrides: Mapping[str, object] | None = None,
    *,
    language: Language | str = Language.EN,
) -> dict[Cue, CueTarget]:
    """The cue targets for a line in ``setting`` and ``language``, with the scenario's overrides.

    Pace bands are written in English words per minute (the profile's and
    ``pace_wpm_band``); a line in another language gets them times its
    ``[scoring.languages.<language>] words_per_english_word``. A Chinese
    line's pace is in characters per minute (``pace_characters``, its own
    band in the profile; an override is carried over the same way).

    Overrides (from a scenario's ``targets``): ``pace_wpm_band`` [lo, hi];
    ``smile_onset_max_s``; ``smile_allowed`` (False: smiling scored low-is-good,
    no onset target); ``eye_contact_at_start`` (False: not scored);
    ``loudness_spread_max_db``; ``falling_phrase_ends`` (True: most ends fall);
    ``arms_open`` (no change: always a target on camera).
    """
    targets = {Cue(cue): target for cue, target in profile.targets[Setting(setting)].items()}
    overrides = overrides or {}

    def band(cue: Cue, low: float, high: float) -> None:
        if cue in targets:
            old = targets[cue]
            targets[cue] = CueTarget(band=(float(low), float(high)), tolerance=old.tolerance, weight=old.weight)

    words_per_english = profile.languages[Language(language)].words_per_english_word
    if "pace_wpm_band" in overrides:
        low, high = _band(overrides["pace_wpm_band"])
        band(Cue.PACE, low, high)
        # The same pace in syllables per second, for lines whose words cannot be aligned.
        per_second = profile.syllables_per_word / 60.0
        band(Cue.PACE_SYLLABLES, low * per_second, high * per_second)
        characters = profile.languages[Language.ZH].words_per_english_word
        band(Cue.PACE_CHARACTERS, low * characters, high * characters)
    if Language(language) not in (Language.EN, Language.ZH) and Cue.PACE in targets:
        old = targets[Cue.PACE]
        targets[Cue.PACE] = CueTarget(
            band=(old.band[0] * words_per_english, old.band[1] * words_per_english),
            tolerance=old.tolerance * words_per_english,
            weight=old.weight,
        )
    if "smile_onset_max_s" in overrides:
        band(Cue.SMILE_ONSET, 0.0, _number(overrides["smile_onset_max_s"]))
    if overrides.get("smile_allowed") is False:
        band(Cue.SMILING, 0.0, profile.no_smile_max_share)
        targets.pop(Cue.SMILE_ONSET, None)
    if overrides.get("eye_contact_at_start") is False:
        targets.pop(Cue.EYE_CONTACT_AT_START, None)
    if "loudness_spread_max_db" in overrides:
        band(Cue.EVEN_LOUDNESS, 0.0, _number(overrides["loudness_spread_max_db"]))
    if overrides.get("falling_phrase_ends") is True:
        band(Cue.PHRASE_ENDS, profile.falling_ends_min_share, 1.0)
    return targets


def _band(value: object) -> tuple[float, float]:
    """A band override, [lo, hi], as checked by :mod:`kiosk.scenarios`."""
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise TypeError(f"a band override is [lo, hi]; got {value!r}")
    low, high = value
    return float(low), float(high)


def _number(value: object) -> float:
    """A number override (seconds or decibels), as checked by :mod:`kiosk.scenarios`."""
    if not isinstance(value, (int, float)):
        raise TypeError(f"this override is a number; got {value!r}")
    return float(value)
