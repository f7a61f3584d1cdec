"""The per-space state machine: hysteresis, hold time and freezing under motion."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qrpark.occupancy.domain import (
    HysteresisPolicy,
    ObservationOutOfOrderError,
    Occupancy,
    OccupancyBoard,
    SpaceState,
    observe,
)

POLICY = HysteresisPolicy(enter_busy=0.7, leave_busy=0.3, hold_seconds=10.0)

steps = st.floats(min_value=0.0, max_value=30.0, allow_nan=False)
probs = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
in_band = st.floats(min_value=0.3, max_value=0.7, exclude_min=True, exclude_max=True)


def _settled(state: Occupancy) -> SpaceState:
    return SpaceState(state=state, since=0.0, last_seen=0.0)


def _run(
    start: SpaceState, samples: list[tuple[float, float, bool]]
) -> list[tuple[SpaceState, Occupancy | None]]:
    out, current, at = [], start, start.last_seen or 0.0
    for gap, prob, moving in samples:
        at += gap
        current, changed = observe(current, POLICY, prob, at, moving=moving)
        out.append((current, changed))
    return out


@given(
    st.sampled_from([Occupancy.FREE, Occupancy.BUSY]),
    st.lists(st.tuples(steps, in_band, st.just(False)), max_size=60),
)
def test_noise_inside_the_band_never_changes_the_state(
    start: Occupancy, samples: list[tuple[float, float, bool]]
) -> None:
    for state, changed in _run(_settled(start), samples):
        assert changed is None
        assert state.state == start


@given(st.lists(st.tuples(steps, st.sampled_from([0.05, 0.95]), st.just(False)), max_size=60))
def test_alternating_extremes_faster_than_the_hold_never_flap(
    samples: list[tuple[float, float, bool]],
) -> None:
    # strictly alternating evidence, each sample sooner than the hold time after the last
    alternating = [
        (min(gap, 9.0), 0.95 if i % 2 else 0.05, m) for i, (gap, _, m) in enumerate(samples)
    ]
    for state, changed in _run(_settled(Occupancy.FREE), alternating):
        assert changed is None
        assert state.state == Occupancy.FREE


@given(
    st.sampled_from(list(Occupancy)),
    st.lists(st.tuples(steps, probs, st.just(True)), max_size=60),
)
def test_state_never_changes_while_motion_covers_the_space(
    start: Occupancy, samples: list[tuple[float, float, bool]]
) -> None:
    for state, changed in _run(_settled(start), samples):
        assert changed is None
        assert state.state == start
        assert state.pending is None


@given(st.lists(st.tuples(steps, probs, st.booleans()), max_size=80))
def test_every_change_is_backed_by_a_full_hold_of_evidence(
    samples: list[tuple[float, float, bool]],
) -> None:
    times, at = [], 0.0
    for gap, _, _ in samples:
        at += gap
        times.append(at)
    for i, (state, changed) in enumerate(_run(SpaceState(), samples)):
        if changed is None:
            continue
        assert state.state == changed
        j = i
        # walk back over uninterrupted, motion-free evidence for the new state
        while j > 0 and not samples[j - 1][2] and POLICY.evidence(samples[j - 1][1]) == changed:
            j -= 1
        assert times[i] - times[j] >= POLICY.hold_seconds


def test_sustained_evidence_is_confirmed_after_the_hold() -> None:
    state, changed = observe(_settled(Occupancy.FREE), POLICY, 0.9, 100.0)
    assert changed is None
    assert state.pending == Occupancy.BUSY
    state, changed = observe(state, POLICY, 0.8, 109.0)
    assert changed is None
    state, changed = observe(state, POLICY, 0.8, 110.0)
    assert changed == Occupancy.BUSY
    assert state == SpaceState(state=Occupancy.BUSY, since=110.0, last_seen=110.0)


def test_motion_restarts_the_hold() -> None:
    state, _ = observe(_settled(Occupancy.FREE), POLICY, 0.9, 0.0)
    state, _ = observe(state, POLICY, 0.9, 8.0, moving=True)
    state, changed = observe(state, POLICY, 0.9, 12.0)
    assert changed is None
    state, changed = observe(state, POLICY, 0.9, 22.0)
    assert changed == Occupancy.BUSY


def test_out_of_order_and_invalid_observations_are_refused() -> None:
    state, _ = observe(SpaceState(), POLICY, 0.5, 10.0)
    with pytest.raises(ObservationOutOfOrderError):
        observe(state, POLICY, 0.5, 9.0)
    with pytest.raises(ValueError, match="probability"):
        observe(state, POLICY, 1.5, 11.0)
    with pytest.raises(ValueError, match="probability"):
        observe(state, POLICY, float("nan"), 11.0)


@pytest.mark.parametrize(
    ("enter", "leave", "hold"), [(0.3, 0.7, 1.0), (0.5, 0.5, 1.0), (0.7, 0.3, -1.0)]
)
def test_policy_refuses_inverted_band_or_negative_hold(
    enter: float, leave: float, hold: float
) -> None:
    with pytest.raises(ValueError, match=r"need|hold"):
        HysteresisPolicy(enter_busy=enter, leave_busy=leave, hold_seconds=hold)


def test_board_reports_changes_per_space() -> None:
    board = OccupancyBoard(HysteresisPolicy(hold_seconds=5.0))
    assert board.update(0.0, {"a": 0.9, "b": 0.1}) == []
    changes = board.update(5.0, {"a": 0.9, "b": 0.1}, moving={"b"})
    assert [(c.space, c.old, c.new, c.at) for c in changes] == [
        ("a", Occupancy.UNKNOWN, Occupancy.BUSY, 5.0)
    ]
    assert board.state("a") == Occupancy.BUSY
    assert board.state("b") == Occupancy.UNKNOWN
    assert board.state("never-seen") == Occupancy.UNKNOWN
