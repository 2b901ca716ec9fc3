#!/usr/bin/env bash
# The site build for a static host (GitHub Pages, a university web space): the release app with relative
# asset URLs (it works at / and under any sub-path), content-hashed file names, and precompressed .gz/.br
# copies beside each file. Upload the folder it prints. Installs what is missing first.
#   ./scripts/site.sh [OUT_DIR]            default: site/
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
out="$(realpath -m "${1:-$ROOT/site}")"
build_site
step "copy to $out"
# Replace only an earlier site folder: never /, the repository, home, or a folder of other files.
case "$out" in
    / | "$ROOT" | "${HOME:-/}" | "$ROOT/dist") echo "site.sh: refusing to replace $out" >&2; exit 2 ;;
esac
if [ -d "$out" ] && [ -n "$(ls -A "$out")" ] && [ ! -f "$out/index.html" ]; then
    echo "site.sh: $out exists and is not an earlier site build; name another folder" >&2
    exit 2
fi
rm -rf "$out"
cp -r "$ROOT/dist" "$out"
echo "site: $out — upload its contents as they are (index.html, the hashed .js/.wasm/.css and their .gz/.br)"
