"""Benchmarks run by ``scripts/bench NAME``; each prints its figures and data size."""
