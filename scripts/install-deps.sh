#!/usr/bin/env bash
# Install the Debian packages ptune builds against, when any is missing (with sudo when not root).
#   scripts/install-deps.sh          build dependencies
#   scripts/install-deps.sh --test   also Slurm and munge for the Slurm integration tests, systemd
#                                    for the unit-file checks, and zstd, passwd and util-linux (useradd,
#                                    setpriv) for the multi-user tests, and Prometheus's Python client
#                                    (the parser the metrics tests check against); these are optional: when they
#                                    cannot be installed the tests say so and skip
#   scripts/install-deps.sh --interop  also python3-venv, for the environment `make interop` makes
set -euo pipefail
packages=(libopenblas-dev libzstd-dev libsqlite3-dev pkg-config)
optional=()
[ "${1:-}" = "--test" ] && optional=(slurmctld slurmd slurm-client munge systemd zstd passwd util-linux python3-prometheus-client)
[ "${1:-}" = "--interop" ] && packages+=(python3-venv)
command -v python3 >/dev/null && python3 -m pip --version >/dev/null 2>&1 || packages+=(python3 python3-pip)

missing_of() {
    local p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
    done
}
mapfile -t missing < <(missing_of "${packages[@]}")
mapfile -t missing_optional < <(missing_of "${optional[@]}")
[ ${#missing[@]} -eq 0 ] && [ ${#missing_optional[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]} ..." >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >&2
fi
if [ ${#missing_optional[@]} -gt 0 ]; then
    echo "installing ${missing_optional[*]} (for the Slurm integration tests and the unit-file checks) ..." >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing_optional[@]}" >&2 \
        || echo "could not install ${missing_optional[*]}: the tests that need them will be skipped" >&2
fi
