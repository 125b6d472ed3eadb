#!/usr/bin/env bash
# Builds build/interop/SmartSync.Interop.dll (the bridge's bulk-read helper)
# against the SDK in build/sdk/ (or $SMARTSYNC_SDK_DIR, e.g. a vendor install).
# Skips when the dll is newer than its sources and the SDK it references.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
sdk="${SMARTSYNC_SDK_DIR:-$root/build/sdk}"
out="$root/build/interop/SmartSync.Interop.dll"
ref="$sdk/VideoOS.Platform.dll"

if [ ! -f "$ref" ]; then
  echo "interop: $ref not found; build the SDK first (bash dotnet/build.sh) or set SMARTSYNC_SDK_DIR" >&2
  exit 1
fi
command -v mcs >/dev/null 2>&1 || { echo "interop: mcs not found; apt-get install -y mono-devel" >&2; exit 1; }

if [ -f "$out" ]; then
  stale=0
  for f in "$here"/*.cs "$ref" "$0"; do
    if [ "$f" -nt "$out" ]; then stale=1; break; fi
  done
  if [ "$stale" = 0 ]; then exit 0; fi
fi

mkdir -p "$(dirname "$out")"
tmp="$out.tmp.$$"
# C# 5 only: on Windows this file is built by the .NET Framework's own csc.exe, which stops at C# 5.
mcs -nologo -target:library -langversion:5 -optimize+ -warnaserror+ -out:"$tmp" -r:System.Core.dll -r:"$ref" "$here"/*.cs
mv -f "$tmp" "$out"
echo "interop: built $out"
