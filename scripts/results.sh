#!/usr/bin/env bash
# The commands behind RESULTS.md, in order, on Fashion-MNIST. W holds the trained classifier A and
# AE-GAN+r (scripts/main.sh trains them). Each step logs to results/logs/. Hours on 2 CPU cores.
source "$(dirname "$0")/setup.sh"
W="${W:-workdirs/fashion_mnist}"
mkdir -p results/logs
run() {
  local name=$1; shift; echo "== $(date +%H:%M:%S) $*" | tee -a results/logs/progress.txt
  .venv/bin/python -m "$@" 2>&1 | tee "results/logs/$name.log" | grep -v -E "^[0-9]+/[0-9]+ \[|cuInit"
  echo "   $(date +%H:%M:%S) exit ${PIPESTATUS[0]}" | tee -a results/logs/progress.txt
}
run substitute_B train.substitute --dataset fashion_mnist --arch B --workdir "$W"
run substitute_C train.substitute --dataset fashion_mnist --arch C --workdir "$W"
run weights export.weights --workdir "$W" --dataset fashion_mnist ${EXPORT_ARGS:-}
run search_params evaluate.search_params --dataset fashion_mnist --out results
run purification evaluate.purification --dataset fashion_mnist --n 10000 --out results
run bench_purify bench.purify --dataset fashion_mnist --json
run table_fgsm evaluate.table --attack fgsm --dataset fashion_mnist --n 1000 --out results
run table_pgd evaluate.table --attack pgd --dataset fashion_mnist --n 1000 --out results
run table_cw evaluate.table --attack cw --dataset fashion_mnist --n 1000 --cw-iterations 30 --cw-binary-steps 3 --out results
run table_blackbox evaluate.table --attack blackbox --dataset fashion_mnist --n 9850 --out results
run bench_serving bench.serving --dataset fashion_mnist --json
