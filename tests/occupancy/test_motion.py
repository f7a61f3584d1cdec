"""The motion detector: what moves in a space between two frames, and what only looks different."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from qrpark.occupancy.domain import (
    HysteresisPolicy,
    ObservationOutOfOrderError,
    Occupancy,
    OccupancyBoard,
)
from qrpark.occupancy.motion import MotionDetector, MotionPolicy, fit_light, outside_range

from .conftest import Render


@pytest.fixture(scope="module")
def scenes(render: Render) -> list[np.ndarray]:
    """Twelve rendered spaces of 128 pixels, as a camera's warped patches."""
    patches, _ = render(77, 12, 128)
    return patches


def _shot(img: np.ndarray, seed: int, gain: float = 1.0, offset: float = 0.0) -> np.ndarray:
    """The scene as a camera frame: its light, sensor noise and JPEG."""
    rng = np.random.default_rng(seed)
    f = img.astype(np.float32) * gain + offset + rng.normal(0, 3.0, img.shape)
    ok, buf = cv2.imencode(
        ".jpg", np.clip(f, 0, 255).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 60]
    )
    assert ok
    out: np.ndarray = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    return out


def _frame(scenes: list[np.ndarray], seed: int, **light: float) -> dict[str, np.ndarray]:
    return {f"A{i}": _shot(s, seed * 100 + i, **light) for i, s in enumerate(scenes)}


def _with_block(scene: np.ndarray, x: int, y: int, side: int = 40) -> np.ndarray:
    """The scene with a dark, textured block (a piece of car) at (x, y)."""
    out = scene.copy()
    block = np.full((side, side, 3), 35, np.uint8)
    block[::6] = 90  # its own edges, as a car's panels and windows have
    out[y : y + side, x : x + side] = block
    return out


def test_a_still_lot_under_changing_light_does_not_move(scenes: list[np.ndarray]) -> None:
    detector = MotionDetector()
    assert detector.update(0.0, _frame(scenes, 1)) == set()  # nothing to compare with yet
    assert detector.update(0.5, _frame(scenes, 2, gain=1.12, offset=-6.0)) == set()
    assert detector.update(1.0, _frame(scenes, 3, gain=0.9, offset=5.0)) == set()


def test_a_car_moving_in_its_space_is_motion_and_only_there(scenes: list[np.ndarray]) -> None:
    detector = MotionDetector()
    first = _frame(scenes, 1)
    first["A3"] = _shot(_with_block(scenes[3], 20, 30), 11)
    detector.update(0.0, first)
    second = _frame(scenes, 2)
    second["A3"] = _shot(_with_block(scenes[3], 32, 36), 12)
    assert detector.update(0.5, second) == {"A3"}
    # once it has stopped, it no longer moves
    third = _frame(scenes, 3)
    third["A3"] = _shot(_with_block(scenes[3], 32, 36), 13)
    assert detector.update(1.0, third) == set()


def test_a_shaking_camera_moves_nothing(scenes: list[np.ndarray]) -> None:
    detector = MotionDetector()
    detector.update(0.0, _frame(scenes, 1))
    shift = np.array([[1.0, 0.0, 0.6], [0.0, 1.0, -0.5]], np.float32)
    shaken = {
        label: cv2.warpAffine(p, shift, (128, 128), borderMode=cv2.BORDER_REFLECT)
        for label, p in _frame(scenes, 2).items()
    }
    assert detector.update(0.5, shaken) == set()


def test_glare_that_clips_is_not_motion(scenes: list[np.ndarray]) -> None:
    detector = MotionDetector()
    detector.update(0.0, _frame(scenes, 1))
    # the sun comes out: everything 35 % brighter, the bright parts clipped at white
    glare = _frame(scenes, 2, gain=1.35, offset=10.0)
    assert any(int(p.max()) == 255 for p in glare.values())
    assert detector.update(0.5, glare) == set()


def test_frames_far_apart_are_not_compared(scenes: list[np.ndarray]) -> None:
    detector = MotionDetector(MotionPolicy(max_gap_seconds=5.0))
    detector.update(0.0, {"A0": _shot(scenes[0], 1)})
    # a car arrived in the 10 minutes between these frames: a change, not motion
    assert detector.update(600.0, {"A0": _shot(_with_block(scenes[0], 30, 30), 2)}) == set()
    # the next frame, half a second later, is compared with that one
    assert detector.update(600.5, {"A0": _shot(_with_block(scenes[0], 44, 40), 3)}) == {"A0"}


