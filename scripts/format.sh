#!/usr/bin/env bash
# Formats every tracked C++ source in place with the committed .clang-format.
set -euo pipefail
cd "$(dirname "$0")/.."
git ls-files --cached --others --exclude-standard '*.cpp' '*.hpp' '*.h' '*.cc' | xargs -r clang-format -i
