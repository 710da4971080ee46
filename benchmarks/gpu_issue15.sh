#!/usr/bin/env bash
# Issue 15 on a lent GPU, in one call that fits in about 9.5 minutes of device time (550 s of step timeouts):
#   1. tests/gpu/test_cuda_reg_precision.py: bf16 / channels-last penalties within the CPU tolerances
#   2. benchmarks/profile_reg.py: profiler top ops of one G-reg and one D-reg call at 256 px, batch 32
#   3. benchmarks/train_throughput.py: per-phase seconds, img/s, peak GPU memory at 64/256 px (batch 32)
#      and 1024 px (batch 8) for bf16 with fp32 reg passes, bf16 reg passes, bf16 reg + channels-last
#   4. a fixed-minutes quality run: small preset, the shared product photos at 64 px wide, 2:3,
#      conditional on articleType, bf16 + --reg-precision auto + --channels-last; the run folder (no
#      optimiser state, G_ema only) comes back as a split tarball; FID is computed afterwards on the CPU machine, where
#      the Inception weights are (they are too large to travel: 87 MB against a 64 MiB carry limit).
# Every step has its own timeout and a failing step does not stop the next. Outputs go to $OUT:
# gpu.txt, run.log (tests, quality-run log, errors), profile_reg.jsonl, throughput.jsonl,
# quality-run.tar.gz.aa, .ab (join: cat quality-run.tar.gz.* | tar -xz).
#
# First, on the CPU machine:  python benchmarks/gpu_issue15_data.py --out runs/gpu15-data
# GPU session (device tool):  run(command="bash benchmarks/gpu_issue15.sh", carry=["runs/gpu15-data"], timeout_s=590)
# Smoke test here (CPU):      OUT=/tmp/gpu15 bash benchmarks/gpu_issue15.sh --dry-run
set -u
cd "$(dirname "$0")/.."
DRY=0; [ "${1:-}" = "--dry-run" ] && DRY=1
PY=${PY:-python3}
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}"
OUT=${OUT:-runs/gpu15-out}
DATA=${DATA:-runs/gpu15-data}
mkdir -p "$OUT"
if [ $DRY = 1 ]; then  # the same steps, tiny, on the CPU, each in seconds
    export OMP_NUM_THREADS=1
    DEV=cpu; PRESET=tiny; PROF_RES=32; PROF_BATCH=4; RES_SMALL="32"; RES_LARGE=64; BATCH=4; BATCH_LARGE=2
    REPEATS=1; MINUTES=0.3; QBATCH=8; PREC=bf16; T=(120 120 120 120 200)
    if [ ! -f "$DATA/labels.csv" ]; then DATA="$OUT/data"; $PY benchmarks/gpu_issue15_data.py --out "$DATA" --limit 64 --size 48; fi
else
    DEV=cuda; PRESET=base; PROF_RES=256; PROF_BATCH=32; RES_SMALL="64 256"; RES_LARGE=1024; BATCH=32; BATCH_LARGE=8
    # timeouts: tests, profiler, each 64+256 px run, each 1024 px run, quality = 45+65+3*50+2*60+170 = 550 s
    REPEATS=2; MINUTES=2.2; QBATCH=32; PREC=bf16; T=(45 65 50 60 170)
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv > "$OUT/gpu.txt" 2>&1
    $PY -c "import torch; print(torch.__version__, torch.version.cuda)" >> "$OUT/gpu.txt" 2>&1
fi
step() { echo "== $(date -u +%T) $*" >&2; }

step "1 tolerance tests"
if [ $DRY = 1 ]; then TESTS=tests/gan/test_reg_precision.py; else TESTS=tests/gpu/test_cuda_reg_precision.py; fi
timeout "${T[0]}" $PY -m pytest -q -p no:xdist -p no:cacheprovider "$TESTS" > "$OUT/tests.log" 2>&1; echo "rc=$?" >> "$OUT/tests.log"

step "2 profiler, G reg and D reg at $PROF_RES px"
rm -f "$OUT/profile_reg.jsonl"
timeout "${T[1]}" $PY benchmarks/profile_reg.py --device $DEV --preset $PRESET --resolution $PROF_RES --batch $PROF_BATCH \
    --precision $PREC --reg-precision fp32 auto --row-limit 20 --out "$OUT/profile_reg.jsonl" > /dev/null 2>> "$OUT/errors.log"

step "3 throughput"
: > "$OUT/throughput.jsonl"
for opts in "--reg-precision fp32" "--reg-precision auto" "--reg-precision auto --channels-last"; do
    timeout "${T[2]}" $PY benchmarks/train_throughput.py --device $DEV --preset $PRESET --precision $PREC $opts \
        --resolution $RES_SMALL --batch $BATCH --repeats $REPEATS --warmup 1 --gen-repeats 1 \
        >> "$OUT/throughput.jsonl" 2>> "$OUT/errors.log"
done
for opts in "--reg-precision fp32" "--reg-precision auto --channels-last"; do
    timeout "${T[3]}" $PY benchmarks/train_throughput.py --device $DEV --preset $PRESET --precision $PREC $opts \
        --resolution $RES_LARGE --batch $BATCH_LARGE --repeats 1 --warmup 1 --gen-repeats 1 --gen-batch 8 \
        >> "$OUT/throughput.jsonl" 2>> "$OUT/errors.log"
done

step "4 quality run, $MINUTES minutes"
rm -rf "$OUT/quality"
timeout "${T[4]}" $PY -m modiste train --data "$DATA/images" --labels "$DATA/labels.csv" --cond articleType \
    --resolution 64 --aspect 2:3 --preset small --batch $QBATCH --aug diffaugment --xflip \
    --device $DEV --precision $PREC --reg-precision auto --channels-last --workers 4 \
    --max-minutes $MINUTES --snap 1000 --keep 1 --seed 0 --outdir "$OUT/quality" > "$OUT/quality.log" 2>&1
echo "rc=$?" >> "$OUT/quality.log"
# G_ema + state.json is what load_generator needs; parts of 15 MiB (the tool returns files up to 16 MiB)
tar -czf - -C "$OUT" --exclude train_state.safetensors --exclude G.safetensors --exclude D.safetensors \
    --exclude rng.safetensors --exclude cache --exclude tensorboard quality 2>> "$OUT/errors.log" \
    | split -b 15M - "$OUT/quality-run.tar.gz."
rm -rf "$OUT/quality" "$OUT/data"
cat "$OUT/tests.log" "$OUT/quality.log" "$OUT/errors.log" > "$OUT/run.log" 2>/dev/null
rm -f "$OUT/tests.log" "$OUT/quality.log" "$OUT/errors.log"  # at most 8 files come back
step "done: $(ls "$OUT" | tr '\n' ' ')"
