"""Scoring: a take's body and voice signals against the profile's targets.

Each cue scores 0-100 from its measured value: 100 inside the target band,
falling linearly to 0 over the tolerance outside it. The overall score is
the weighted mean of the cues that could be observed; a cue that could not
be observed is left out (never scored 0 or 100) and says why. Tips are the
three cues whose improvement would raise the overall score most, each tied
to a moment of the take and the words being said then.
"""

from kiosk.scoring.cues import CueScore, MissingHalf, PaceStretch, TakeScores, score_against, score_take
from kiosk.scoring.targets import targets_for

__all__ = ["CueScore", "MissingHalf", "PaceStretch", "TakeScores", "score_against", "score_take", "targets_for"]
