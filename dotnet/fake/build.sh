#!/usr/bin/env bash
# Builds the fake MIP SDK into build/sdk/ with Mono's mcs: three assemblies with
# the real SDK's names so the bridge loads them exactly as it loads the real ones.
# Skips the build when every output is newer than every source.
# Mono.Posix gives the fake a stat() with inode and nanosecond times: how it tells an unchanged world file.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$root/build/sdk"
mkdir -p "$out"

up_to_date() {
  local dll="$out/$1"; shift
  [ -f "$dll" ] || return 1
  local newer
  newer="$(find "$@" -newer "$dll" -print -quit)"
  [ -z "$newer" ]
}

flags=(-nologo -target:library -langversion:7.2 -optimize+ -debug- -warnaserror+ -nowarn:1591)

if ! up_to_date VideoOS.ConfigurationAPI.dll "$here/ConfigurationAPI" "$here/build.sh"; then
  mcs "${flags[@]}" -out:"$out/VideoOS.ConfigurationAPI.dll" -r:System.Runtime.Serialization.dll -r:System.ServiceModel.dll \
    "$here"/ConfigurationAPI/*.cs
fi
if ! up_to_date VideoOS.Platform.dll "$here/Platform" "$here/build.sh" "$out/VideoOS.ConfigurationAPI.dll"; then
  mcs "${flags[@]}" -out:"$out/VideoOS.Platform.dll" -r:System.dll -r:System.Core.dll -r:Mono.Posix.dll \
    -r:System.Runtime.Serialization.dll -r:System.ServiceModel.dll \
    -r:"$out/VideoOS.ConfigurationAPI.dll" "$here"/Platform/*.cs
fi
if ! up_to_date VideoOS.Platform.SDK.dll "$here/SDK" "$here/build.sh" "$out/VideoOS.Platform.dll"; then
  mcs "${flags[@]}" -out:"$out/VideoOS.Platform.SDK.dll" -r:System.dll -r:System.Core.dll \
    -r:"$out/VideoOS.ConfigurationAPI.dll" -r:"$out/VideoOS.Platform.dll" "$here"/SDK/*.cs
fi
# The fake checks every world document against the schema when it loads it and
# looks for the schema beside its assemblies; refresh the copy when it changed.
schema="$root/schema/world.schema.json"
if [ ! -f "$out/world.schema.json" ] || ! cmp -s "$schema" "$out/world.schema.json"; then
  cp "$schema" "$out/world.schema.json"
fi
