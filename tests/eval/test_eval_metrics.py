"""The evaluation's figure functions on small cases worked out by hand (kiosk.evaluation.metrics)."""

from __future__ import annotations

import pytest

from kiosk.evaluation.manifest import LabelWord, SeenCue, SeenLabel, without_fillers
from kiosk.evaluation.metrics import (
    FrameCounts,
    SpanMatch,
    TakeCue,
    TakeVoice,
    boundary_errors_ms,
    cue_figures,
    delivered_figures,
    error_figures,
    filler_match,
    match_fillers,
    match_pauses,
    pause_match,
    percent_error,
    score_frames,
    voice_figures,
    whole_take_false,
    wpm_from_words,
)
from kiosk.timespan import TimeSpan

TEN_FRAMES = [i / 10 for i in range(10)]  # 0.0, 0.1, ... 0.9 s


def label(cue: SeenCue, value: bool, start: float | None = None, end: float | None = None) -> SeenLabel:
    return SeenLabel(cue=cue, value=value, start_s=start, end_s=end, margin_s=0.25)


def test_frames_near_a_given_edge_are_not_scored_and_unknown_is_disagreement() -> None:
    # Span 0.0-1.0 with a 0.25 s margin scores frames at 0.3 .. 0.7 s (five frames).
    kiosk = [True, True, True, False, None, True, True, True, True, True]
    counts = score_frames(TEN_FRAMES, kiosk, [label(SeenCue.EYE_CONTACT, True, 0.0, 1.0)])
    # Scored: False, None, True, True, True.
    assert counts == FrameCounts(frames=5, agree=3, unknown=1, true_positive=3, false_positive=0, label_positive=5)
    assert counts.agreement == pytest.approx(0.6)
    assert counts.unknown_share == pytest.approx(0.2)
    assert counts.precision == 1.0
    assert counts.recall == pytest.approx(0.6)


def test_a_whole_take_label_scores_every_frame() -> None:
    counts = score_frames([0.0, 0.04, 0.08], [False, True, None], [label(SeenCue.HANDS_VISIBLE, False)])
    assert counts == FrameCounts(frames=3, agree=1, unknown=1, true_positive=0, false_positive=1, label_positive=0)
    assert counts.precision == 0.0  # the one "yes" was wrong
    assert counts.recall is None  # nothing labelled "yes": no recall, not 0 or 1


def test_frames_outside_every_label_are_not_scored() -> None:
    labels = [label(SeenCue.SMILING, True, 0.0, 0.4), label(SeenCue.SMILING, False, 0.6, 1.0)]
    # Kept: 0.25 <= t < 0.15 (none) for the first; 0.85 <= t < 0.75 (none) for the second.
    assert score_frames(TEN_FRAMES, [True] * 10, labels).frames == 0
    wide = [SeenLabel(SeenCue.SMILING, True, 0.0, 0.4, margin_s=0.0), SeenLabel(SeenCue.SMILING, False, 0.6, 1.0, 0.0)]
    counts = score_frames(TEN_FRAMES, [True] * 10, wide)
    # 0.0-0.3 (4 frames, yes) and 0.6-0.9 (4 frames, no); 0.4 and 0.5 are between the labels.
    assert (counts.frames, counts.agree, counts.false_positive) == (8, 4, 4)


def test_takes_pool_by_frames_and_the_lowest_take_is_named() -> None:
    a = TakeCue("a", FrameCounts(frames=10, agree=9, label_positive=10, true_positive=9))
    b = TakeCue("b", FrameCounts(frames=30, agree=15, label_positive=30, true_positive=15))
    empty = TakeCue("c", FrameCounts())
    figures = cue_figures([a, b, empty])
    assert figures.counts.agreement == pytest.approx(24 / 40)
    assert figures.takes == 2  # the take without a scored frame is not counted
    assert (figures.lowest_take, figures.lowest_take_agreement) == ("b", pytest.approx(0.5))


def test_hand_cues_absent_throughout_count_the_takes_with_any_yes() -> None:
    absent = [label(SeenCue.HANDS_VISIBLE, False)]
    assert whole_take_false(SeenCue.HANDS_VISIBLE, absent)
    assert not whole_take_false(SeenCue.HANDS_VISIBLE, [label(SeenCue.HANDS_VISIBLE, False, 0.0, 2.0)])
    assert not whole_take_false(SeenCue.SMILING, [label(SeenCue.SMILING, False)])
    figures = cue_figures(
        [
            TakeCue("a", FrameCounts(frames=5, agree=5), any_yes_when_absent=False),
            TakeCue("b", FrameCounts(frames=5, agree=4, false_positive=1), any_yes_when_absent=True),
            TakeCue("c", FrameCounts(frames=5, agree=5)),
        ]
    )
    assert (figures.absent_takes, figures.absent_takes_with_any) == (2, 1)


