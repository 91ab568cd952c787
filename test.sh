#!/usr/bin/env bash
# Builds and runs every test; ends with a line "N passed, N failed".
# As root it installs what the tests need (bubblewrap, chromium, postgresql); otherwise it says what is missing
# (bubblewrap is required; without chromium or postgresql those tests skip themselves and say why).
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
"$root/scripts/ensure-bubblewrap.sh" || exit 2
# The web viewer's browser tests drive Debian's chromium through chromedriver; as root, install them when missing
# (without them those tests skip themselves and say why).
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1 && { [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; }; then
  echo "test.sh: installing chromium and chromium-driver for the viewer's browser tests..." >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1 \
    || { apt-get update -qq >/dev/null 2>&1; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1; } \
    || echo "test.sh: could not install chromium; the browser tests will be skipped." >&2
fi

# The shared-store tests start a private PostgreSQL cluster from Debian's server package; as root, install it when
# missing (without it those tests skip themselves and say why).
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "test.sh: installing postgresql for the shared-store tests..." >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null 2>&1 \
    || { apt-get update -qq >/dev/null 2>&1; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null 2>&1; } \
    || echo "test.sh: could not install postgresql; the PostgreSQL tests will be skipped." >&2
fi

results="$root/.build/test-results"
rm -rf "$results"
dotnet test Offswitch.slnx -c Release --nologo --logger "trx" --results-directory "$results" "$@"
status=$?

passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(echo "$counters" | sed -n 's/.* passed="\([0-9]*\)".*/\1/p'); f=$(echo "$counters" | sed -n 's/.* failed="\([0-9]*\)".*/\1/p')
  t=$(echo "$counters" | sed -n 's/.* total="\([0-9]*\)".*/\1/p'); e=$(echo "$counters" | sed -n 's/.* executed="\([0-9]*\)".*/\1/p')
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${t:-0} - ${e:-0}))
done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1   # the build or a test host failed before any test reported
fi
echo "$skipped skipped"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
