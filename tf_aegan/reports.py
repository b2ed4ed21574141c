"""Writing a result as JSON and Markdown side by side, atomically, so a reader never sees half a file."""

import json
import os


def write_report(result, stem, markdown_text):
    """`stem`.json and `stem`.md (folders created); returns `stem`."""
    os.makedirs(os.path.dirname(stem) or ".", exist_ok=True)
    for ext, text in ((".json", json.dumps(result, indent=2, default=_plain)), (".md", markdown_text)):
        with open(stem + ext + ".tmp", "w") as f:
            f.write(text)
        os.replace(stem + ext + ".tmp", stem + ext)
    return stem


def _plain(value):
    """numpy scalars and anything else JSON does not know, as numbers or text."""
    return value.item() if hasattr(value, "item") else str(value)
