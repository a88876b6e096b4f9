#!/usr/bin/env bash
# Builds the self-contained GPU check (no .NET SDK needed where it runs) into artifacts/gpu-check, with the shipped models.
# Copy that folder to a Linux x64 machine with an NVIDIA GPU, CUDA 13 and cuDNN 9, and run ./run.sh there; for the
# device tool (<= 64 MiB per call) pack it into parts with pack.sh next (README.md beside this script).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=artifacts/gpu-check
rm -rf "$out"
dotnet publish tools/Segnn.GpuCheck -c Release -p:PublishGpuCheck=true -o "$out" -v quiet
mkdir -p "$out/models"
cp models/*.onnx "$out/models/" 2>/dev/null || echo "publish: no models/*.onnx yet; the check will need --models DIR"
cp tools/gpu-check/run.sh "$out/"
du -sh "$out"
echo "publish: next, for the device tool: tools/gpu-check/pack.sh"
