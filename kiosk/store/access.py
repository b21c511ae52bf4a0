"""Who may see what: the trainer PIN's rules, and the slowdown after wrong PINs and trainee codes.

The slowdown is kept in the database (the ``settings`` table), not in a page
or a process: a restarted kiosk, a new browser tab or a second kiosk on the
same database all see the same count of wrong tries and the same waiting
time, and the store refuses a try during the wait before it looks at the PIN
or code at all.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise

#: A trainer PIN of digits only: at least this many.
MIN_PIN_DIGITS = 6
#: Or a passphrase (anything but digits only): at least this many characters.
MIN_PASSPHRASE_CHARS = 12
#: Six-digit PINs people choose most (published analyses of leaked PINs) that
#: the run and repeat rules below do not already catch: keypad shapes, pairs,
#: dates of a kind. Refused whatever the rules say.
COMMON_PINS = frozenset(
    {
        "112233",
        "121314",
        "123321",
        "123654",
        "102030",
        "100200",
        "110011",
        "111222",
        "131313",
        "147258",
        "147369",
        "147852",
        "159357",
        "159753",
        "258369",
        "258456",
        "321654",
        "369258",
        "456123",
        "520520",
        "741852",
        "741963",
        "753951",
        "789123",
        "789456",
        "852456",
        "951753",
        "963852",
        "135790",
        "246810",
        "010203",
        "112358",
        "314159",
        "271828",
        "696969",
        "199000",
        "200000",
        "202020",
        "000123",
        "123000",
        "778899",
        "998877",
        "332211",
        "445566",
        "665544",
    }
)
#: Words that make a passphrase guessable whatever digits or symbols are added to them.
COMMON_WORDS = frozenset(
    {
        "password",
        "passwort",
        "adgangskode",
        "slaptazodis",
        "qwerty",
        "qwertyuiop",
        "letmein",
        "trainer",
        "kiosk",
        "admin",
        "welcome",
        "iloveyou",
        "abcdef",
        "monkey",
        "dragon",
        "football",
        "sunshine",
    }
)


def pin_problem(pin: str) -> str | None:
    """Why a trainer PIN may not be used (one sentence), or ``None`` if it may."""
    pin = normal_pin(pin)
    if pin.isdigit():
        if len(pin) < MIN_PIN_DIGITS:
            return (
                f"The trainer PIN must be at least {MIN_PIN_DIGITS} digits "
                f"(or a passphrase of at least {MIN_PASSPHRASE_CHARS} characters)."
            )
        if _run_or_repeat(pin) or pin in COMMON_PINS:
            return "That PIN is one of the first an intruder would try: choose digits with no run, repeat or pattern."
        return None
    if len(pin) < MIN_PASSPHRASE_CHARS:
        return (
            f"A trainer passphrase must be at least {MIN_PASSPHRASE_CHARS} characters "
            f"(or use a PIN of at least {MIN_PIN_DIGITS} digits)."
        )
    letters = "".join(c for c in pin.casefold() if c.isalpha())
    if _run_or_repeat(pin.casefold()) or letters in COMMON_WORDS or len(set(pin.casefold())) < 4:
        return "That passphrase is one of the first an intruder would try: choose a few unrelated words."
    return None


def normal_pin(pin: str) -> str:
    """A PIN or passphrase as compared: Unicode NFKC, surrounding spaces dropped (keyboards differ)."""
    return unicodedata.normalize("NFKC", pin).strip()


def _run_or_repeat(text: str) -> bool:
    """Whether ``text`` is one character repeated, a run up or down (123456, 987654, abcdef...) or a
    short pattern repeated (121212, 123123, abcabcabcabc)."""
    steps = {(ord(b) - ord(a)) for a, b in pairwise(text)}
    if text.isdigit():
        steps = {step % 10 for step in steps}  # 789012 runs round the keypad
        if steps <= {1} or steps <= {9}:
            return True
    elif steps <= {1} or steps <= {-1}:
        return True
    return any(text == (text[:period] * len(text))[: len(text)] for period in range(1, len(text) // 2 + 1))


@dataclass(frozen=True)
class Throttle:
    """How wrong tries at a secret are slowed down, and where their count is kept.

    After ``free_failures`` wrong tries in a row, each wrong try makes the
    next wait ``first_delay_s``, doubling with every further one; from
    ``lockout_after`` wrong tries, every wrong try locks for ``lockout_s``.
    Wrong tries older than ``forget_after_s`` (counted from the latest) are
    forgotten.
    """

    setting: str
    free_failures: int
    first_delay_s: float
    lockout_after: int
    lockout_s: float
    forget_after_s: float

    def wait_after(self, failures: int) -> float:
        """Seconds to wait after the ``failures``-th wrong try in a row."""
        if failures >= self.lockout_after:
            return self.lockout_s
        if failures < self.free_failures:
            return 0.0
        return min(self.first_delay_s * 2 ** (failures - self.free_failures), self.lockout_s)


#: The trainer PIN: three typos free, then 5 s, 10 s, 20 s... and from the
#: tenth wrong PIN in a row 15 minutes per try (about 4 tries an hour); a right
#: PIN clears the count.
TRAINER_PIN = Throttle(
    "tries_trainer_pin",
    free_failures=3,
    first_delay_s=5.0,
    lockout_after=10,
    lockout_s=15 * 60,
    forget_after_s=24 * 3600,
)
#: Trainee codes on "My progress", counted for the whole kiosk (a code opens
#: someone's takes, so codes must not be enumerable): five typos free, then
#: 2 s doubling, and from the twentieth wrong code in a row 5 minutes per try.
#: A right code does not clear the count (it would let anyone with a code of
#: their own reset it); a quiet quarter of an hour does.
TRAINEE_CODE = Throttle(
    "tries_trainee_code",
    free_failures=5,
    first_delay_s=2.0,
    lockout_after=20,
    lockout_s=5 * 60,
    forget_after_s=15 * 60,
)


@dataclass(frozen=True)
class Tries:
    """Wrong tries in a row at one secret, as kept in the ``settings`` table."""

    failures: int = 0
    last_failure: datetime | None = None
    next_try: datetime | None = None

    @classmethod
    def loads(cls, value: str | None) -> Tries:
        if not value:
            return cls()
        try:
            data = json.loads(value)
            return cls(
                failures=int(data["failures"]),
                last_failure=_time(data.get("last_failure")),
                next_try=_time(data.get("next_try")),
            )
        except (ValueError, KeyError, TypeError):
            return cls()  # unreadable (edited by hand): whoever can edit the database can clear it anyway

    def dumps(self) -> str:
        return json.dumps(
            {
                "failures": self.failures,
                "last_failure": None if self.last_failure is None else self.last_failure.isoformat(),
                "next_try": None if self.next_try is None else self.next_try.isoformat(),
            }
        )

    def wait_s(self, throttle: Throttle, now: datetime) -> float:
        """Seconds before the next try is allowed (0: now); never more than a lockout (a clock set back)."""
        if self.next_try is None or self.next_try <= now:
            return 0.0
        return min((self.next_try - now).total_seconds(), throttle.lockout_s)

    def after_failure(self, throttle: Throttle, now: datetime) -> Tries:
        failures = 1 if self.forgotten(throttle, now) else self.failures + 1
        return Tries(failures, now, now + timedelta(seconds=throttle.wait_after(failures)))

    def forgotten(self, throttle: Throttle, now: datetime) -> bool:
        return self.last_failure is None or (now - self.last_failure).total_seconds() > throttle.forget_after_s


def _time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Attempt:
    """The outcome of one try at a PIN or a trainee code.

    Attributes:
        accepted: the secret was right (the object is true exactly then).
        checked: the secret was looked at; ``False`` when the try was refused
            before that (too soon after wrong tries, or nothing to check against).
        wait_s: seconds before the next try is allowed (0: at once).
        locked: that wait is a lockout (many wrong tries in a row).
    """

    accepted: bool
    checked: bool
    wait_s: float = 0.0
    locked: bool = False

    def __bool__(self) -> bool:
        return self.accepted
