#!/bin/bash
# Starts the atlas model server in the foreground.
# Usage: bin/start-server.sh [CONFIG]   (default: config/server.conf of this deployment)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
config="${1:-$root/config/server.conf}"
exec /usr/bin/perl "$root/server/serve.pl" "$config"
