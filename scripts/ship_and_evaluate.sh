#!/usr/bin/env bash
# After the long trainings (issues 9 and 10): ship every trained network from its run folder, then run
# every table that depends on them into results/$OUT. Runs missing from study/ are skipped by the
# export and reported by the tables (exit 3 there, the others go on).
# Usage: OUT=session5 bash scripts/ship_and_evaluate.sh
#        ONLY="weights table_fgsm" OUT=session5 bash scripts/ship_and_evaluate.sh   (just these steps, by name)
#        M=none,ours ...   (Table 1's methods; default all six)
#        BASELINES="magnet" ... (which baseline runs to ship; default every one with a config.json; "-": none)
source "$(dirname "$0")/setup.sh"
OUT="results/${OUT:-latest}"
S=workdirs/ship
rm -rf "$S" && mkdir -p "$S" "$OUT/logs"
# The classifiers as shipped; the pick's 60-epoch AE-GAN+r; the baselines and the ablation's networks.
for c in classifier_A classifier_substitute_B classifier_substitute_C; do cp -r "weights/fashion_mnist/$c" "$S/"; done
cp -r study/fashion_mnist/aegan_eta1.0 "$S/aegan"
# BASELINES="magnet bigan" ships just these runs (e.g. while another one is still training); "-" ships none.
for run in study/baselines/fashion_mnist/*/; do
  name=$(basename "$run")
  if [ -n "${BASELINES:-}" ] && [[ " $BASELINES " != *" $name "* ]]; then continue; fi
  [ -f "$run/config.json" ] && cp -r "$run" "$S/$name"
done
rm -rf "$S"/*/backup "$S"/*/tensorboard
run() { local name=$1; shift
  if [ -n "${ONLY:-}" ] && [[ " $ONLY " != *" $name "* ]]; then return; fi
  echo "== $(date -u +%H:%M:%S) $*" | tee -a "$OUT/logs/progress.txt"
  .venv/bin/python -m "$@" > "$OUT/logs/$name.log" 2>&1; echo "   $(date -u +%H:%M:%S) exit $?" | tee -a "$OUT/logs/progress.txt"; }
F16=""; for n in aegan aegan_nonoise ae_nonoise aegan_z20 magnet magnet_z20 bigan defensegan; do F16="$F16 --float16 $n"; done
run weights export.weights --workdir "$S" --dataset fashion_mnist $F16   # classifiers stay float32
M=${M:-none,ours,advtr,magnet,bigan_s,defensegan}
run search_params evaluate.search_params --out "$OUT"
run table_fgsm evaluate.table --attack fgsm --methods $M --n 1000 --out "$OUT"
run table_pgd evaluate.table --attack pgd --methods $M --n 1000 --out "$OUT"
run table_blackbox evaluate.table --attack blackbox --methods $M --n 9850 --out "$OUT"
run table_cw evaluate.table --attack cw --methods $M --n 500 --cw-iterations 30 --cw-binary-steps 3 --out "$OUT"
run tradeoff evaluate.tradeoff --n 500 --out "$OUT"
run latent_dim evaluate.latent_dim --n 500 --out "$OUT"
run ablation evaluate.ablation --out "$OUT"
run purification evaluate.purification --n 10000 --out "$OUT"
run adaptive evaluate.adaptive --methods $M --eps 0.1,0.2,0.3 --n 500 --out "$OUT/adaptive"
