#!/bin/sh
# Retrains the shipped models (npm run bench:train [names...]), one at a time (2 shared cores),
# each resuming from its checkpoint in .cache/train/<name>/ when one exists. Logs go to $LOGS.
# Dataset files: $DATASETS/{plawiak17-rhythm17,mitdb-aami5}.bbds, built with `bitbeat data prepare`
# from the real data (BITBEAT_DATA) when missing.
# The *-interpatient models are trained on MIT-BIH DS1 only, for the inter-patient column of
# bench/accuracy.md (a model trained on the stratified split has seen DS2 windows).
set -e
cd "$(dirname "$0")/.."
DATASETS=${DATASETS:-.cache/datasets}
LOGS=${LOGS:-/work/train-logs}
mkdir -p "$LOGS" models models/interpatient
R17="$DATASETS/plawiak17-rhythm17.bbds"
A5="$DATASETS/mitdb-aami5.bbds"
prepare() {
  if [ ! -f "$DATASETS/$1-$2.bbds" ]; then
    mkdir -p "$DATASETS"
    node bin/bitbeat.js data prepare --source "$1" --task "$2" --data "${BITBEAT_DATA:-../shared/data}" --out "$DATASETS/$1-$2.bbds" >&2
  fi
}
prepare plawiak17 rhythm17
prepare mitdb aami5
run() {
  name=$1; shift
  echo "== $name start $(date -u +%H:%M:%S)" >&2
  # inter-patient models live in models/interpatient/, apart from the shipped hardware models
  case "$name" in *-interpatient) out="models/interpatient/$name.json" ;; *) out="models/$name.json" ;; esac
  node bin/bitbeat.js train --out "$out" "$@" >>"$LOGS/$name.log" 2>&1
  echo "== $name done $(date -u +%H:%M:%S)" >&2
}
train_one() {
  case "$1" in
    ecgbnn-s-rhythm17) run "$1" --arch ecgbnn-s --dataset "$R17" --epochs 120 --seed 1 --augment roll --fp-epochs 40 ;;
    btpn-aami5) run "$1" --arch btpn --dataset "$A5" --epochs 100 --seed 1 ;;
    ecgbnn-s-aami5) run "$1" --arch ecgbnn-s --dataset "$A5" --epochs 30 --seed 1 ;;
    btpn-aami5-interpatient) run "$1" --arch btpn --dataset "$A5" --split interpatient --epochs 40 --seed 1 ;;
    ecgbnn-s-aami5-interpatient) run "$1" --arch ecgbnn-s --dataset "$A5" --split interpatient --epochs 20 --seed 1 ;;
    ecgbnn-s-rhythm17-interpatient) run "$1" --arch ecgbnn-s --dataset "$R17" --split interpatient --epochs 60 --seed 1 --augment roll ;;
    *) echo "unknown model $1" >&2; exit 2 ;;
  esac
}
if [ $# -eq 0 ]; then
  set -- ecgbnn-s-rhythm17 ecgbnn-s-aami5 btpn-aami5 btpn-aami5-interpatient ecgbnn-s-aami5-interpatient ecgbnn-s-rhythm17-interpatient
fi
for name in "$@"; do train_one "$name"; done
