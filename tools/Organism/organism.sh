#!/usr/bin/env bash
# Builds tools/Organism (Release, linux-x64, into .build/organism) and runs it with the given arguments.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$root/.build/organism"
if ! log="$(dotnet build "$root/tools/Organism/Organism.csproj" -c Release -r linux-x64 --self-contained false -o "$out" --nologo -v quiet 2>&1)"; then
  echo "$log" >&2
  exit 2
fi
exec dotnet "$out/Organism.dll" "$@"
