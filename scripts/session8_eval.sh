#!/usr/bin/env bash
# Session 8's evaluations of issue 10's baselines, each started as soon as its network has finished
# training (scripts/session8_queue.sh writes metrics.json at the end of a run): Table 1's columns for
# Defense-GAN, adversarial training and BiGAN+s, Table 2 and Table 8. Each table resumes from its
# batch cache when re-run, and a step logged as finished (exit 0) in progress.txt is skipped. Run it
# from a git worktree (so that edits in the checkout do not reach a running evaluation) with R
# pointing at the checkout that holds study/ and results/:
#   git worktree add -f /work/grid HEAD && cd /work/grid && R=/work/main nohup bash scripts/session8_eval.sh &
set -uo pipefail
R="${R:-$(cd "$(dirname "$0")/.." && pwd)}"
PY="$R/.venv/bin/python"
export TF_AEGAN_DATA_DIR="${TF_AEGAN_DATA_DIR:-$R/../shared/datasets}" TF_CPP_MIN_LOG_LEVEL=2
B="$R/study/baselines/fashion_mnist"
S="$R/workdirs/session8"           # the shipped networks plus each baseline as it lands
O="$R/results/session8"
mkdir -p "$S" "$O/logs"
for n in classifier_A classifier_substitute_B classifier_substitute_C aegan magnet; do
  [ -d "$S/$n" ] || cp -r "$R/weights/fashion_mnist/$n" "$S/"
done
rm -f "$S/manifest.json"
land() {  # land RUN [FOLDER]: wait until RUN has finished training, then copy its networks into $S
  local run=$1 dest=${2:-$1}
  while [ ! -f "$B/$run/metrics.json" ]; do sleep 30; done
  rm -rf "$S/$dest" && cp -r "$B/$run" "$S/$dest" && rm -rf "$S/$dest/backup" "$S/$dest/tensorboard"
  echo "== $(date -u +%FT%TZ) $run landed" | tee -a "$O/logs/progress.txt"
}
ev() { local name=$1; shift
  if grep -q " $name exit 0$" "$O/logs/progress.txt" 2>/dev/null; then echo "   $name: done before, skipped"; return; fi
  echo "== $(date -u +%H:%M:%S) $name: $*" | tee -a "$O/logs/progress.txt"
  "$PY" -m "$@" > "$O/logs/$name.log" 2>&1; echo "   $(date -u +%H:%M:%S) $name exit $?" | tee -a "$O/logs/progress.txt"; }
T=(evaluate.table --workdir "$S")
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
