#!/usr/bin/env bash
# Copy this checkout's sources to DIR and build them there, for benchmark
# runs that a concurrent edit or rebuild of the checkout cannot disturb:
#   bench/snapshot.sh /tmp/meshdir-snap && MESHDIR_REPO=/tmp/meshdir-snap node bench/single.mjs
set -euo pipefail
SRC="$(cd "$(dirname "$0")/.." && pwd)"
DIR="${1:?usage: bench/snapshot.sh DIR}"
rm -rf "$DIR"
mkdir -p "$DIR"
cp -r "$SRC/src" "$SRC/bin" "$SRC/schema" "$SRC/scripts" "$SRC/package.json" "$SRC/tsconfig.json" "$DIR/"
ln -s "$SRC/node_modules" "$DIR/node_modules"
(cd "$SRC" && git rev-parse --short HEAD 2>/dev/null; git -C "$SRC" status --short -- src 2>/dev/null | sed 's/^/  /') > "$DIR/SNAPSHOT" || true
(cd "$DIR" && "$SRC/node_modules/.bin/tsc" -p . && node scripts/bundle.mjs)
echo "compiled snapshot of $SRC (commit $(head -1 "$DIR/SNAPSHOT")) in $DIR"
