"""Timing shared by the benchmarks."""

import statistics
import time


def median_time(fn, repeats):
    """Median wall time of `repeats` calls of `fn`, after one warm-up call."""
    return interleaved_medians({"fn": fn}, repeats)["fn"]


def interleaved_medians(fns, repeats):
    """Median wall time of each function in `fns` (name -> callable), timed round-robin.

    One warm-up call each, then `repeats` rounds that call every function once, so that drift in
    the machine's speed (caches, frequency, other load) falls on all of them alike.
    """
    for fn in fns.values():
        fn()
    times = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            t = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t)
    return {name: statistics.median(values) for name, values in times.items()}