def test_pauses_match_one_to_one_by_largest_overlap() -> None:
    kiosk = [TimeSpan(1.0, 1.5), TimeSpan(2.0, 3.0), TimeSpan(3.0, 3.4), TimeSpan(4.0, 4.2)]
    labelled = [TimeSpan(1.1, 1.6), TimeSpan(2.6, 3.3)]
    # Overlaps: k0-l0 0.4 s, k1-l1 0.4 s, k2-l1 0.3 s: k2 loses l1 to k1.
    assert match_pauses(kiosk, labelled) == ((0, 0), (1, 1))
    match = pause_match(kiosk, labelled)
    # k3 (0.2 s) is shorter than 250 ms and is not scored.
    assert (match.kiosk, match.labelled, match.matched) == (3, 2, 2)
    assert match.precision == pytest.approx(2 / 3)
    assert match.recall == 1.0
    # |1.0-1.1|, |1.5-1.6|, |2.0-2.6|, |3.0-3.3| = 100, 100, 600, 300 ms: median 200 ms.
    assert boundary_errors_ms(kiosk, labelled, ((0, 0), (1, 1))) == pytest.approx((100, 100, 600, 300))
    assert match.median_boundary_error_ms == pytest.approx(200.0)


def test_pauses_that_only_touch_do_not_match() -> None:
    assert match_pauses([TimeSpan(1.0, 2.0)], [TimeSpan(2.0, 3.0)]) == ()
    assert pause_match([], [TimeSpan(2.0, 3.0)]).precision is None
    assert pause_match([], [TimeSpan(2.0, 3.0)]).recall == 0.0


def test_fillers_match_by_overlap_or_close_centres() -> None:
    kiosk = [TimeSpan(1.0, 1.2), TimeSpan(5.0, 5.2)]
    labelled = [TimeSpan(1.25, 1.45), TimeSpan(5.6, 5.8), TimeSpan(8.0, 8.3)]
    # Centres 1.1 and 1.35 are 0.25 s apart (<= 0.3): a match; 5.1 and 5.7 are 0.6 s apart: none.
    assert match_fillers(kiosk, labelled) == ((0, 0),)
    match = filler_match(kiosk, labelled)
    assert (match.precision, match.recall) == (0.5, pytest.approx(1 / 3))
    # An overlap wins over a closer centre: l0's centre is 0.2 s away, l1 overlaps by 0.05 s.
    assert match_fillers([TimeSpan(1.0, 1.2)], [TimeSpan(1.25, 1.35), TimeSpan(1.15, 2.0)]) == ((0, 1),)
    # Of two overlaps, the larger wins.
    assert match_fillers([TimeSpan(1.0, 1.6)], [TimeSpan(1.5, 2.5), TimeSpan(1.2, 1.4)]) == ((0, 1),)


def test_errors_in_percent_of_the_label() -> None:
    assert percent_error(110.0, 100.0) == pytest.approx(10.0)
    assert percent_error(None, 100.0) is None
    figures = error_figures({"a": 10.0, "b": -4.0, "c": None})
    assert (figures.n, figures.missing, figures.worst_take) == (2, 1, "a")
    assert figures.median_abs == pytest.approx(7.0)
    assert figures.mean_signed == pytest.approx(3.0)


def test_wpm_from_word_timings_leaves_out_fillers() -> None:
    words = [LabelWord("and", 0.5, 0.7), LabelWord("um", 0.7, 1.0), LabelWord("so", 1.0, 1.5)]
    assert wpm_from_words(words, "en") == pytest.approx(120.0)  # 2 words in 1.0 s
    assert without_fillers("And so um my fellow, uh, Americans", "en") == "And so my fellow, Americans"
    assert without_fillers("Hej øh velkommen", "da") == "Hej velkommen"
    assert without_fillers("欢迎呃光临，嗯本酒店", "zh") == "欢迎光临，本酒店"
    assert without_fillers("那个 我要这个 那个", "zh") == "我要这个"


def test_line_delivered_counts_the_takes_put_below_ninety_percent() -> None:
    takes = [
        TakeVoice("a", delivered_kiosk=1.0, delivered_label=1.0),
        TakeVoice("b", delivered_kiosk=0.0, delivered_label=1.0),
        TakeVoice("c", delivered_kiosk=0.0, delivered_label=0.0),
        TakeVoice("d", delivered_kiosk=None, delivered_label=1.0),
    ]
    figures = delivered_figures(takes)
    assert (figures.n, figures.missing, figures.short, figures.short_takes) == (4, 1, 2, ("b", "d"))
    assert figures.kiosk_mean == pytest.approx(1 / 3)
    assert figures.mean_abs_error == pytest.approx(1 / 3)


def test_voice_figures_pool_spans_over_takes() -> None:
    a = TakeVoice("a", wpm_kiosk=150.0, wpm_label=120.0, pauses=SpanMatch(2, 2, 1, (50.0, 150.0)))
    b = TakeVoice("b", wpm_kiosk=100.0, wpm_label=100.0, pauses=SpanMatch(1, 3, 1, (10.0, 20.0)))
    figures = voice_figures([a, b])
    assert (figures.pauses.kiosk, figures.pauses.labelled, figures.pauses.matched) == (3, 5, 2)
    assert figures.pauses.median_boundary_error_ms == pytest.approx(35.0)
    assert figures.pause_takes == 2 and figures.filler_takes == 0
    assert figures.wpm.median_abs == pytest.approx(12.5)  # errors +25 % and 0 %
