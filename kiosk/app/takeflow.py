"""One trainee's take on a page: setup, countdown, recording, analysing, report.

Both ways of practising live (the kiosk's own devices and the browser's)
share this small state machine; it lives in ``st.session_state``.

Why a lock: Streamlit starts a new run of the page as soon as the trainee
clicks, before the previous run has finished ("fast reruns"), so two runs of
one trainee's page can be inside this code at the same moment: a double
click on Start, Stop pressed while the previous run is still in its preview
loop. Every change of phase is therefore made under one lock and only from
the phase it expects; a run that arrives late finds the phase moved on and
does nothing. Stopping and scoring run on a worker thread of the flow's own,
so a run interrupted by a click never loses a take half-scored, and a take
whose page is gone still stops (see ``LiveTake``'s ``unwatched_stop_s``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from kiosk.errors import KioskError
from kiosk.live import LiveResult, LiveTake

_log = logging.getLogger(__name__)

#: Told how far scoring has got: a share 0-1 and the key of the words to show.
ProgressHook = Callable[[float, str], None]
#: Longest a page waits for a take to be scored, in seconds: scoring takes
#: 1-3 s after a 30 s take (``kiosk bench live``); far beyond that it is stuck.
SCORING_TIMEOUT_S = 120.0
#: What the page says when scoring took longer than :data:`SCORING_TIMEOUT_S`.
SCORING_STUCK = "Scoring this take took far too long, so it was given up and not saved. Please record it again."


class Phase(StrEnum):
    """Where a take is; each page draws one screen per phase."""

    SETUP = "setup"
    COUNTDOWN = "countdown"
    RECORDING = "recording"
    ANALYSING = "analysing"
    REPORT = "report"


@dataclass(frozen=True)
class TakeOutcome:
    """What the page shows after a take.

    Attributes:
        report: the scored report (``{"document": ..., "notes": [...]}``), ``None`` if it could not be scored.
        error: why it could not be scored, in the trainee's words.
        problems: what went wrong while recording (shown above the error).
        extra: anything else the page computed with the report (the browser's framing checks).
    """

    report: dict | None
    error: str | None = None
    problems: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict)


#: Scores a finished take: given the result and a progress hook, returns what to show.
Scorer = Callable[[LiveResult, ProgressHook], TakeOutcome]


class TakeFlow:
    """One trainee's take on one page, safe against two runs of the page at once.

    Use::

        flow = st.session_state.setdefault("practice-flow", TakeFlow())
        if flow.phase is Phase.SETUP and st.button("Start"):
            problem = flow.open(make_take, scenario_id=..., countdown_s=3)
        ...
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._phase = Phase.SETUP
        self._take: LiveTake | None = None
        self._finisher: threading.Thread | None = None
        self._countdown_until = 0.0
        self._scoring_since = 0.0
        self._progress: tuple[float, str] = (0.0, "finishing")
        self._messages: list[str] = []
        self._scenario_id: str | None = None
        self.outcome: TakeOutcome | None = None

    # -- reading ------------------------------------------------------------------------
    @property
    def phase(self) -> Phase:
        return self._phase

    @property
    def take(self) -> LiveTake | None:
        return self._take

    @property
    def scenario_id(self) -> str:
        """The id of the line of the take opened last (kept through its report and back to setup).

        Raises:
            RuntimeError: no take was opened yet; only the setup screen may be drawn before one.
        """
        if self._scenario_id is None:
            raise RuntimeError("No take was opened on this page yet, so there is no line to show.")
        return self._scenario_id

    @property
    def countdown_left_s(self) -> float:
        return max(self._countdown_until - time.monotonic(), 0.0)

    @property
    def progress(self) -> tuple[float, str]:
        """How far scoring has got: a share 0-1 and the key of the words to show."""
        return self._progress

    def pop_messages(self) -> list[str]:
        """Messages for the setup screen (why a take ended early), each shown once."""
        with self._lock:
            messages, self._messages = self._messages, []
        return messages

    # -- changes --------------------------------------------------------------------------
    def open(self, make_take: Callable[[], LiveTake], *, scenario_id: str, countdown_s: float) -> str | None:
        """Prepare a take (devices, analyser) and start the countdown.

        Only from setup: a second Start while a take is open does nothing.
        Returns a message instead if the take cannot be made.
        """
        with self._lock:
            if self._phase is not Phase.SETUP:
                return None
            try:
                take = make_take()
            except KioskError as err:
                return str(err)
            self._take = take
            self._scenario_id = scenario_id
            self.outcome = None
            self._countdown_until = time.monotonic() + countdown_s
            self._phase = Phase.COUNTDOWN
        return None

    def begin_recording(self, attach: Callable[[LiveTake], None] | None = None) -> bool:
        """Start recording once the countdown is over (once; later calls do nothing).

        ``attach`` connects a pushed source to the take (the browser's feed).
        """
        with self._lock:
            if self._phase is not Phase.COUNTDOWN or self._take is None:
                return False
            take = self._take
            take.start()
            if attach is not None:
                attach(take)
            self._phase = Phase.RECORDING
            return True

    def keep_alive(self) -> None:
        """The page still shows this take (during the countdown, when there is no preview)."""
        take = self._take
        if take is not None:
            take.keep_alive()

    def cancel(self, message: str | None = None, detach: Callable[[], None] | None = None) -> None:
        """Drop a take before it is scored (the trainee left, or the camera went away) and free its devices."""
        with self._lock:
            if self._phase not in (Phase.COUNTDOWN, Phase.RECORDING):
                return
            take, self._take = self._take, None
            self._phase = Phase.SETUP
            if message:
                self._messages.append(message)
        if detach is not None:
            detach()
        if take is not None:
            take.close()

    def drop_if_abandoned(self, message: str) -> None:
        """A take that stopped itself because no page watched it goes back to setup, with ``message``."""
        take = self._take
        if take is not None and take.abandoned:
            self.cancel(message)

    def finish(
        self,
        score: Scorer,
        *,
        detach: Callable[[], None] | None = None,
        notes: tuple[str, ...] = (),
    ) -> bool:
        """Stop recording and score the take on the flow's own thread (once; later calls do nothing).

        ``detach`` disconnects a pushed source first; ``notes`` (why the take
        ended) go above the report.
        """
        with self._lock:
            if self._phase is not Phase.RECORDING or self._take is None:
                return False
            self._phase = Phase.ANALYSING
            self._progress = (0.1, "finishing")
            self._scoring_since = time.monotonic()
            take = self._take
            thread = threading.Thread(
                target=self._finish, args=(take, score, detach, notes), name="take-scoring", daemon=True
            )
            _attach_page_context(thread)
            thread.start()
            self._finisher = thread  # only once started: another run may join it at once
        return True

    def wait_for_report(self, timeout_s: float) -> bool:
        """Wait up to ``timeout_s`` for scoring to finish; whether it has.

        Scoring that has run past :data:`SCORING_TIMEOUT_S` is given up: the
        page gets an error instead of waiting for ever (the stuck thread's
        late result is dropped).
        """
        thread = self._finisher
        if thread is not None:
            thread.join(timeout=timeout_s)
        with self._lock:
            if self._phase is Phase.ANALYSING and time.monotonic() - self._scoring_since > SCORING_TIMEOUT_S:
                self.outcome = TakeOutcome(report=None, error=SCORING_STUCK)
                self._finisher = None
                self._take = None
                self._phase = Phase.REPORT
        return self._phase is not Phase.ANALYSING

    def again(self) -> bool:
        """From the report back to setup (Try again, Next line); once."""
        with self._lock:
            if self._phase is not Phase.REPORT:
                return False
            self._phase = Phase.SETUP
            self.outcome = None
            return True

    # -- the scoring thread -------------------------------------------------------------------
    def _report_progress(self, share: float, words_key: str) -> None:
        self._progress = (share, words_key)

    def _finish(self, take: LiveTake, score: Scorer, detach: Callable[[], None] | None, notes: tuple[str, ...]) -> None:
        result: LiveResult | None = None
        try:
            if detach is not None:
                detach()
            result = take.stop()
            outcome = score(result, self._report_progress)
            if notes and outcome.report is not None:
                outcome.report["notes"] = [*notes, *outcome.report["notes"]]
        except KioskError as err:
            problems = (*notes, *(result.recorded.problems if result else ()), *(result.notes if result else ()))
            outcome = TakeOutcome(report=None, error=str(err), problems=problems)
        except Exception:  # noqa: BLE001 - the thread's last line: the page must get an answer, never hang
            _log.exception("scoring a take failed")
            outcome = TakeOutcome(
                report=None,
                error="Something went wrong while scoring this take; it was not saved. Please record it again.",
                problems=notes,
            )
        with self._lock:
            if self._finisher is not threading.current_thread():
                return  # given up on as stuck; the page has moved on
            self.outcome = outcome
            self._take = None
            self._phase = Phase.REPORT


def _attach_page_context(thread: threading.Thread) -> None:
    """Let a worker thread use the page's cached resources (the database) without Streamlit warning.

    Outside a Streamlit run (tests of the flow alone) there is no context to attach.
    """
    try:
        from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx
    except ImportError:
        return
    context = get_script_run_ctx(suppress_warning=True)
    if context is not None:
        add_script_run_ctx(thread, context)


__all__ = ["Phase", "ProgressHook", "Scorer", "TakeFlow", "TakeOutcome"]
