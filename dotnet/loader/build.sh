#!/usr/bin/env bash
# Builds build/interop/SmartSync.Loader.dll (the assembly-resolve handler the
# bridge installs before it loads the SDK). It references only mscorlib.
# Skips when the dll is newer than its sources.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$root/build/interop/SmartSync.Loader.dll"
command -v mcs >/dev/null 2>&1 || { echo "loader: mcs not found; apt-get install -y mono-devel" >&2; exit 1; }

if [ -f "$out" ]; then
  stale=0
  for f in "$here"/*.cs "$0"; do
    if [ "$f" -nt "$out" ]; then stale=1; break; fi
  done
  if [ "$stale" = 0 ]; then exit 0; fi
fi

mkdir -p "$(dirname "$out")"
tmp="$out.tmp.$$"
# C# 5 only: on Windows this file is built by the .NET Framework's own csc.exe, which stops at C# 5.
mcs -nologo -target:library -langversion:5 -optimize+ -warnaserror+ -out:"$tmp" "$here"/*.cs
mv -f "$tmp" "$out"
echo "loader: built $out"
