#!/usr/bin/env bash
# The one command of every device call (README.md): the same line each time, only `carry` changes.
#   1. probe.sh, on the first call that reaches this machine (a fresh machine is bare, so it runs again there);
#   2. unpack.sh: checks the parts that have arrived; stops here, exit 3, naming the part folders still to carry;
#   3. once extracted: the GPU check itself (run.sh), CUDA vs CPU, its exit code is this script's.
#
#   bash tools/gpu-check/device.sh [--restore] [arguments for run.sh, e.g. --tolerance 1e-4]
#
# Everything printed also goes to $OUT (probe.txt, unpack.txt, gpu-check.txt) when the device tool sets it.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
target=$repo/artifacts/gpu-check-device
unpack_args=()
check_args=()
for a in "$@"; do
    if [ "$a" = "--restore" ]; then unpack_args+=(--restore); else check_args+=("$a"); fi
done
log() { if [ -n "${OUT:-}" ] && [ -d "$OUT" ]; then tee -a "$OUT/$1"; else cat; fi; }

# ignored and never carried, so it survives between calls exactly as long as the extracted parts do
probed=$repo/artifacts/.gpu-check-probed
if [ ! -e "$probed" ]; then
    bash "$here/probe.sh"
    mkdir -p "$(dirname "$probed")" && touch "$probed"
fi

echo "== unpack"
bash "$here/unpack.sh" --target "$target" "${unpack_args[@]}" 2>&1 | log unpack.txt
rc=${PIPESTATUS[0]}
if [ "$rc" -eq 3 ]; then
    echo "device: waiting for the parts named above. Call again AT ONCE (the machine goes back ~30 s after a call, and"
    echo "        the parts with it), carrying the next folder; the command stays the same."
    exit 3
fi
[ "$rc" -eq 0 ] || { echo "device: unpack failed (exit $rc); see above"; exit "$rc"; }

echo "== GPU check ($target/run.sh ${check_args[*]})"
started=$(date +%s)
"$target/run.sh" "${check_args[@]}" 2>&1 | log gpu-check.txt
rc=${PIPESTATUS[0]}
echo "device: GPU check exit $rc after $(( $(date +%s) - started )) s (0 all agree on CUDA, 1 mismatch, 2 CUDA did not load)"
if [ "$rc" -ne 0 ] && [ -f "$target/PRUNED.txt" ] && [ -n "${OUT:-}" ] && [ -f "$OUT/gpu-check.txt" ] &&
   grep -qiE 'no kernel image|kernel image is invalid|invalid device function|INVALID_IMAGE|NO_BINARY_FOR_GPU|NOT_FOUND.*kernel' "$OUT/gpu-check.txt"; then
    echo "device: this looks like missing GPU code: the CUDA provider here is pruned (PRUNED.txt). Carry the restore"
    echo "        folders (r000 ..., one per call) and run: bash tools/gpu-check/device.sh --restore"
fi
exit "$rc"
