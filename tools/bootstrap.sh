#!/usr/bin/env bash
# Installs everything Sheaf needs on a fresh machine, idempotently: Debian packages for the
# tests, npm packages, the Temporal CLI and rclone (built from their Go modules into
# ~/.cache/sheaf), then builds the workspace. What is already there at the right version is kept.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
elapsed() { printf '   (%ss)\n' "$((SECONDS - $1))"; }

step "Debian packages (samba for the SMB test share, chromium for browser tests)"
t=$SECONDS
missing=()
for pkg in samba chromium; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
if [ ${#missing[@]} -eq 0 ]; then
  echo "   already installed"
elif [ "$(id -u)" -eq 0 ] || sudo -n true 2>/dev/null; then
  # sudo -n: only when it needs no password; a prompt (or a user who may not sudo) would stop here.
  sudo_cmd=(); [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo -n)
  # Another apt at work (a machine's own unattended upgrades) holds dpkg's lock: the install
  # waits for it up to 10 minutes. Downloads are tried again up to 3 times.
  apt_get() { "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3 "$@"; }
  # `apt-get update` does not wait for the package lists' lock (DPkg::Lock::Timeout is dpkg's
  # only): while another apt holds it, wait and try again, up to 10 minutes.
  apt_update() {
    local out tries=40
    while ! out=$(apt_get update -qq 2>&1); do
      tries=$((tries - 1))
      if [ $tries -eq 0 ] || [[ $out != *"Could not get lock"* ]]; then printf '%s\n' "$out" >&2; return 1; fi
      sleep 15
    done
    [ -z "$out" ] || printf '%s\n' "$out"
  }
  # Installing samba enables and starts its smbd and nmbd services, which share on 0.0.0.0:445
  # and 139 on a real host; the tests start smbd themselves, on loopback, and need neither.
  # Stopped and disabled only when this run installed samba: one that was there is the user's.
  quiet_samba() {
    [ -d /run/systemd/system ] && command -v systemctl >/dev/null || return 0
    local unit
    for unit in smbd nmbd; do
      "${sudo_cmd[@]}" systemctl list-unit-files --no-legend "$unit.service" 2>/dev/null | grep -q . || continue
      if "${sudo_cmd[@]}" systemctl disable --now --quiet "$unit.service"; then
        echo "   stopped and disabled samba's $unit service (the tests run their own smbd on 127.0.0.1)"
      else
        echo "   could not stop samba's $unit service: it may share on this machine's network; 'sudo systemctl disable --now $unit' stops it" >&2
      fi
    done
  }
  echo "   installing: ${missing[*]}"
  # The stack itself needs neither package: a failed install is said, not fatal.
  if ! { apt_update && apt_get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }; then
    echo "   could not install ${missing[*]}: the tests that need them will fail and say so." >&2
  elif [[ " ${missing[*]} " == *" samba "* ]]; then
    quiet_samba
  fi
else
  echo "   missing ${missing[*]} and no root (nor sudo without a password): the tests that need them will fail and say so." >&2
  echo "   install with: sudo apt-get install ${missing[*]}" >&2
fi
elapsed $t

step "npm packages"
t=$SECONDS
lock_hash() { sha256sum package-lock.json | cut -d' ' -f1; }
if [ -f node_modules/.sheaf-lock-hash ] && [ "$(cat node_modules/.sheaf-lock-hash)" = "$(lock_hash)" ]; then
  echo "   up to date with package-lock.json"
else
  # Not `npm ci`: when the registry lacked some other platforms' optional binaries (e.g.
  # @swc/core-darwin-*), npm left them out of the lock file and `npm ci` called it out of sync.
  # `npm install` installs what the lock file pins either way; the lock file holds them now
  # (npm writes them where the registry has them), so a fresh clone's install leaves it as it is.
  npm install --no-audit --no-fund --loglevel=error
  # Hashed after the install, which may rewrite the lock file: a hash taken before would not
  # be the lock file's left behind, and the next bootstrap would install again.
  lock_hash > node_modules/.sheaf-lock-hash
fi
elapsed $t

step "compile TypeScript"
t=$SECONDS
npx --no-install tsc -b
elapsed $t

step "Temporal CLI and rclone"
t=$SECONDS
node tools/dist/bootstrap/install-tools.js
elapsed $t

step "workflow bundle and portal"
t=$SECONDS
npm run --silent bundle -w @sheaf/worker
node tools/dist/bootstrap/build-web.js
elapsed $t

printf '\nbootstrap done in %ss\n' "$((SECONDS - start))"
