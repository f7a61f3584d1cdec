"""Cameras of a lot: what they watch (space polygons) and their per-camera calibration."""
