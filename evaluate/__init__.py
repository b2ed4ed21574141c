"""Evaluation commands: `python -m evaluate.search_params`, `python -m evaluate.purification`."""
