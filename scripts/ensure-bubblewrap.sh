#!/usr/bin/env bash
# Makes sure bubblewrap (the sandbox every trial runs in) is installed.
# As root on Debian/Ubuntu it installs the package; otherwise it explains what to do and exits 2.
set -u
if command -v bwrap >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "offswitch: installing bubblewrap (the sandbox every trial runs in)..." >&2
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null 2>&1 || true
  fi
  command -v bwrap >/dev/null 2>&1 && exit 0
fi
echo "offswitch: bubblewrap is not installed. Trials run real bash inside a bubblewrap sandbox, never on the host." >&2
echo "  Install it with: sudo apt-get install bubblewrap   (Fedora: sudo dnf install bubblewrap; Arch: sudo pacman -S bubblewrap)" >&2
exit 2
