"""The take's flow under two runs of a page at once: one take per Start, one stop, one score.

Streamlit starts a new run of a page as soon as the trainee clicks, before
the previous run has finished, so every step of the flow is exercised here
from several threads at the same moment, with real takes (a recording
standing in for the microphone).
"""

from __future__ import annotations

import threading
import time

import pytest
from conftest import SHARED_DATA

from kiosk.app.takeflow import Phase, TakeFlow, TakeOutcome
from kiosk.calibration import load_vision_calibration
from kiosk.capture import FileMicrophone
from kiosk.errors import DeviceError
from kiosk.live import LiveTake

SPEECH = SHARED_DATA / "whisper" / "jfk.flac"


def all_at_once(step, count: int = 4) -> list:
    """Call ``step`` from ``count`` threads released together; what each returned."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index: int) -> None:
        barrier.wait()
        results[index] = step()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


class Takes:
    """Makes real takes (sound alone, from a recording) and counts them."""

    def __init__(self) -> None:
        self.made: list[LiveTake] = []

    def __call__(self) -> LiveTake:
        take = LiveTake(microphone=FileMicrophone(SPEECH), vision_calibration=load_vision_calibration())
        self.made.append(take)
        return take


def scorer(calls: list):
    def score(result, on_progress) -> TakeOutcome:
        calls.append(result)
        on_progress(0.5, "scoring")
        return TakeOutcome(report={"document": {"seconds": result.recorded.duration_s}, "notes": []})

    return score


def test_a_double_click_on_start_opens_one_take() -> None:
    flow, takes = TakeFlow(), Takes()
    problems = all_at_once(lambda: flow.open(takes, scenario_id="front-desk-greeting-01", countdown_s=0))
    assert problems == [None] * 4
    assert len(takes.made) == 1 and flow.take is takes.made[0]
    assert flow.phase is Phase.COUNTDOWN
    started = all_at_once(flow.begin_recording)
    assert started.count(True) == 1 and flow.phase is Phase.RECORDING
    flow.cancel()
    assert takes.made[0].stopped and flow.phase is Phase.SETUP


def test_stop_from_two_runs_scores_the_take_once() -> None:
    flow, takes, calls = TakeFlow(), Takes(), []
    flow.open(takes, scenario_id="front-desk-greeting-01", countdown_s=0)
    flow.begin_recording()
    time.sleep(1.0)
    finished = all_at_once(lambda: flow.finish(scorer(calls)))
    assert finished.count(True) == 1
    assert flow.wait_for_report(30)
    assert len(calls) == 1 and flow.phase is Phase.REPORT
    assert 0.9 < flow.outcome.report["document"]["seconds"] < 3.0
    assert flow.take is None and takes.made[0].stopped
    # A late run still in the recording screen cannot finish it again or reopen it.
    assert flow.finish(scorer(calls)) is False and len(calls) == 1
    assert flow.open(takes, scenario_id="x", countdown_s=0) is None and len(takes.made) == 1
    # Try again: back to setup once, then a new take.
    assert all_at_once(flow.again).count(True) == 1 and flow.phase is Phase.SETUP
    flow.open(takes, scenario_id="front-desk-greeting-01", countdown_s=0)
    assert len(takes.made) == 2
    flow.cancel()


def test_stop_during_the_countdown_drops_the_take_and_frees_the_microphone() -> None:
    flow, takes = TakeFlow(), Takes()
    flow.open(takes, scenario_id="front-desk-greeting-01", countdown_s=5)
    assert flow.countdown_left_s > 4
    flow.cancel("cancelled")
    assert flow.phase is Phase.SETUP and flow.take is None
    assert takes.made[0].stopped and not takes.made[0].started
    assert flow.pop_messages() == ["cancelled"] and flow.pop_messages() == []
    # A run that was still counting down cannot start the dropped take.
    assert flow.begin_recording() is False


def test_a_take_that_cannot_be_made_is_a_message_and_the_flow_stays_in_setup() -> None:
    flow = TakeFlow()

    def no_camera() -> LiveTake:
        raise DeviceError("No camera was found on this kiosk.")

    assert flow.open(no_camera, scenario_id="x", countdown_s=0) == "No camera was found on this kiosk."
    assert flow.phase is Phase.SETUP


def test_a_scorer_that_fails_gives_the_page_an_answer_not_a_hang() -> None:
    flow, takes = TakeFlow(), Takes()
    flow.open(takes, scenario_id="x", countdown_s=0)
    flow.begin_recording()

    def broken(result, on_progress) -> TakeOutcome:
        raise ZeroDivisionError("a bug")

    flow.finish(broken)
    assert flow.wait_for_report(30)
    assert flow.outcome.report is None and "went wrong" in flow.outcome.error
    assert takes.made[0].stopped


def test_an_abandoned_take_goes_back_to_setup_with_a_message() -> None:
    flow = TakeFlow()
    flow.open(
        lambda: LiveTake(
            microphone=FileMicrophone(SPEECH), vision_calibration=load_vision_calibration(), unwatched_stop_s=0.3
        ),
        scenario_id="x",
        countdown_s=0,
    )
    flow.begin_recording()
    deadline = time.monotonic() + 10
    while not flow.take.abandoned and time.monotonic() < deadline:
        time.sleep(0.05)
    flow.drop_if_abandoned("gone")
    assert flow.phase is Phase.SETUP and flow.pop_messages() == ["gone"]


@pytest.mark.parametrize("runs", [20])
def test_start_stop_storms_leave_no_take_or_thread_behind(runs: int) -> None:
    """Many Starts, Stops and cancels from racing runs: afterwards no take records and no thread is left."""
    flow, takes, calls = TakeFlow(), Takes(), []
    before = {t.ident for t in threading.enumerate()}
    for i in range(runs):
        all_at_once(lambda: flow.open(takes, scenario_id="x", countdown_s=0), count=3)
        all_at_once(flow.begin_recording, count=3)
        if i % 3 == 0:
            all_at_once(flow.cancel, count=3)
        else:
            all_at_once(lambda: flow.finish(scorer(calls)), count=3)
            assert flow.wait_for_report(30)
            all_at_once(flow.again, count=3)
        assert flow.phase is Phase.SETUP
    assert len(takes.made) == runs
    assert all(take.stopped for take in takes.made)
    assert len(calls) == runs - len(range(0, runs, 3))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        left = [t for t in threading.enumerate() if t.ident not in before and t.is_alive()]
        if not left:
            break
        time.sleep(0.1)
    assert not left, [t.name for t in left]


def test_scoring_that_hangs_is_given_up_with_a_message_not_waited_for_for_ever(monkeypatch) -> None:
    import kiosk.app.takeflow as takeflow

    monkeypatch.setattr(takeflow, "SCORING_TIMEOUT_S", 0.5)
    release = threading.Event()
    flow, takes = TakeFlow(), Takes()
    flow.open(takes, scenario_id="x", countdown_s=0)
    flow.begin_recording()

    def stuck(result, on_progress) -> TakeOutcome:
        release.wait(30)
        return TakeOutcome(report={"document": {}, "notes": []})

    flow.finish(stuck)
    started = time.monotonic()
    while not flow.wait_for_report(0.1):
        assert time.monotonic() - started < 10
    assert flow.phase is Phase.REPORT and flow.outcome.report is None
    assert "took far too long" in flow.outcome.error
    release.set()  # the stuck scoring ends late: its result does not overwrite the page's
    time.sleep(0.3)
    assert flow.outcome.report is None and flow.phase is Phase.REPORT
