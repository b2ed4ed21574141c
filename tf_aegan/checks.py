"""Argument checks shared by every layer (data to export): a `ValueError` naming the value received."""


def one_of(what, value, choices):
    """`value` if it is one of `choices`; otherwise a ValueError naming `what`, the value and the choices."""
    if value not in choices:
        raise ValueError(f"unknown {what} {value!r}; choose one of {', '.join(map(str, choices))}")
    return value


def _method_pairs(pairs, option, value):
    """(method, value) of each METHOD=VALUE of `pairs`; a ValueError names a pair that is not one (--option)."""
    for pair in pairs or ():
        method, sep, given = pair.partition("=")
        if not sep or not method.strip() or not given.strip():
            raise ValueError(f"--{option} takes METHOD={value}, got {pair!r}")
        yield method.strip(), given.strip()


def method_folders(pairs):
    """["magnet=magnet_z20", ...] -> {"magnet": "magnet_z20"} (None when empty); a ValueError names a
    pair that is not METHOD=FOLDER. A folder that exists as given (relative to the current directory)
    is made absolute, so it need not lie in the work directory."""
    import os

    folders = {method: os.path.abspath(folder) if os.path.isdir(folder) else folder
               for method, folder in _method_pairs(pairs, "folder", "FOLDER")}
    return folders or None


def method_counts(pairs, option):
    """["ours=250", ...] -> {"ours": 250}; a ValueError names a pair that is not METHOD=N with N >= 1."""
    counts = {}
    for method, n in _method_pairs(pairs, option, "N"):
        if not n.isdigit() or int(n) < 1:
            raise ValueError(f"--{option} takes METHOD=N with N >= 1, got {method}={n}")
        counts[method] = int(n)
    return counts
