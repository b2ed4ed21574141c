"""Argument checks shared by every layer (data to export): a `ValueError` naming the value received."""


def one_of(what, value, choices):
    """`value` if it is one of `choices`; otherwise a ValueError naming `what`, the value and the choices."""
    if value not in choices:
        raise ValueError(f"unknown {what} {value!r}; choose one of {', '.join(map(str, choices))}")
    return value


def method_folders(pairs):
    """["magnet=magnet_z20", ...] -> {"magnet": "magnet_z20"} (None when empty); a ValueError names a
    pair that is not METHOD=FOLDER. A folder that exists as given (relative to the current directory)
    is made absolute, so it need not lie in the work directory."""
    import os

    folders = {}
    for pair in pairs or ():
        method, sep, folder = pair.partition("=")
        if not sep or not method.strip() or not folder.strip():
            raise ValueError(f"--folder takes METHOD=FOLDER, got {pair!r}")
        folder = folder.strip()
        folders[method.strip()] = os.path.abspath(folder) if os.path.isdir(folder) else folder
    return folders or None
