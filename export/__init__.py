"""Export: shipped reference weights (`python -m export.weights`) and the SavedModel for TF-Serving."""
