"""The ``[media]`` table: the recordings the kiosk agrees to analyse."""

from __future__ import annotations

from kiosk.calibration.schema import POSITIVE, Range, number, profile_table


@profile_table
class MediaLimits:
    """Recordings the kiosk agrees to analyse (the ``[media]`` table); larger ones are refused before decoding."""

    max_duration_s: float = number(doc="Longest recording", unit="seconds", check=POSITIVE)
    max_pixels: float = number(
        doc="Largest picture, width times height (a decompression bomb is refused unread)",
        unit="pixels",
        check=Range(low=0, low_open=True, whole=True),
    )
    max_played_mb: float = number(
        doc="Largest recording the report plays inside the page (it travels to the browser whole)",
        unit="megabytes",
        check=POSITIVE,
    )
