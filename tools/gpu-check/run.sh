#!/usr/bin/env bash
# Runs on the GPU machine, from the published folder: CUDA vs CPU parity (TF32 off) and timings for every model in ./models.
# Exit 0: all agree; 1: a mismatch; 2: the CUDA provider could not load (the message says which library is missing).
# Arguments go to Segnn.GpuCheck (--models DIR, --qm9-xyz FILE, --tolerance X, --allow-cpu).
set -uo pipefail
cd "$(dirname "$0")"

# The CUDA provider finds its libraries through the dynamic linker only. GPU images often keep them outside the linker
# cache (a toolkit in /usr/local/cuda*, the driver in /usr/local/nvidia, cuDNN and friends in pip's nvidia-* wheels), so
# for each library that the cache lacks, the first folder holding it is added to LD_LIBRARY_PATH, and what was found
# is printed: a failed load then says at once which library no folder had.
libdirs="$PWD"
note=""
site_dirs() {
    local py
    for py in python3 /opt/*/.venv/bin/python3; do
        command -v "$py" >/dev/null 2>&1 || continue
        "$py" -c 'import site; print("\n".join(site.getsitepackages()))' 2>/dev/null
    done | sort -u
}
candidates=""
for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib /usr/local/cuda/lib64 /usr/local/cuda-*/lib64 \
         /usr/local/cuda*/targets/x86_64-linux/lib; do
    [ -d "$d" ] && candidates="$candidates $d"
done
for s in $(site_dirs); do
    # CUDA 13 wheels use nvidia/cu13/lib; cuDNN and older wheels nvidia/<name>/lib
    for d in "$s"/nvidia/cu13/lib "$s"/nvidia/*/lib; do [ -d "$d" ] && candidates="$candidates $d"; done
done
callers_path=${LD_LIBRARY_PATH:-}
cache=$(ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null || true)
for lib in libcuda.so.1 libcudart.so.13 libcublas.so.13 libcublasLt.so.13 libcurand.so.10 libcufft.so.12 libcudnn.so.9 libnvrtc.so.13; do
    if grep -q "^[[:space:]]*$lib " <<<"$cache"; then
        continue
    fi
    found=""
    for d in ${callers_path//:/ }; do
        [ -e "$d/$lib" ] && { found=$d; break; }
    done
    [ -n "$found" ] && continue  # the caller's LD_LIBRARY_PATH already provides it
    for d in $candidates; do
        [ -e "$d/$lib" ] && { found=$d; break; }
    done
    if [ -n "$found" ]; then
        case ":$libdirs:" in *":$found:"*) ;; *) libdirs="$libdirs:$found" ;; esac
        note="$note $lib=$found"
    else
        note="$note $lib=MISSING"
    fi
done
[ -n "$note" ] && echo "run.sh: CUDA libraries outside the linker cache:$note"
export LD_LIBRARY_PATH="$libdirs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

# ./models unless the caller names other models (the program reads the first --models it is given)
models=(--models ./models)
for a in "$@"; do [ "$a" = "--models" ] && models=(); done
./Segnn.GpuCheck "${models[@]}" "$@"
rc=$?
if [ "$rc" -eq 2 ] && command -v ldd >/dev/null 2>&1; then
    echo "run.sh: the CUDA provider's unresolved libraries (ldd), with LD_LIBRARY_PATH=$LD_LIBRARY_PATH:"
    ldd ./libonnxruntime_providers_cuda.so 2>&1 | grep -E 'not found' || echo "  (none: ldd resolves them all; see the message above)"
fi
exit "$rc"
