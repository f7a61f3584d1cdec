"""When a camera has enough marks to be calibrated, and when its calibration is stale."""

from qrpark.cameras.domain import MIN_MARKS_PER_CLASS, MarkCounts, calibration_state


def test_a_calibration_needs_the_minimum_of_each_class() -> None:
    short = MarkCounts(busy=MIN_MARKS_PER_CLASS, free=MIN_MARKS_PER_CLASS - 1)
    assert not short.enough
    assert short.missing() == {"busy": 0, "free": 1}
    assert short.total == 2 * MIN_MARKS_PER_CLASS - 1
    enough = MarkCounts(busy=MIN_MARKS_PER_CLASS, free=40)
    assert enough.enough
    assert enough.missing() == {"busy": 0, "free": 0}


def test_a_calibration_is_current_only_for_the_model_it_was_fitted_for() -> None:
    enough = MarkCounts(busy=9, free=9)
    assert calibration_state(enough, "cnn:abc", "cnn:abc") == "calibrated"
    assert calibration_state(enough, "cnn:old", "cnn:abc") == "stale"
    assert calibration_state(enough, None, "cnn:abc") == "stale"
    assert calibration_state(MarkCounts(busy=1, free=9), "cnn:abc", "cnn:abc") == "none"
