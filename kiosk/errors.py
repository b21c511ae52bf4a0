"""The one exception a user ever sees from the kiosk.

Every failure that bad input, a missing device or an unobtainable model can
cause is raised as a :class:`KioskError` at the boundary where it is detected.
Its message is one plain sentence saying what happened and what to do; the
command line prints it and exits with :data:`EXIT_BAD_INPUT`.
"""

from __future__ import annotations

EXIT_BAD_INPUT = 2


class KioskError(Exception):
    """A failure the trainee or trainer can act on; ``str(err)`` says how."""


class MediaError(KioskError):
    """A recording is missing, unreadable, or has nothing usable in it."""


class ModelUnavailableError(KioskError):
    """No source could supply a model file with the pinned SHA-256."""


class CalibrationError(KioskError):
    """A calibration profile is missing, malformed, or inconsistent."""


class ScriptError(KioskError):
    """A scripted line that cannot be prepared: empty, or in an unsupported language."""


class DeviceError(KioskError):
    """A camera or microphone is missing, busy, unplugged, or cannot be driven."""
