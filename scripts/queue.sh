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
# - eps 0.3: FGSM with a random start (step 1.25 eps = 0.375), 10 epochs, eps ramped up over the first
#   2 epochs, the same schedule and early-stopping checkpoint (its validation PGD-20 also catches
#   catastrophic overfitting). PGD-40 x 0.01 (Madry et al.) takes 56 min an epoch here, PGD-5 about
#   6 with the evaluations beside it: more than this machine's time allows.
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
  --eps 0.3 --steps 1 --step-size 0.375 --epochs 10 --warmup 2 --lr-schedule piecewise --val-steps 20
# Then the baselines toward their full length (issue 25), each resuming from its committed epochs:
# - the latent-20 AE-GAN+r (Table 8; the noise rule's pick at 29 epochs) to Table 4's 60 epochs;
# - BiGAN with BatchNorm in D (the setting that does not collapse) to the paper's 60 epochs;
# - Defense-GAN's WGAN-GP in doublings of generator iterations, its convergence rule fixed here before
#   the run: at each doubling (6000, 12000, 24000, ...; at least 20000) the generator is kept as
#   snapshots/decoder_<iterations>.keras and scored on the first 500 validation images (the
#   projection's reconstruction error, L = 200, R = 10, and gray-box FGSM accuracy); it has converged
#   when both changed by less than their 95% intervals over the last doubling.
echo "== $(date -u +%FT%TZ) aegan_z20 toward 60 epochs" >&2
.venv/bin/python -m train.aegan --dataset fashion_mnist --workdir $W --verbose 2 --latent-dim 20 --noise-eta 1.0 \
  --precision mixed_bfloat16 --epochs 60 --name aegan_z20
echo "== $(date -u +%FT%TZ) bigan_bn toward 60 epochs" >&2
.venv/bin/python -m train.bigan --dataset fashion_mnist --workdir $W --verbose 2 --epochs 60 \
  --discriminator-batchnorm --name bigan_bn
for it in 6000 12000 24000 48000; do
  echo "== $(date -u +%FT%TZ) defensegan to $it generator iterations" >&2
  .venv/bin/python -m train.defensegan --dataset fashion_mnist --workdir $W --verbose 2 --iterations $it && \
    mkdir -p $W/defensegan/snapshots && cp $W/defensegan/decoder.keras $W/defensegan/snapshots/decoder_$it.keras
done
echo "== $(date -u +%FT%TZ) queue done" >&2
