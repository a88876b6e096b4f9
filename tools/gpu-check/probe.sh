#!/usr/bin/env bash
# What a GPU machine offers the GPU check, in a few screens: GPU, driver and CUDA version; which CUDA 13 / cuDNN 9
# libraries the dynamic linker (and common folders, pip's nvidia-* wheels) can give ONNX Runtime's CUDA provider; glibc
# and libstdc++; disk, CPUs, memory; Python and its GPU packages. Read-only and quick (a few seconds).
# Always exits 0: a missing tool is reported, never fatal, so the commands after it in the same device call still run.
# With $OUT set (the device tool's folder that comes back), the same report is also written to $OUT/probe.txt.
set -uo pipefail

have() { command -v "$1" >/dev/null 2>&1; }
section() { printf '\n== %s\n' "$*"; }

# The libraries libonnxruntime_providers_cuda.so (ONNX Runtime 1.31, CUDA 13) needs: linked ones (cudart, cublas,
# cublasLt, curand, the driver's libcuda) and the ones it opens when used (cuDNN 9, cuFFT, NVRTC).
wanted_libs="libcuda.so.1 libcudart.so.13 libcublas.so.13 libcublasLt.so.13 libcurand.so.10 libcufft.so.12 libcudnn.so.9 libnvrtc.so.13"

# Folders where CUDA libraries live without being in the linker cache: toolkits, the driver mount, pip wheels.
candidate_dirs() {
    local d
    for d in /usr/local/cuda/lib64 /usr/local/cuda-*/lib64 /usr/local/cuda*/targets/x86_64-linux/lib /usr/local/nvidia/lib64 \
             /usr/local/nvidia/lib /usr/lib/x86_64-linux-gnu /usr/lib64 /opt/nvidia/*/lib64; do
        [ -d "$d" ] && echo "$d"
    done
    for d in $(site_dirs); do
        # CUDA 13 wheels put their libraries in nvidia/cu13/lib, older ones (and cuDNN) in nvidia/<name>/lib
        for sub in "$d"/nvidia/*/lib "$d"/nvidia/cu*/lib; do [ -d "$sub" ] && echo "$sub"; done
    done | sort -u
}

