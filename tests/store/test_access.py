"""The trainer PIN and trainee codes: no trivial PINs; wrong tries slowed, then locked out, counted in the database.

Every throttle test runs on SQLite and on the real PostgreSQL server, and
counts what the store let through at given moments (``now``), never wall
time: the waits are the store's, not the test's.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from store_fixtures import postgres_fixture, url_fixture  # noqa: F401 - fixtures: each test on both databases
from store_workers import record

from kiosk.store import Store, pin_problem
from kiosk.store.access import TRAINEE_CODE, TRAINER_PIN

PIN = "284917"
START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "pin",
    [
        "2468",
        "12345",
        "000000",
        "999999",
        "123456",
        "654321",
        "789012",
        "210987",
        "121212",
        "123123",
        "112112",
        "112233",
        "147258",
        "159753",
        "aaaaaaaaaaaa",
        "abcdefghijkl",
        "password1234",
        "Trainer2026!",
        "short pass",
    ],
)
def test_trivial_or_short_pins_are_refused(pin) -> None:
    assert pin_problem(pin) is not None


@pytest.mark.parametrize("pin", ["284917", "50736291", "lilac otter tuesday", "Maple-Kettle-Drum-42"])
def test_pins_with_no_pattern_and_passphrases_are_accepted(pin) -> None:
    assert pin_problem(pin) is None


def guesses_let_through(store: Store, seconds: int, *, start: datetime, every_s: float = 0.25) -> tuple[int, int]:
    """Wrong guesses every ``every_s`` for ``seconds``: (checked against the hash, refused unchecked)."""
    checked = refused = 0
    for step in range(int(seconds / every_s)):
        attempt = store.check_trainer_pin(f"{100000 + step}", now=start + timedelta(seconds=step * every_s))
        assert not attempt
        checked += attempt.checked
        refused += not attempt.checked
    return checked, refused


def test_wrong_pins_slow_down_then_lock_out_and_a_restart_does_not_reset_them(url) -> None:
    with Store(url) as store:
        store.set_trainer_pin(PIN)
        # A script guessing 4 times a second for a minute gets 6 guesses checked:
        # 3 free, then waits of 5, 10 and 20 s.
        checked, refused = guesses_let_through(store, 60, start=START)
        assert (checked, refused) == (6, 240 - 6)
    with Store(url) as store:  # the kiosk restarted: the count is in the database
        wait = store.trainer_pin_wait(now=START + timedelta(seconds=60))
        assert wait.wait_s > 0 and not wait.locked
        # An hour of guessing: the waits double to the lockout, then 15 minutes a guess.
        checked, _ = guesses_let_through(store, 3600, start=START + timedelta(seconds=60), every_s=1)
        assert checked <= 8
        locked = store.trainer_pin_wait(now=START + timedelta(seconds=3660))
        assert locked.locked and 0 < locked.wait_s <= TRAINER_PIN.lockout_s
        # During the lockout even the right PIN is refused, unchecked.
        assert (
            not (attempt := store.check_trainer_pin(PIN, now=START + timedelta(seconds=3661))) and not attempt.checked
        )


def test_a_refused_try_is_not_even_hashed(url, monkeypatch) -> None:
    with Store(url) as store:
        store.set_trainer_pin(PIN)
        hashed = []
        real = hashlib.scrypt
        monkeypatch.setattr(hashlib, "scrypt", lambda *a, **k: hashed.append(1) or real(*a, **k))
        for i in range(TRAINER_PIN.free_failures):
            assert store.check_trainer_pin("900001", now=START + timedelta(seconds=i)).checked
        assert len(hashed) == TRAINER_PIN.free_failures
        refused = store.check_trainer_pin(PIN, now=START + timedelta(seconds=5))  # even the right one
        assert not refused and not refused.checked and refused.wait_s > 0
        assert len(hashed) == TRAINER_PIN.free_failures


def test_the_right_pin_after_the_wait_opens_and_clears_the_count(url) -> None:
    with Store(url) as store:
        store.set_trainer_pin(PIN)
        for i in range(TRAINER_PIN.free_failures):
            store.check_trainer_pin("900001", now=START + timedelta(seconds=i))
        last = START + timedelta(seconds=TRAINER_PIN.free_failures - 1)
        assert store.trainer_pin_wait(now=last).wait_s == pytest.approx(TRAINER_PIN.first_delay_s)
        later = last + timedelta(seconds=TRAINER_PIN.first_delay_s)
        assert store.check_trainer_pin(f"  {PIN} ", now=later)  # spaces around it do not matter
        assert store.trainer_pin_wait(now=later).wait_s == 0
        # The free tries are back: no wait until the last of them.
        waits = [store.check_trainer_pin("900001", now=later + timedelta(seconds=i)).wait_s for i in range(3)]
        assert waits == [0, 0, TRAINER_PIN.first_delay_s]


def test_the_trainer_at_the_machine_can_end_a_lockout(url) -> None:
    with Store(url) as store:
        store.set_trainer_pin(PIN)
        for i in range(TRAINER_PIN.lockout_after):
            store.check_trainer_pin("900001", now=START + timedelta(hours=i))
        assert store.trainer_pin_wait(now=START + timedelta(hours=9, seconds=1)).locked
        store.clear_tries()
        assert store.check_trainer_pin(PIN, now=START + timedelta(hours=9, seconds=2))


def test_a_trainee_opens_their_progress_with_their_code_not_with_their_name(url) -> None:
    with Store(url) as store:
        ana = store.save_take(record("a1", "Ana", 1)).trainee_code
        store.save_take(record("b1", "Bo", 2))
        assert store.trainee_by_code(ana, now=START).trainee.name == "Ana"
        spaced = f" {ana[:3].lower()}-{ana[3:]} "
        assert store.trainee_by_code(spaced, name="  ANA ", now=START).trainee.name == "Ana"
        assert store.trainee_by_code(ana, name="Bo", now=START).trainee is None  # someone else's name
        assert store.trainee_by_code("Ana", now=START).trainee is None  # a name is not a code
        assert store.trainee_by_code("", name="Ana", now=START).trainee is None
        assert not store.trainee_by_code("", name="Ana", now=START).attempt.checked


def test_wrong_codes_slow_everyone_down_and_a_right_code_does_not_reset_the_count(url) -> None:
    with Store(url) as store:
        ana = store.save_take(record("a1", "Ana", 1)).trainee_code
        looked_up = 0
        for step in range(240):  # a script trying 4 codes a second for a minute
            check = store.trainee_by_code(f"ZZZ{step:03d}", now=START + timedelta(seconds=step / 4))
            looked_up += check.attempt.checked
            if step % 10 == 0:  # with a right code of its own now and then
                store.trainee_by_code(ana, now=START + timedelta(seconds=step / 4))
        # 5 free, then waits of 2, 4, 8, 16 and 32 s: 9 codes tried in the minute, not 240.
        assert looked_up == 9
    with Store(url) as other_kiosk:
        assert other_kiosk.trainee_by_code(ana, now=START + timedelta(seconds=61)).trainee is None  # still waiting
        quiet = START + timedelta(seconds=61 + TRAINEE_CODE.forget_after_s + TRAINEE_CODE.lockout_s)
        assert other_kiosk.trainee_by_code(ana, now=quiet).trainee.name == "Ana"
