"""The schedule: which frames are judged, by the take's timestamps only."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from kiosk.capture.take import VideoFrame
from kiosk.vision.schedule import FrameSchedule, first_tick_at, scheduled_frames

PIXEL = np.zeros((1, 1, 3), np.uint8)


def frames_at(times: list[float]) -> list[VideoFrame]:
    return [VideoFrame(time_s=t, rgb=PIXEL) for t in times]


def chosen_times(times: list[float], rate_hz: float = 15.0) -> list[float]:
    return [f.time_s for f in scheduled_frames(frames_at(times), rate_hz)]


def test_a_30_fps_take_at_15_per_second_judges_every_other_frame() -> None:
    times = [k / 30 for k in range(60)]
    assert chosen_times(times) == pytest.approx([k / 15 for k in range(30)])


@pytest.mark.parametrize("fps", [24.0, 25.0, 30.0, 1350 / 61])
def test_any_source_rate_is_judged_at_the_ticks_within_half_a_source_frame(fps: float) -> None:
    times = [k / fps for k in range(int(4 * fps))]
    chosen = np.array(chosen_times(times))
    ticks = np.arange(len(chosen)) / 15.0
    assert len(chosen) == 60  # 4 s at 15 per second, whatever the source
    assert np.max(np.abs(chosen - ticks)) <= 0.5 / fps + 1e-9
    assert np.all(np.diff(chosen) > 0)


def test_a_re_encoded_copy_with_slightly_different_timestamps_judges_the_same_frames() -> None:
    times = [k / 25 for k in range(100)]
    shifted = [t + 0.002 * ((k % 3) - 1) for k, t in enumerate(times)]  # a container's rounding of times
    original = chosen_times(times)
    copy = chosen_times(shifted)
    assert [round(t * 25) for t in original] == [round(t * 25) for t in copy]


def test_a_source_slower_than_the_schedule_has_each_frame_judged_once() -> None:
    times = [k / 10 for k in range(20)]
    assert chosen_times(times) == pytest.approx(times)


def test_a_gap_in_a_variable_rate_file_is_bridged_by_the_frames_either_side() -> None:
    times = [0.0, 1 / 30, 2 / 30, 1.0, 1.0 + 1 / 30, 1.0 + 2 / 30]
    assert chosen_times(times) == pytest.approx([0.0, 2 / 30, 1.0, 1.0 + 2 / 30])


def test_a_still_image_is_judged() -> None:
    assert chosen_times([0.0]) == [0.0]


def test_no_frames_nothing_judged() -> None:
    assert chosen_times([]) == []


def test_the_last_frame_is_judged_when_a_tick_falls_while_it_lasts() -> None:
    # 0.05 lasts until 0.1 (as long as the gap before it): tick 1/15 falls in it.
    assert chosen_times([0.0, 0.05]) == [0.0, 0.05]
    # 0.02 lasts until 0.04: the take ends before tick 1/15.
    assert chosen_times([0.0, 0.02]) == [0.0]
    # A 30 fps take of 2 s ends at 2.0 s, so tick 2.0 is not in it.
    assert len(chosen_times([k / 30 for k in range(60)], 10.0)) == 20


def test_frame_by_frame_the_schedule_chooses_as_soon_as_the_nearest_frame_is_known() -> None:
    schedule = FrameSchedule(15.0)
    offered = frames_at([k / 30 for k in range(5)])
    decided = [[f.time_s for f in schedule.offer(frame)] for frame in offered]
    assert decided == [[0.0], [], [pytest.approx(2 / 30)], [], [pytest.approx(4 / 30)]]
    assert schedule.finish() == []


def test_frames_out_of_order_are_ignored() -> None:
    schedule = FrameSchedule(15.0)
    assert len(schedule.offer(VideoFrame(time_s=0.0, rgb=PIXEL))) == 1
    assert schedule.offer(VideoFrame(time_s=0.0, rgb=PIXEL)) == []


def test_a_schedule_needs_a_positive_rate() -> None:
    with pytest.raises(ValueError, match="positive rate"):
        FrameSchedule(0.0)


@pytest.mark.parametrize("fps", [7.5, 10.0, 24.0, 25.0, 30.0, 1350 / 61])  # 7.5: a frame nearest two ticks
@pytest.mark.parametrize("split_s", [1.0, 2.05, 2.5, 3.97])
def test_two_parts_of_a_take_judge_exactly_the_frames_of_one_pass(fps: float, split_s: float) -> None:
    # The second part starts from a key frame up to a second before the split, as a seeking decoder does.
    times = [k / fps for k in range(int(6 * fps))]
    whole = chosen_times(times, rate_hz=10.0)
    split_tick = first_tick_at(split_s, 10.0)
    first = [f.time_s for f in scheduled_frames(frames_at(times), 10.0, end_tick=split_tick)]
    seek = [t for t in times if t >= split_s - 1.0]
    second = [f.time_s for f in scheduled_frames(frames_at(seek), 10.0, first_tick=split_tick)]
    assert first[-1] < split_s - 1e-9 or split_tick == 0
    assert first + [t for t in second if t > first[-1]] == whole


def test_the_first_part_stops_reading_once_its_last_tick_has_its_frame() -> None:
    read: list[float] = []

    def frames() -> Iterator[VideoFrame]:
        for k in range(300):
            read.append(k / 30)
            yield VideoFrame(time_s=k / 30, rgb=PIXEL)

    chosen = [f.time_s for f in scheduled_frames(frames(), 10.0, end_tick=20)]
    assert chosen == pytest.approx([k / 10 for k in range(20)])
    assert max(read) < 2.0 + 0.1  # one frame past the last tick (1.9 s) decides it; the file is not read on


def test_a_part_of_a_schedule_needs_ticks_that_run_forwards() -> None:
    with pytest.raises(ValueError, match="forwards"):
        FrameSchedule(10.0, first_tick=5, end_tick=4)
    assert first_tick_at(2.0, 10.0) == 20
    assert first_tick_at(2.01, 10.0) == 21
