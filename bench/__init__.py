"""Benchmarks: ``python -m bench [NAME ...]`` rewrites their sections of docs/BENCHMARKS.md."""
