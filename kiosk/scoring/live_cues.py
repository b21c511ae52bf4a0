"""Sparse live cues: the one or two words shown while a take is recorded.

Studies of live speaking feedback found that a few short cues beat a
continuous display, and that the report afterwards is what builds skill. So
:class:`LiveCoach` stays quiet unless something has been off for a while:

- a cue fires only after its signal has been off for ``off_for_s`` without
  a break (``smile_off_for_s`` for "Smile"); an unknown signal is not off,
  and a blip back on shorter than ``[vision.episodes] merge_gap_s`` (a
  detector flicker) does not break the stretch;
- at most one cue starts every ``min_gap_s``, and a cue stays on screen
  ``show_for_s``; when several are due, the one not shown for longest goes
  first (so none is starved), then the one off longest;
- the same cue is not shown again within ``repeat_gap_s``;
- which cues apply depends on the setting (the phone hears the voice only)
  and the line (no "Smile" while calming an upset customer).

Every number is in the profile's ``[live]`` table; the pace and loudness
limits are the line's own scoring targets. Times in seconds from the start
of the take.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from kiosk.calibration import (
    DEFAULT_PROFILE,
    LiveCalibration,
    ScoringProfile,
    VisionCalibration,
    load_live_calibration,
    load_scoring_profile,
    load_vision_calibration,
)
from kiosk.i18n import load_strings
from kiosk.scenarios import Scenario
from kiosk.scoring.registry import CUE_SPECS
from kiosk.scoring.targets import targets_for
from kiosk.vision.signals import FrameSignals
from kiosk.vocabulary import Cue, LineKind, LiveCueName, Setting
from kiosk.voice.live import LiveVoiceReading

#: Every live cue, in the order they are preferred when two are due at once
#: (after the one shown longest ago, then the one off longest).
LIVE_CUES: tuple[LiveCueName, ...] = tuple(LiveCueName)


@dataclass(frozen=True)
class LiveCue:
    """A cue on screen.

    Attributes:
        cue: which cue it is.
        text: the one or two words shown, in the trainee's language.
        started_s: when it was first shown, seconds from the start of the take.
        until_s: when it leaves the screen.
    """

    cue: LiveCueName
    text: str
    started_s: float
    until_s: float


def live_cues_for(setting: str, kind: str, targets: Mapping[str, object] | None = None) -> tuple[LiveCueName, ...]:
    """The cues that apply to a line: those of the cues its setting scores
    (:data:`kiosk.scoring.registry.CUE_SPECS`' ``live_cues``), "Smile" only
    for greetings where a smile suits the line.

    Args:
        setting: ``front_desk``, ``phone`` or ``video_call``.
        kind: ``greeting`` or ``de_escalation``.
        targets: the scenario's target overrides (``smile_allowed = false`` drops "Smile").

    Raises:
        ValueError: an unknown setting.
    """
    try:
        where = Setting(setting)
    except ValueError:
        raise ValueError(f"Unknown setting {setting!r}; choose one of {', '.join(Setting)}.") from None
    targets = targets or {}
    smile_suits = kind == LineKind.GREETING and targets.get("smile_allowed") is not False
    cues = {
        spec.live_cues[where]
        for spec in CUE_SPECS.values()
        if spec.cue.scored_in(where) and where in spec.live_cues and (spec.cue is not Cue.SMILING or smile_suits)
    }
    return tuple(cue for cue in LIVE_CUES if cue in cues)


class LiveCoach:
    """Decides the live cue to show, one take at a time (make a new one per take).

    Args:
        setting: where the line is practised (``front_desk``, ``phone``, ``video_call``).
        kind: ``greeting`` or ``de_escalation``.
        language: the cue words' language (``en``, ``zh``, ``lt``, ``da``).
        targets: the scenario's target overrides (pace band, ``smile_allowed``).
        live: the ``[live]`` settings; the default profile's when omitted.
        scoring: the scoring profile the pace and loudness limits come from.
        vision: the vision calibration (the blip a stretch rides over).

    Raises:
        ValueError: an unknown setting.
        LanguageError: a language without a strings file.
    """

    def __init__(
        self,
        setting: str,
        kind: str,
        *,
        language: str = "en",
        targets: Mapping[str, object] | None = None,
        live: LiveCalibration | None = None,
        scoring: ScoringProfile | None = None,
        vision: VisionCalibration | None = None,
    ) -> None:
        self.timing = (live or load_live_calibration(DEFAULT_PROFILE)).cues
        scoring = scoring or load_scoring_profile(DEFAULT_PROFILE)
        vision = vision or load_vision_calibration(DEFAULT_PROFILE)
        self.cues = live_cues_for(setting, kind, targets)
        line_targets = targets_for(scoring, setting, targets)
        #: Faster than the top of the line's pace band (syllables per second) is "Slower".
        self.max_syllables_per_s = line_targets[Cue.PACE_SYLLABLES].band[1]
        #: Speech quieter than the bottom of the line's loudness band (dBFS) is "Louder".
        self.min_speech_dbfs = line_targets[Cue.LOUDNESS].band[0]
        self._blip_s = vision.episodes.merge_gap_s
        self._words = dict(load_strings(language)["live_cues"])
        self._off_since: dict[str, float] = {}
        self._last_off: dict[str, float] = {}
        self._last_shown: dict[str, float] = {}
        self._showing: LiveCue | None = None
        self._shown: list[LiveCue] = []

    @classmethod
    def for_scenario(
        cls,
        scenario: Scenario,
        *,
        language: str = "en",
        live: LiveCalibration | None = None,
        scoring: ScoringProfile | None = None,
        vision: VisionCalibration | None = None,
    ) -> LiveCoach:
        """A coach for one scenario line (its setting, kind and targets)."""
        return cls(
            scenario.setting,
            scenario.kind,
            language=language,
            targets=scenario.targets,
            live=live,
            scoring=scoring,
            vision=vision,
        )

    @property
    def shown(self) -> tuple[LiveCue, ...]:
        """Every cue shown so far in this take, in order."""
        return tuple(self._shown)

    def is_off(self, cue: str, body: FrameSignals | None, voice: LiveVoiceReading | None) -> bool:
        """Whether ``cue``'s signal is off now (unknown is not off)."""
        if cue == LiveCueName.LOOK_UP:
            return body is not None and body.eye_contact is False
        if cue == LiveCueName.ARMS_OPEN:
            return body is not None and body.arms_crossed is True
        if cue in (LiveCueName.STAND_TALL, LiveCueName.SIT_UP):
            return body is not None and body.upright is False
        if cue == LiveCueName.SMILE:
            return body is not None and body.smiling is False
        if cue == LiveCueName.SLOWER:
            return (
                voice is not None
                and voice.speaking
                and voice.syllables_per_s is not None
                and voice.syllables_per_s > self.max_syllables_per_s
            )
        if cue == LiveCueName.LOUDER:
            return (
                voice is not None
                and voice.speaking
                and voice.speech_level_dbfs is not None
                and voice.speech_level_dbfs < self.min_speech_dbfs
            )
        raise KeyError(cue)

    def update(self, time_s: float, *, body: FrameSignals | None, voice: LiveVoiceReading | None) -> LiveCue | None:
        """The cue to show at ``time_s``, or ``None``; call in time order with the newest readings.

        Args:
            time_s: now, seconds from the start of the take.
            body: the newest analysed frame's signals (``None``: no camera or no frame yet).
            voice: the newest live voice reading (``None``: no microphone).
        """
        timing = self.timing
        off_now = set()
        for cue in self.cues:
            if self.is_off(cue, body, voice):
                off_now.add(cue)
                if cue not in self._off_since or time_s - self._last_off[cue] > self._blip_s:
                    self._off_since[cue] = time_s
                self._last_off[cue] = time_s
            elif cue in self._last_off and time_s - self._last_off[cue] > self._blip_s:
                self._off_since.pop(cue, None)
                self._last_off.pop(cue, None)

        if self._showing is not None and time_s < self._showing.until_s:
            return self._showing
        self._showing = None
        if self._shown and time_s - self._shown[-1].started_s < timing.min_gap_s:
            return None

        def due(cue: str) -> bool:
            wait = timing.smile_off_for_s if cue == LiveCueName.SMILE else timing.off_for_s
            recently = cue in self._last_shown and time_s - self._last_shown[cue] < timing.repeat_gap_s
            return cue in off_now and time_s - self._off_since[cue] >= wait and not recently

        ready = [cue for cue in self.cues if due(cue)]
        if not ready:
            return None
        # A cue not shown yet (or shown longest ago) first, so none is starved;
        # then the one off longest; then the order of LIVE_CUES.
        cue = min(
            ready,
            key=lambda c: (self._last_shown.get(c, -np.inf), self._off_since[c], LIVE_CUES.index(c)),
        )
        shown = LiveCue(cue=cue, text=self._words[cue], started_s=time_s, until_s=time_s + timing.show_for_s)
        self._showing = shown
        self._shown.append(shown)
        self._last_shown[cue] = time_s
        return shown
