"""Training commands: `python -m train.classifier`, `python -m train.aegan`."""
