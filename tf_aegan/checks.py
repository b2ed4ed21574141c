"""Argument checks shared by every layer (data to export): a `ValueError` naming the value received."""


def one_of(what, value, choices):
    """`value` if it is one of `choices`; otherwise a ValueError naming `what`, the value and the choices."""
    if value not in choices:
        raise ValueError(f"unknown {what} {value!r}; choose one of {', '.join(map(str, choices))}")
    return value
