#!/usr/bin/env bash
# The GPU benchmarks and GPU tests on a lent hardware GPU (run by hand through the workplace's device tool;
# CI never has a GPU). Expects, carried beside the tree: .gl/ (the Vulkan/GL loader .debs), .dev/bilevel-lab
# (release build), .dev/gpu-tests (the `tests/gpu.rs` binary, `cargo test --release --test gpu --no-run`) and
# .dev/numpy_anchors.py (../shared/bench). Prints everything; the ratios are per run, on that machine.
set -u
for f in .gl/*.deb; do dpkg -x "$f" /; done
ldconfig
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
[ -f "$icd" ] && export VK_DRIVER_FILES=$icd
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv
lscpu | grep -E 'Model name|^CPU\(s\)'
B=.dev/bilevel-lab
step() { echo "== $*"; timeout 200 "$@" 2>&1; echo "rc=$?"; }
step $B self-check
step $B bench 128 2000
step $B bench 512 1000
step $B bench 2048 1000
step $B bench-ihvp 1000 64
step $B bench-ihvp 10000 64
step $B bench-landscape 256 2
step $B bench-landscape 512 8
step $B bench-landscape 1024 8
step $B bench-control cartpole 3
step python3 .dev/numpy_anchors.py
step .dev/gpu-tests --test-threads=1
