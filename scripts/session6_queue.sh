#!/usr/bin/env bash
# Session 6's training queue (one training at a time: 2 cores), each run resumable:
# issue 9's Table 3 networks, the noise study's remaining settings (Algorithm 1's literal fixed sigma
# at the pick's mean sigma 0.5, Eq. 5 as a per-pixel mean, the pick's setting in mixed_bfloat16), then
# issue 10's adversarial training.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/ablation.sh train
SUFFIX=_fixed EXTRA="--noise-schedule fixed" bash scripts/noise_study.sh 5 0.5
SUFFIX=_mean EXTRA="--recon-reduction mean" bash scripts/noise_study.sh 5 1.0
SUFFIX=_bf16 EXTRA="--precision mixed_bfloat16" bash scripts/noise_study.sh 5 1.0
bash scripts/baselines.sh advtrain
