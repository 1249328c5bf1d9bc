#!/usr/bin/env bash
# Install the Debian packages ptune builds against, when any is missing (with sudo when not root).
set -euo pipefail
packages=(libopenblas-dev libzstd-dev libsqlite3-dev pkg-config)
command -v python3 >/dev/null && python3 -m pip --version >/dev/null 2>&1 || packages+=(python3 python3-pip)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing ${missing[*]} ..." >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >&2
