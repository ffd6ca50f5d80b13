#!/usr/bin/env bash
# Installs, with apt-get, whatever this project needs that the machine lacks
# (Debian 12). Idempotent: installs nothing when everything is there.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git python3
  clang clang-tidy clang-format libclang-rt-14-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev libabsl-dev
  valgrind gnuplot-nox spin relacy-dev llvm-14
  libboost-dev libtbb-dev libconcurrentqueue-dev libck-dev
  redis-tools redis-server python3-redis libsqlite3-dev libasio-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
      grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"

# redis-server is installed for its binary only (scripts/loadtest.sh starts
# its own on port 7390, the reference): the service Debian starts on port
# 6379, where systemd runs, is stopped and disabled.
if [[ " ${missing[*]} " == *" redis-server "* ]] &&
    command -v systemctl >/dev/null &&
    systemctl is-active --quiet redis-server 2>/dev/null; then
  "${sudo[@]}" systemctl disable --now redis-server
fi
