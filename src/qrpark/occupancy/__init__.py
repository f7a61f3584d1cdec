"""Space occupancy from camera frames: per-space crops, a tiny CNN or a classical fallback,
per-camera calibration and a hysteresis state machine over time (issue 7)."""
