#!/usr/bin/env bash
# Installs what skiff needs on a fresh Debian machine (as root; a sudo user is asked for the password): the container runtime
# and network tools from Debian, then the npm dependencies (which include Bun itself).
set -euo pipefail
# A sudo user runs the same line: the script takes root itself.
[ "$(id -u)" -eq 0 ] || exec "$(dirname "$0")/as-root" bash "$0" "$@"
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
packages=(podman containerd runc busybox-static iptables nftables iproute2 uidmap prometheus qemu-user-static libc6-arm64-cross libgcc-s1-arm64-cross python3 etcd-server)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi
npm ci --no-audit --no-fund
