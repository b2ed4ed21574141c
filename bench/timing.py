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


def training_parser(prog, description, steps, repeats):
    """The options of the training-step benchmarks: the data set, --steps, --repeats and --json."""
    from tf_aegan import cli

    p = cli.parser(prog, description)
    cli.add_data_args(p)
    p.add_argument("--steps", type=int, default=steps, help="training steps per timed call")
    p.add_argument("--repeats", type=int, default=repeats, help="timed rounds (median; round-robin)")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    return p


def parse_counts(p, argv):
    """Parse `argv`, refusing --steps or --repeats below 1."""
    args = p.parse_args(argv)
    if args.steps < 1 or args.repeats < 1:
        raise ValueError(f"--steps and --repeats must be at least 1, got {args.steps} and {args.repeats}")
    return args