def test_a_forgotten_space_starts_again(scenes: list[np.ndarray]) -> None:
    detector = MotionDetector()
    detector.update(0.0, {"A0": _shot(scenes[0], 1)})
    detector.forget("A0")
    assert detector.update(0.5, {"A0": _shot(_with_block(scenes[0], 30, 30), 2)}) == set()


def test_frames_out_of_order_and_bad_input_are_refused(scenes: list[np.ndarray]) -> None:
    detector = MotionDetector()
    detector.update(10.0, {"A0": scenes[0]})
    with pytest.raises(ObservationOutOfOrderError):
        detector.update(9.0, {"A0": scenes[0]})
    with pytest.raises(ValueError, match="finite"):
        detector.update(float("nan"), {"A0": scenes[0]})
    with pytest.raises(ValueError, match="BGR"):
        detector.update(11.0, {"A0": np.zeros((4, 4, 2), np.uint8)})
    for bad, why in (
        ({"size": 4}, "size"),
        ({"min_share": 0.0}, "min_share"),
        ({"floor": -1.0}, "floor"),
        ({"reach": -1}, "reach"),
        ({"max_gap_seconds": float("inf")}, "max_gap_seconds"),
    ):
        with pytest.raises(ValueError, match=why):
            MotionPolicy(**bad)  # type: ignore[arg-type]


def test_the_fit_takes_out_a_change_of_light_and_the_range_a_shake() -> None:
    rng = np.random.default_rng(3)
    before = rng.uniform(20, 200, (16, 16)).astype(np.float32)
    after = 1.2 * before - 7.0
    assert np.abs(fit_light(before, after) - after).max() < 1e-3
    # a flat patch has no gain to fit: only its level moves
    flat = np.full((16, 16), 80.0, np.float32)
    assert np.abs(fit_light(flat, flat + 9.0) - (flat + 9.0)).max() < 1e-4
    # a pixel inside its neighbours' range has not moved; one beyond it by how much it is
    ramp = np.tile(np.arange(8, dtype=np.float32) * 10, (8, 1))
    shifted = np.roll(ramp, 1, axis=1)
    shifted[:, 0] = 0.0
    assert np.abs(outside_range(ramp, shifted, 1)).max() == 0.0
    bump = ramp.copy()
    bump[4, 4] += 35.0
    assert outside_range(ramp, bump, 1)[4, 4] == 25.0


def test_motion_holds_a_space_until_the_car_has_parked(scenes: list[np.ndarray]) -> None:
    """The detector's answer frozen into the time logic: a car driving into a space is not
    confirmed while it moves, and is once it has stood still for the hold time."""
    board = OccupancyBoard(HysteresisPolicy(hold_seconds=3.0))
    board.update(-10.0, {"A0": 0.05})
    board.update(-5.0, {"A0": 0.05})
    assert board.state("A0") is Occupancy.FREE
    detector = MotionDetector()
    # the car drives in over the first two seconds, then stands still
    positions = [(0, 60), (10, 50), (20, 40), (30, 30), (40, 20)] + [(40, 20)] * 10
    confirmed_at = None
    for step, (x, y) in enumerate(positions):
        at = 0.5 * step
        moving = detector.update(at, {"A0": _shot(_with_block(scenes[0], x, y), step)})
        assert ("A0" in moving) == (1 <= step <= 4)
        # the scorer calls it busy all along, even while it drives in
        for change in board.update(at, {"A0": 0.95}, moving):
            confirmed_at = change.at
    # still from t = 2.5 s on, so busy is confirmed at 2.5 + 3 s, not at 0 + 3 s
    assert board.state("A0") is Occupancy.BUSY
    assert confirmed_at == pytest.approx(5.5)


def test_synthetic_cameras_rates(render: Render) -> None:
    """The suite that chose the policy, small: still spaces rarely move, moving cars are found."""
    from training.occupancy.motion import camera_rates

    rates = camera_rates(seed=5, cameras=12)
    assert rates["false_motion"] <= 0.02
    assert rates["found_car"] >= 0.8
    assert rates["found_enters"] >= 0.8