site_dirs() {
    local py
    for py in python3 /opt/*/.venv/bin/python3; do
        have "$py" || [ -x "$py" ] || continue
        "$py" -c 'import site; print("\n".join(site.getsitepackages() + [site.getusersitepackages()]))' 2>/dev/null
    done | sort -u
}

report() {
    section "host"
    echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC' 2>/dev/null)  user: $(id -un 2>/dev/null)  pwd: $PWD"
    uname -srm 2>/dev/null
    [ -r /etc/os-release ] && grep -E '^(PRETTY_NAME)=' /etc/os-release
    echo "CPUs: $(nproc 2>/dev/null || grep -c ^processor /proc/cpuinfo)  $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ *//')"
    if have free; then free -g | sed -n '1,2p'; else grep -E 'MemTotal|MemAvailable' /proc/meminfo; fi
    echo "disk here:"; df -h . 2>/dev/null | sed -n '2p'
    [ -d /tmp ] && { echo "disk /tmp:"; df -h /tmp 2>/dev/null | sed -n '2p'; }

    section "GPU (nvidia-smi)"
    if have nvidia-smi; then
        nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used,compute_cap,clocks.sm,clocks.max.sm --format=csv 2>&1 | head -n 9
        # the header line of plain nvidia-smi carries the CUDA version the driver supports
        nvidia-smi 2>&1 | grep -m1 -E 'CUDA Version' | sed 's/  */ /g'
    else
        echo "nvidia-smi: not found"
    fi
    ls -d /dev/nvidia* 2>/dev/null | tr '\n' ' '; echo
    if have nvcc; then nvcc --version 2>&1 | tail -n 2; else echo "nvcc: not on PATH"; fi
    ls -d /usr/local/cuda* 2>/dev/null | tr '\n' ' '; echo

    section "C and C++ runtimes"
    if have ldd; then ldd --version 2>&1 | head -n 1; else echo "ldd: not found"; fi
    local stdcxx
    stdcxx=$( (ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 /{print $NF; exit}') || true)
    [ -z "$stdcxx" ] && stdcxx=$(ls /usr/lib/x86_64-linux-gnu/libstdc++.so.6 /usr/lib64/libstdc++.so.6 2>/dev/null | head -n 1)
    if [ -n "$stdcxx" ]; then
        echo "libstdc++: $(readlink -f "$stdcxx")"
        # the newest GLIBCXX_ version it defines: ONNX Runtime needs GLIBCXX_3.4.22 or newer
        echo "  newest GLIBCXX: $( (strings "$stdcxx" 2>/dev/null || grep -ao 'GLIBCXX_3\.4\.[0-9]*' "$stdcxx") | grep -o 'GLIBCXX_3\.4\.[0-9]*' | sort -uV | tail -n 1)"
    else
        echo "libstdc++.so.6: not found"
    fi

    section "CUDA libraries: linker cache (ldconfig -p)"
    if have ldconfig || [ -x /sbin/ldconfig ]; then
        local cache
        cache=$( (ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null) )
        echo "$cache" | grep -E 'lib(cuda|cudart|cublas|cublasLt|cudnn[a-z_]*|cufft|curand|nvrtc|nvJitLink)\.so' | awk '{print "  " $1 " -> " $NF}' | sort -u | head -n 40
        [ -z "$(echo "$cache" | grep -E 'libcuda\.so|libcudnn')" ] && echo "  (no libcuda / libcudnn in the cache)"
    else
        echo "ldconfig: not found"
    fi
    echo "LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"

    section "CUDA libraries: other folders (toolkits, driver mount, pip nvidia-* wheels)"
    local d lib dirs
    dirs=$(candidate_dirs)  # once: it asks every Python for its site folders
    for d in $dirs; do
        local found=""
        for lib in $wanted_libs; do
            [ -e "$d/$lib" ] && found="$found $lib"
        done
        [ -n "$found" ] && echo "  $d:$found"
    done
    echo "each library the CUDA provider needs, first place found (cache, then the folders above):"
    for lib in $wanted_libs; do
        local where
        where=$( (ldconfig -p 2>/dev/null | awk -v l="$lib" '$1 == l {print $NF; exit}') || true)
        if [ -z "$where" ]; then
            for d in $dirs; do [ -e "$d/$lib" ] && { where="$d/$lib (not in the cache: run.sh adds its folder)"; break; }; done
        fi
        printf '  %-20s %s\n' "$lib" "${where:-MISSING}"
    done

    section "Python"
    local py=""
    for cand in python3 /opt/torch/.venv/bin/python3; do have "$cand" && { py=$cand; break; }; done
    if [ -n "$py" ]; then
        echo "$(command -v "$py"): $("$py" --version 2>&1)"
        "$py" - <<'EOF' 2>&1 | head -n 30
import importlib.metadata as md
names = ["torch", "onnxruntime", "onnxruntime-gpu", "onnx", "cupy-cuda13x", "jax", "nvidia-cudnn-cu13", "nvidia-cublas",
         "nvidia-cuda-runtime", "nvidia-cufft", "nvidia-curand", "nvidia-cuda-nvrtc", "cuda-toolkit"]
for n in names:
    try:
        print(f"  {n} {md.version(n)}")
    except md.PackageNotFoundError:
        print(f"  {n}: not installed")
try:
    import torch
    print(f"  torch sees CUDA: {torch.cuda.is_available()}, built for CUDA {torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}")
except Exception as e:  # torch missing or broken: say so, never fail the probe
    print(f"  torch import: {type(e).__name__}: {e}")
EOF
    else
        echo "python3: not found"
    fi

    section "tools the transfer uses"
    for t in tar xz gzip zstd sha256sum dd split strip readelf; do
        if have "$t"; then printf '  %-10s %s\n' "$t" "$("$t" --version 2>&1 | head -n 1)"; else printf '  %-10s missing\n' "$t"; fi
    done
}

if [ -n "${OUT:-}" ] && [ -d "$OUT" ]; then
    report 2>&1 | tee "$OUT/probe.txt"
else
    report 2>&1
fi
exit 0
