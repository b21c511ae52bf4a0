"""One type for a stretch of a take, used by every step (as pyannote's ``Segment``).

Times are seconds from the start of the take, everywhere: a body-language
episode, a stretch of speech, a pause, the moment a tip points at. This
module sits at the bottom of the package and imports nothing from it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TimeSpan:
    """A stretch of a take from ``start_s`` to ``end_s`` (seconds from its start; an instant when equal)."""

    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    def contains(self, time_s: float) -> bool:
        """Whether ``time_s`` falls in the span (start included, end excluded)."""
        return self.start_s <= time_s < self.end_s

    def overlaps(self, other: TimeSpan) -> bool:
        """Whether the two spans share some time."""
        return self.start_s < other.end_s and other.start_s < self.end_s


__all__ = ["TimeSpan"]
