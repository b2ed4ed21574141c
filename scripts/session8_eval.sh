#!/usr/bin/env bash
# Session 8's evaluations of issue 10's baselines, each started as soon as its network has finished
# training (scripts/session8_queue.sh writes metrics.json at the end of a run): Table 1's columns for
# Defense-GAN, adversarial training and BiGAN+s, Table 2 and Table 8. Each table resumes from its
# batch cache when re-run, and a step logged as finished (exit 0) in progress.txt is skipped. Run it
# from a git worktree (so that edits in the checkout do not reach a running evaluation) with R
# pointing at the checkout that holds study/ and results/:
#   git worktree add -f /work/grid HEAD && cd /work/grid && R=/work/main nohup bash scripts/session8_eval.sh &
SESSION=session8 source "$(dirname "$0")/eval_steps.sh"
land defensegan
ev table_fgsm_defensegan "${T[@]}" --attack fgsm --methods defensegan --n 500 --out "$O/table_defensegan_fgsm"
ev tradeoff evaluate.tradeoff --workdir "$S" --n 500 --out "$O/tradeoff"
land classifier_A_advtr
for a in fgsm pgd; do ev "table_${a}_advtr" "${T[@]}" --attack $a --methods advtr --n 1000 --out "$O/table_advtr_$a"; done
ev table_blackbox_advtr "${T[@]}" --attack blackbox --methods advtr --n 9850 --out "$O/table_advtr_blackbox"
ev table_cw_advtr "${T[@]}" --attack cw --methods advtr --n 500 --cw-iterations 30 --cw-binary-steps 3 --out "$O/table_advtr_cw"
land bigan
for a in fgsm pgd; do ev "table_${a}_bigan_s" "${T[@]}" --attack $a --methods bigan_s --n 1000 --out "$O/table_bigan_s_$a"; done
land magnet_z20
land aegan_z20
ev latent_dim evaluate.latent_dim --workdir "$S" --n 500 --attacks fgsm,pgd --out "$O/latent_dim"
ev table_cw_bigan_s "${T[@]}" --attack cw --methods bigan_s --n 500 --cw-iterations 30 --cw-binary-steps 3 --out "$O/table_bigan_s_cw"
ev table_blackbox_bigan_s "${T[@]}" --attack blackbox --methods bigan_s --n 9850 --out "$O/table_bigan_s_blackbox"
ev table_pgd_defensegan "${T[@]}" --attack pgd --methods defensegan --n 500 --out "$O/table_defensegan_pgd"
ev table_cw_defensegan "${T[@]}" --attack cw --methods defensegan --n 500 --cw-iterations 30 --cw-binary-steps 3 --out "$O/table_defensegan_cw"
