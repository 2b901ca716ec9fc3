#!/usr/bin/env bash
# The test command: installs what is missing, then runs, stopping at the first failure: the house's limits
# (file lengths, import circles, doc lines, duplicated code against its baseline), rustfmt, clippy (native and
# wasm32), native unit + integration tests (GPU tests on lavapipe), the trunk release build,
# and the browser end-to-end test (WebGPU and CPU fallback).
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$ROOT"
trap stage_summary EXIT

step "tools (installs only what is missing)"
ensure_rust
ensure_apt mesa-vulkan-drivers chromium
ensure_npm
ensure_trunk
ensure_wasm_bindgen

step "limits: files ≤ 500 lines outside tests, no import circle, doc lines, duplication ≤ baseline"
python3 "$ROOT/scripts/limits.py"
bash "$ROOT/scripts/duplication.sh"

step "rustfmt"
cargo fmt --all -- --check

step "clippy (native, the workspace: the app, the classroom protocol, the server)"
cargo clippy --workspace --all-targets -- -D warnings

step "clippy (wasm32, the app alone)"
cargo clippy --target wasm32-unknown-unknown -p bilevel-lab --lib --bins -- -D warnings

step "native unit and integration tests (the workspace; the server's on 127.0.0.1)"
cargo test --workspace --all-targets

web_build

step "precompress (.gz, .br) and sizes"
node "$ROOT/web/compress.mjs" "$ROOT/dist"

step "browser end-to-end test"
node "$ROOT/web/e2e.mjs" "$ROOT/dist"
