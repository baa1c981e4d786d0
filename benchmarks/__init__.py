"""Benchmarks (not timed tests): ``python -m benchmarks.run`` / ``make bench``. See benchmarks/RESULTS.md."""
