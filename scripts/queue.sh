#!/usr/bin/env bash
# The queue of long trainings that are not finished: the one place a fresh clone resumes them from.
# One job at a time (2 CPU cores). Each run resumes from its committed networks (study/...), or from
# backup/ on the machine that ran it. Before a stop: bash scripts/commit_runs.sh <its folder>, commit.
#
# Adversarial training of classifier A (issue 25), the recipes fixed before the first run:
# - eps 0.1: FGSM with a random start (Wong et al. 2020: step 1.25 eps), 15 epochs, Adam 1e-3 with
#   10x drops at 50% and 75% (Madry et al.'s piecewise schedule); classifier.keras is the epoch with
#   the best validation PGD-20 accuracy at eps 0.1 (1000 validation images; Rice et al.'s early
#   stopping), which also catches catastrophic overfitting (validation PGD collapsing).
# - eps 0.3: PGD-5 (step 0.1, random start: 5 steps cover 1.7 eps), 10 epochs, eps ramped up over the
#   first 2 epochs, the same schedule and early-stopping checkpoint. PGD-40 x 0.01 (Madry et al.)
#   takes 56 min an epoch here; PGD-5 about 4.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
set +e  # setup.sh sets -e; a failed or stopped step must not end the queue
W=study/baselines/fashion_mnist
echo "== $(date -u +%FT%TZ) adversarial training, eps 0.1 (FGSM-RS)" >&2
.venv/bin/python -m train.advtrain --dataset fashion_mnist --workdir $W --name A_advtr_eps0.1 --verbose 2 \
  --eps 0.1 --steps 1 --step-size 0.125 --epochs 15 --lr-schedule piecewise --val-steps 20
echo "== $(date -u +%FT%TZ) adversarial training, eps 0.3 (PGD-7)" >&2
.venv/bin/python -m train.advtrain --dataset fashion_mnist --workdir $W --name A_advtr_eps0.3 --verbose 2 \
  --eps 0.3 --steps 5 --step-size 0.1 --epochs 10 --warmup 2 --lr-schedule piecewise --val-steps 20
echo "== $(date -u +%FT%TZ) queue done" >&2
