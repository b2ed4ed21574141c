#!/usr/bin/env bash
# The main job: Table 1's FGSM block (white- and gray-box) for no defense and AE-GAN+rs on Fashion-MNIST,
# from the reference networks in weights/fashion_mnist (a few minutes on 2 CPU cores). Extra arguments
# go to evaluate.table, e.g. --attack pgd, --n 500, --methods none,ours,magnet.
source "$(dirname "$0")/setup.sh"
exec .venv/bin/python -m evaluate.table --attack fgsm --dataset fashion_mnist "$@"
