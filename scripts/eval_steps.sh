# Sourced by the sessions' evaluation scripts (scripts/session*_eval.sh) after they set SESSION: the
# shipped networks copied into workdirs/$SESSION, `land RUN [FOLDER]` (wait until a run has finished
# training, then copy its networks in) and `ev NAME MODULE ARGS...` (run one evaluation, logged in
# results/$SESSION/logs/progress.txt; a step logged there as finished is skipped on a re-run).
set -uo pipefail
R="${R:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
PY="$R/.venv/bin/python"
export TF_AEGAN_DATA_DIR="${TF_AEGAN_DATA_DIR:-$R/../shared/datasets}" TF_CPP_MIN_LOG_LEVEL=2
B="$R/study/baselines/fashion_mnist"
S="$R/workdirs/$SESSION"           # the shipped networks plus each run as it lands
O="$R/results/$SESSION"
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
