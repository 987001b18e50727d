"""Benchmarks run by `make bench`: each `bench/bench_*.py` has `run() -> dict`."""
