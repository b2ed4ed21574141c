#!/usr/bin/env bash
# Session 9's evaluations (issue 10), each started as soon as its network has finished training
# (scripts/session9_queue.sh writes metrics.json at the end of a run): BiGAN+s's Table 1 column from the
# BiGAN with BatchNorm in D, and Table 8. A table resumes from its batch cache when re-run, and a step
# logged as finished (exit 0) in progress.txt is skipped. Run it from a git worktree (edits in the
# checkout then do not reach a running evaluation) with R pointing at the checkout that holds study/:
#   git worktree add -f /work/grid HEAD && cd /work/grid && R=/work/main nohup bash scripts/session9_eval.sh &
SESSION=session9 source "$(dirname "$0")/eval_steps.sh"
land bigan_bn bigan
for a in fgsm pgd; do ev "table_${a}_bigan_s" "${T[@]}" --attack $a --methods bigan_s --n 1000 --out "$O/table_bigan_s_$a"; done
ev table_cw_bigan_s "${T[@]}" --attack cw --methods bigan_s --n 500 --cw-iterations 30 --cw-binary-steps 3 --out "$O/table_bigan_s_cw"
land magnet_z20
land aegan_z20
ev latent_dim evaluate.latent_dim --workdir "$S" --n 500 --attacks fgsm,pgd,cw --cw-iterations 30 --cw-binary-steps 3 --out "$O/latent_dim"
ev table_blackbox_bigan_s "${T[@]}" --attack blackbox --methods bigan_s --n 9850 --out "$O/table_bigan_s_blackbox"
