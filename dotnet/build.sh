#!/usr/bin/env bash
# Builds the fake MIP SDK (build/sdk/) and the bridge's own helper assembly
# (build/interop/) with Mono's mcs. Each part skips itself when up to date.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
for part in fake loader interop; do
  if [ -x "$here/$part/build.sh" ]; then "$here/$part/build.sh"; fi
done
