#!/bin/sh
# Retrains the shipped models (npm run bench:train), one at a time (2 shared cores), each
# resuming from its checkpoint in .cache/train/<name>/ when one exists. Logs: $LOGS.
# The dataset files come from `bitbeat data prepare` (see README); set DATASETS to their folder.
set -e
cd "$(dirname "$0")/.."
DATASETS=${DATASETS:-/work/datasets}
LOGS=${LOGS:-/work/train-logs}
mkdir -p "$LOGS" models
run() {
  name=$1; shift
  echo "== $name $(date -u +%H:%M:%S)" >&2
  node bin/bitbeat.js train --out "models/$name.json" "$@" >>"$LOGS/$name.log" 2>&1
}
only=${1:-all}
if [ "$only" = all ] || [ "$only" = ecgbnn-s-rhythm17 ]; then
  run ecgbnn-s-rhythm17 --arch ecgbnn-s --dataset "$DATASETS/plawiak17-rhythm17.bbds" --epochs 120 --seed 1 --fp-epochs 40
fi
if [ "$only" = all ] || [ "$only" = btpn-aami5 ]; then
  run btpn-aami5 --arch btpn --dataset "$DATASETS/mitdb-aami5.bbds" --epochs 100 --seed 1
fi
if [ "$only" = all ] || [ "$only" = ecgbnn-s-aami5 ]; then
  run ecgbnn-s-aami5 --arch ecgbnn-s --dataset "$DATASETS/mitdb-aami5.bbds" --epochs 40 --seed 1
fi
