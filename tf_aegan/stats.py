"""Confidence intervals for accuracies."""

import math


def wilson_interval(successes, n, z=1.959963984540054):
    """95% Wilson score interval for a binomial proportion (successes out of n)."""
    if n <= 0:
        raise ValueError(f"n must be positive, got {n}")
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def accuracy_record(correct, n):
    """{"accuracy", "ci": [low, high] (95% Wilson), "n"}: how every accuracy is reported."""
    lo, hi = wilson_interval(correct, n)
    return {"accuracy": correct / n, "ci": [lo, hi], "n": int(n)}


def fmt(acc):
    """An accuracy record as "accuracy [low, high]" (its 95% interval)."""
    lo, hi = acc["ci"]
    return f"{acc['accuracy']:.3f} [{lo:.3f}, {hi:.3f}]"
