#!/usr/bin/env bash
# Stage the cached batches of a stopped `evaluate.table` or `evaluate.adaptive` run, so a fresh clone
# resumes it where it stopped (the cache folder's key is portable: settings and network contents, not paths or times).
# Only the defended classifier's predictions are staged (pred_*, clean_*: 1.6 KB per batch); the
# adversarial images (about 0.3 MB per batch) are left out and remade on resume, in seconds for
# FGSM and the black-box attack. `evaluate.adaptive` keeps masks only: all of them are staged, with the
# finished units of work (.npz) of a batch that AutoAttack had not finished. Cache folders are ignored by default (.gitignore: .cache_*/).
# Usage: bash scripts/commit_cache.sh results/fashion_mnist/table1/columns/defensegan && git commit -m "..."
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -eq 0 ]; then
  echo "usage: bash scripts/commit_cache.sh TABLE_OUT_FOLDER..." >&2; exit 2
fi
for out in "$@"; do
  found=0
  for cache in "$out"/.cache_*/; do
    [ -d "$cache" ] || continue
    found=1
    case "$(basename "$cache")" in
      .cache_adaptive_*)  # evaluate.adaptive: every batch is a few masks; a batch's finished units of work (.npz)
        find "$cache" -maxdepth 1 -type f \( -name '*.npy' -o -name '*.npz' \) ! -name '*.tmp*' -print0 \
          | xargs -0 --no-run-if-empty git add -f ;;
      *)
        find "$cache" -maxdepth 1 -type f \( -name 'pred_*.npy' -o -name 'clean_*.npy' \) ! -name '*.tmp.npy' -print0 \
          | xargs -0 --no-run-if-empty git add -f ;;
    esac
    echo "$cache: $(git ls-files "$cache" | wc -l) prediction batches staged"
  done
  [ "$found" = 1 ] || echo "no cache folder in $out (the run finished, or never started)" >&2
done
