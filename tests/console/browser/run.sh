#!/usr/bin/env bash
# The officer console in a real browser (ctest console.browser): installs
# playwright-core from the committed package-lock.json under the build directory
# (npm ci: nothing else is downloaded, never a browser), then drives Debian's
# Chromium against a real checkpointd (console.mjs).
#   run.sh BUILD_DIR CHECKPOINTD CHECKPOINTCTL SOURCE_DIR
set -euo pipefail
build=$1 daemon=$2 ctl=$3 src=$4
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -x /usr/bin/chromium ]; then
  echo "SKIPPED: /usr/bin/chromium is missing; install it with scripts/deps.sh --test" >&2
  exit 77
fi
for tool in node npm; do
  if ! command -v "$tool" >/dev/null; then
    echo "SKIPPED: $tool is missing; install it with scripts/deps.sh --test" >&2
    exit 77
  fi
done
work="$build/console-browser"
mkdir -p "$work"
# npm ci only when the lockfile changed since the last install.
if ! cmp -s "$here/package-lock.json" "$work/package-lock.json" || [ ! -d "$work/node_modules/playwright-core" ]; then
  cp "$here/package.json" "$here/package-lock.json" "$work/"
  (cd "$work" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
fi
export NODE_PATH="$work/node_modules"
exec node "$here/console.mjs" "$work" "$daemon" "$ctl" "$src"
