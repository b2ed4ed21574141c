#!/usr/bin/env bash
# The main job: train classifier A (Table 7) and AE-GAN+r (Table 4) on Fashion-MNIST in workdirs/fashion_mnist.
# Both resume where they stopped when run again. Long on a CPU: about 10 minutes for A, minutes per AE-GAN epoch.
source "$(dirname "$0")/setup.sh"
.venv/bin/python -m train.classifier --dataset fashion_mnist --arch A "$@"
exec .venv/bin/python -m train.aegan --dataset fashion_mnist "$@"
