#!/usr/bin/env bash
# The device stage of the Korean plate recogniser: the newest kept continuation trained further
# on generator 13 on a lent GPU machine, in one call of the device tool
# (docs/plates.md, "The device stage", holds the rule that judges it):
#
#   make device-bundle                      # here: .device/fonts.tar.xz, the generator's faces
#   run(command="bash training/device/plates.sh", carry=[".device"], timeout_s=590)
#
# The machine reaches no package registry: its own python3 holds PyTorch, onnx, onnxruntime,
# OpenCV, Pillow and rich, and the fonts travel in the bundle. Training itself refuses in
# seconds, before any rendering, a machine without a GPU, a face or a module it needs (its
# imports, --device cuda and the strict typeface check come first). The whole script ends
# by PLATES_DEVICE_SECONDS (default 540) after it starts: training takes as many steps as fit
# (--train-until) and the card records the count. The mix is the CPU stages' (generator 13,
# generator 8's faces replayed, extra two-line, orange and rental plates) with its first sets at
# a quarter of their size, in batches four times as large; a GPU trains far faster than the
# CPUs render, so every core but one keeps rendering fresh crops of the same mix while the
# network trains (--stream-every auto: a chunk joins as often as the workers keep up; the card
# records the pace). What comes back under $OUT: the ONNX model and its calibrated card, the
# PyTorch weights and the log.
#
# Rehearse it here before spending device time (small sets, the CPU, a few minutes; a slow
# host needs the larger budget):
#   OUT=$(mktemp -d) PATH=.venv/bin:$PATH PLATES_DEVICE=cpu PLATES_TRAIN_SIZE=2000 \
#   PLATES_REPLAY_SIZE=500 PLATES_TWO_LINE=500 PLATES_KIND_EXTRA=500 PLATES_CALIBRATION=500 \
#   PLATES_DEVICE_SECONDS=560 bash training/device/plates.sh
set -euo pipefail
start=$(date +%s)
: "${OUT:?OUT must name the folder whose files come back}"
budget=${PLATES_DEVICE_SECONDS:-540}
device=${PLATES_DEVICE:-cuda}
init=${PLATES_INIT:-training/plates/candidates/stage48.onnx}
run=device  # names the PyTorch files training writes and this script brings back

# The whole run goes through one pipe into tee, and the script waits for tee before it exits,
# so the log that comes back holds the last line too.
main() {
    # Python's tarfile, not tar: the image need not have xz.
    python3 -c 'import tarfile; tarfile.open(".device/fonts.tar.xz").extractall("/", filter="data")'
    export PYTHONPATH="$PWD/src:$PWD" PYTHONUNBUFFERED=1
    status=0
    python3 -m training.plates.train --device "$device" --threads 4 \
        --workers "$(( $(nproc) > 1 ? $(nproc) - 1 : 1 ))" \
        --seed 20261240 --generator-version 13 --train-size "${PLATES_TRAIN_SIZE:-16000}" \
        --replay-version 8 --replay-size "${PLATES_REPLAY_SIZE:-16000}" \
        --two-line-extra "${PLATES_TWO_LINE:-12000}" \
        --kind-extra "orange2=${PLATES_KIND_EXTRA:-6000}" \
        --kind-extra "rental=${PLATES_KIND_EXTRA:-4000}" \
        --stream-every auto --calibration-size "${PLATES_CALIBRATION:-12000}" \
        --batch 256 --lr 6e-4 --run-name "$run" --init "$init" \
        --out "$OUT/kr_plate_crnn.onnx" \
        --train-until "$(( start + budget - 20 ))" || status=$?
    for f in "model-$run.pt" "checkpoint-$run.pt"; do
        if [ -f "training/runs/plates/$f" ]; then cp "training/runs/plates/$f" "$OUT/"; fi
    done
    echo "plates.sh: exit $status after $(( $(date +%s) - start )) s"
    return "$status"
}

main 2>&1 | tee "$OUT/plates-device.log"
