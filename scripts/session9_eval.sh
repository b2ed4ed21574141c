#!/usr/bin/env bash
# Session 9's evaluations (issue 10), each started as soon as its network has finished training
# (scripts/session9_queue.sh writes metrics.json at the end of a run): BiGAN+s's Table 1 column from the
# BiGAN with BatchNorm in D, and Table 8. A table resumes from its batch cache when re-run, and a step
# logged as finished (exit 0) in progress.txt is skipped. Run it from a git worktree (edits in the
# checkout then do not reach a running evaluation) with R pointing at the checkout that holds study/:
#   git worktree add -f /work/grid HEAD && cd /work/grid && R=/work/main nohup bash scripts/session9_eval.sh &
set -uo pipefail
R="${R:-$(cd "$(dirname "$0")/.." && pwd)}"
PY="$R/.venv/bin/python"
export TF_AEGAN_DATA_DIR="${TF_AEGAN_DATA_DIR:-$R/../shared/datasets}" TF_CPP_MIN_LOG_LEVEL=2
B="$R/study/baselines/fashion_mnist"
S="$R/workdirs/session9"           # the shipped networks plus each run as it lands
O="$R/results/session9"
mkdir -p "$S" "$O/logs"
for n in classifier_A classifier_substitute_B classifier_substitute_C aegan magnet; do
  [ -d "$S/$n" ] || cp -r "$R/weights/fashion_mnist/$n" "$S/"
done
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
land bigan_bn bigan
for a in fgsm pgd; do ev "table_${a}_bigan_s" "${T[@]}" --attack $a --methods bigan_s --n 1000 --out "$O/table_bigan_s_$a"; done
ev table_cw_bigan_s "${T[@]}" --attack cw --methods bigan_s --n 500 --cw-iterations 30 --cw-binary-steps 3 --out "$O/table_bigan_s_cw"
land magnet_z20
land aegan_z20
ev latent_dim evaluate.latent_dim --workdir "$S" --n 500 --attacks fgsm,pgd,cw --cw-iterations 30 --cw-binary-steps 3 --out "$O/latent_dim"
ev table_blackbox_bigan_s "${T[@]}" --attack blackbox --methods bigan_s --n 9850 --out "$O/table_bigan_s_blackbox"
