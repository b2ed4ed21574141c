#!/usr/bin/env bash
# Issue 9: Table 1's rows and the purification figures re-run on the shipped (interim) pick, into results/session3/.
source "$(dirname "$0")/setup.sh"
O=results/session3
mkdir -p $O/logs
run() { local name=$1; shift; echo "== $(date -u +%H:%M:%S) $*" >> $O/logs/progress.txt
  .venv/bin/python -m "$@" > "$O/logs/$name.log" 2>&1; echo "   $(date -u +%H:%M:%S) exit $?" >> $O/logs/progress.txt; }
run table_fgsm evaluate.table --attack fgsm --n 1000 --out $O
run table_fgsm_true evaluate.table --attack fgsm --n 1000 --labels true --out $O/labels_true
run table_pgd evaluate.table --attack pgd --n 1000 --out $O
run table_blackbox evaluate.table --attack blackbox --n 9850 --out $O
run purification evaluate.purification --n 10000 --out $O
run table_cw evaluate.table --attack cw --n 1000 --cw-iterations 30 --cw-binary-steps 3 --out $O
