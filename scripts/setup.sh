#!/usr/bin/env bash
# Sourced by serve.sh and test.sh. Installs what is missing on a fresh Debian 12 machine (assumes only
# rustup/cargo, node/npm and python3) and skips whatever is already there.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$ROOT/web/node_modules/.bin:$HOME/.cargo/bin:$PATH"

# Stages: `step NAME` ends the stage before it (printing its duration) and starts the next;
# `stage_summary` (test.sh runs it on exit, pass or fail) lists every stage's duration.
STAGE_NAME=""
STAGE_START=$SECONDS
STAGE_TIMES=()
end_stage() {
    if [ -n "$STAGE_NAME" ]; then
        local took=$((SECONDS - STAGE_START))
        STAGE_TIMES+=("$(printf '%6d s  %s' "$took" "$STAGE_NAME")")
        printf -- '-- %s: %d s\n' "$STAGE_NAME" "$took"
        STAGE_NAME=""
    fi
}
step() {
    end_stage
    STAGE_NAME="$*"
    STAGE_START=$SECONDS
    printf '\n\033[1m== %s\033[0m\n' "$*"
}
stage_summary() {
    end_stage
    printf '\n== stage durations ==\n'
    printf '%s\n' "${STAGE_TIMES[@]}"
    printf '%6d s  total\n' "$SECONDS"
}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

ensure_rust() {
    rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
    local have
    have="$(rustup component list --installed)"
    for c in rustfmt clippy; do
        grep -q "^$c" <<<"$have" || rustup component add "$c"
    done
}

ensure_trunk() {
    if ! trunk --version 2>/dev/null | grep -q '^trunk 0\.21\.'; then
        step "installing trunk ~0.21 (about 9 minutes, once)"
        cargo install trunk --version '~0.21' --locked
    fi
}

# wasm-bindgen-cli must equal the wasm-bindgen in Cargo.lock exactly. `--locked` fails on this registry.
ensure_wasm_bindgen() {
    local want
    want="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock")"
    if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $want" ]; then
        step "installing wasm-bindgen-cli $want (about 4 minutes, once)"
        cargo install wasm-bindgen-cli --version "$want" --force
    fi
}

# playwright-core (browser tests), jscpd (duplicated code) and binaryen's wasm-opt (Debian's v108 breaks the wasm; npm's 132 works).
ensure_npm() {
    if [ ! -x "$ROOT/web/node_modules/.bin/wasm-opt" ] || [ ! -d "$ROOT/web/node_modules/playwright-core" ] \
        || [ ! -x "$ROOT/web/node_modules/.bin/jscpd" ] \
        || [ "$ROOT/web/package-lock.json" -nt "$ROOT/web/node_modules/.package-lock.json" ]; then
        step "installing npm packages (web/package-lock.json)"
        (cd "$ROOT/web" && npm ci --no-audit --no-fund)
    fi
}

# Debian packages for the tests: lavapipe (software Vulkan) for the native GPU tests, Chromium for the
# browser test.
ensure_apt() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        step "installing Debian packages: ${missing[*]}"
        as_root apt-get update
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
    fi
}

# The release web app with its precompressed .gz/.br copies, installing what it needs first (serve.sh,
# site.sh).
build_site() {
    ensure_rust
    ensure_trunk
    ensure_wasm_bindgen
    ensure_npm
    web_build
    step "precompress (.gz, .br)"
    node "$ROOT/web/compress.mjs" "$ROOT/dist"
}

web_build() {
    step "web release build (trunk, wasm32)"
    (cd "$ROOT" && trunk build --release)
}
