#!/usr/bin/env bash
# Runs on the GPU machine, from the published folder: CUDA vs CPU parity (TF32 off) and timings for every model in ./models.
# Exit 0: all agree; 1: a mismatch; 2: the CUDA provider could not load (the message says which library is missing).
set -uo pipefail
cd "$(dirname "$0")"
export LD_LIBRARY_PATH="$PWD:${LD_LIBRARY_PATH:-}"
./Segnn.GpuCheck --models ./models "$@"
