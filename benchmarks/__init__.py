"""Benchmark harness (scripts/bench); see benchmarks/README.md."""
