"""The paper's own numbers (accuracy of classifier A), to print beside ours, always marked as the paper's.

Table 1 (Section 4.2): per data set, attack and threat, one accuracy per method; "-" cells (no gray-box
attack on adversarial training) are absent. Table 2 (Section 4.3): per data set, (method, R, L) ->
clean / white / gray FGSM accuracy. Transcribed from `../shared/paper/`.
"""

TABLE1_METHODS = ("none", "ours", "advtr", "magnet", "bigan_s", "defensegan")


def _rows(rows):
    return {key: dict(zip(TABLE1_METHODS, values)) for key, values in rows.items()}


TABLE1 = {
    "mnist": _rows({
        ("fgsm", "white"): (0.144, 0.984, 0.949, 0.293, 0.912, 0.981),
        ("pgd", "white"): (0.007, 0.982, 0.920, 0.012, 0.924, 0.989),
        ("cw", "white"): (0.008, 0.979, 0.772, 0.013, 0.905, 0.981),
        ("fgsm", "gray"): (0.144, 0.882, None, 0.561, 0.731, 0.880),
        ("pgd", "gray"): (0.007, 0.910, None, 0.673, 0.739, 0.913),
        ("cw", "gray"): (0.008, 0.915, None, 0.881, 0.805, 0.918),
        ("blackbox", "black-A/B"): (0.701, 0.935, 0.971, 0.464, 0.701, 0.928),
        ("blackbox", "black-A/C"): (0.813, 0.933, 0.970, 0.590, 0.632, 0.922),
    }),
    "fashion_mnist": _rows({
        ("fgsm", "white"): (0.073, 0.804, 0.739, 0.199, 0.613, 0.814),
        ("pgd", "white"): (0.028, 0.816, 0.717, 0.071, 0.653, 0.852),
        ("cw", "white"): (0.062, 0.767, 0.308, 0.084, 0.601, 0.810),
        ("fgsm", "gray"): (0.073, 0.607, None, 0.304, 0.570, 0.389),
        ("pgd", "gray"): (0.028, 0.736, None, 0.427, 0.605, 0.491),
        ("cw", "gray"): (0.062, 0.719, None, 0.646, 0.608, 0.435),
        ("blackbox", "black-A/B"): (0.227, 0.603, 0.784, 0.308, 0.398, 0.602),
        ("blackbox", "black-A/C"): (0.295, 0.507, 0.777, 0.267, 0.348, 0.461),
    }),
}

TABLE2 = {
    "mnist": {
        ("ours", 1, 10): (0.982, 0.984, 0.880), ("ours", 1, 60): (0.985, 0.985, 0.884),
        ("defensegan", 1, 10): (0.545, 0.537, 0.398), ("defensegan", 1, 60): (0.693, 0.688, 0.570),
        ("defensegan", 10, 10): (0.909, 0.905, 0.769), ("defensegan", 10, 60): (0.967, 0.964, 0.863),
    },
    "fashion_mnist": {
        ("ours", 1, 10): (0.837, 0.799, 0.604), ("ours", 1, 60): (0.841, 0.804, 0.595),
        ("defensegan", 1, 10): (0.405, 0.403, 0.296), ("defensegan", 1, 60): (0.530, 0.527, 0.325),
        ("defensegan", 10, 10): (0.696, 0.697, 0.441), ("defensegan", 10, 60): (0.788, 0.787, 0.432),
    },
}


def table1(dataset, attack, threat):
    """Method -> the paper's Table 1 accuracy for this cell (methods the paper did not run are absent)."""
    row = TABLE1.get(dataset, {}).get((attack, threat), {})
    return {m: v for m, v in row.items() if v is not None}


def table2(dataset, method, restarts, steps):
    """The paper's (clean, white, gray) for a Table 2 cell, or None where it has none (e.g. L = 200)."""
    return TABLE2.get(dataset, {}).get((method, restarts, steps))
