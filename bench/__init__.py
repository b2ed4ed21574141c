"""Benchmarks (not tests): speed figures measured side by side in one run."""
