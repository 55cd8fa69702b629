#!/usr/bin/env bash
# The packages' whole life under the real dpkg, on this machine (ADR 0012): install
# (dependencies from Debian through apt-get), upgrade to a newer version, remove,
# purge, checking after each step what the maintainer scripts and dpkg did: users
# and groups, directories with their owners and modes, the configuration as a kept
# conffile, the units enabled, masked and forgotten through deb-systemd-helper
# (which works without a running systemd), the data and the users kept on purge.
#
# It changes the machine: it runs only as root, only when asked (scripts/package.sh
# --dpkg-cycle; CI's machine is disposable), and never where a checkpoint package
# is installed already. What it made is undone at the end, whatever happened: the
# packages purged, and the users, groups and data directories it created removed
# (a real box keeps them on purge; this machine is not one).
#   dpkg_cycle.sh DEB_DIR      (the amd64 packages of scripts/package.sh)
set -euo pipefail
debs=$(cd "$1" && pwd)
[ "$(id -u)" -eq 0 ] || { echo "dpkg_cycle: must run as root (it installs the packages)"; exit 1; }
shopt -s nullglob
edges=("$debs"/checkpoint-edge_*.deb) hqs=("$debs"/checkpoint-hq_*.deb)
edge=${edges[0]:-} hq=${hqs[0]:-}
if [ ! -f "$edge" ] || [ ! -f "$hq" ]; then
  echo "dpkg_cycle: no checkpoint-edge and checkpoint-hq packages in $debs"
  exit 1
fi
for p in checkpoint-edge checkpoint-hq; do
  if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -qv 'not-installed'; then
    echo "dpkg_cycle: $p is on this machine already ($(dpkg-query -W -f='${Status}' "$p")); refusing to touch it"
    exit 1
  fi
done

start=$(date +%s)
tmp=$(mktemp -d)
fail=0
step=setup
bad() { echo "dpkg_cycle: $step: $*"; fail=1; }
export DEBIAN_FRONTEND=noninteractive
# Another apt-get on the machine: wait for its lock rather than fail.
lock=(-o DPkg::Lock::Timeout=120)

# What exists before, so that the clean-up removes only what this run made.
made_users=() made_groups=() made_dirs=()
for u in checkpoint checkpoint-sync checkpoint-hq; do getent passwd "$u" >/dev/null || made_users+=("$u"); done
for g in checkpoint checkpoint-hq; do getent group "$g" >/dev/null || made_groups+=("$g"); done
for d in /var/lib/checkpoint /var/lib/checkpoint-hq /etc/checkpoint; do [ -e "$d" ] || made_dirs+=("$d"); done
# The units' links and deb-systemd-helper's state for them (a purge that failed to
# forget them must not leave a masked unit behind).
unit_paths() {
  local u
  for u in checkpointd.service checkpoint-sync.service checkpoint-update-check.timer \
    checkpoint-hq.service; do
    echo "/etc/systemd/system/$u"
    echo "/etc/systemd/system/multi-user.target.wants/$u"
    echo "/etc/systemd/system/timers.target.wants/$u"
    echo "/var/lib/systemd/deb-systemd-helper-enabled/$u.dsh-also"
    echo "/var/lib/systemd/deb-systemd-helper-masked/$u"
  done
}
made_links=()
while read -r l; do [ -e "$l" ] || [ -L "$l" ] || made_links+=("$l"); done < <(unit_paths)
# shellcheck disable=SC2317  # called by the trap
cleanup() {
  local rc=$?
  dpkg --purge checkpoint-edge checkpoint-hq >/dev/null 2>&1 || true
  for u in "${made_users[@]}"; do userdel "$u" >/dev/null 2>&1 || true; done
  for g in "${made_groups[@]}"; do getent group "$g" >/dev/null && groupdel "$g" >/dev/null 2>&1; done
  for d in "${made_dirs[@]}"; do rm -rf "$d"; done
  for l in "${made_links[@]}"; do rm -f "$l"; done
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT

# expect_stat PATH MODE OWNER:GROUP
expect_stat() {
  local got
  if ! got=$(stat -c '%a %U:%G' "$1" 2>/dev/null); then bad "$1 is missing"; return; fi
  [ "$got" = "$2 $3" ] || bad "$1 is $got, expected $2 $3"
}
expect_user() {  # USER PRIMARY-GROUP HOME
  local entry
  entry=$(getent passwd "$1") || { bad "no user $1"; return; }
  IFS=: read -r _ _ uid gid _ home shell <<<"$entry"
  [ "$(getent group "$gid" | cut -d: -f1)" = "$2" ] || bad "user $1's primary group is not $2"
  [ "$home" = "$3" ] || bad "user $1's home is $home, not $3"
  [ "$shell" = /usr/sbin/nologin ] || bad "user $1's shell is $shell"
  [ "$uid" -lt 1000 ] || bad "user $1 is not a system user (uid $uid)"
}
expect_status() {  # PACKAGE STATUS
  local got
  got=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || echo "unknown")
  [ "$got" = "$2" ] || bad "$1's status is '$got', expected '$2'"
}
wants() {  # UNIT TARGET: the symlink deb-systemd-helper enable makes
  echo "/etc/systemd/system/$2.wants/$1"
}
edge_units=(checkpointd.service checkpoint-sync.service checkpoint-update-check.timer)
expect_enabled() {  # UNIT TARGET
  local link
  link=$(wants "$1" "$2")
  [ "$(readlink "$link" 2>/dev/null)" = "/lib/systemd/system/$1" ] || bad "$1 is not enabled ($link)"
  # systemctl answers offline, from the unit files and links, as on a booted box.
  [ "$(systemctl is-enabled "$1" 2>&1)" = enabled ] || bad "systemctl is-enabled $1: $(systemctl is-enabled "$1" 2>&1)"
}

# -- install: dependencies resolved from Debian --------------------------------------
step=install
if ! apt-get install -y -qq --no-install-recommends "${lock[@]}" "$edge" "$hq" \
  >"$tmp/install.log" 2>&1 </dev/null; then
  cat "$tmp/install.log"
  bad "apt-get install of the packages failed"
  exit 1
fi
expect_status checkpoint-edge "install ok installed"
expect_status checkpoint-hq "install ok installed"
expect_user checkpoint checkpoint /var/lib/checkpoint
expect_user checkpoint-sync checkpoint /var/lib/checkpoint/sync
expect_user checkpoint-hq checkpoint-hq /var/lib/checkpoint-hq
id -nG checkpoint | tr ' ' '\n' | grep -qx dialout || bad "checkpoint is not in dialout"
if id -nG checkpoint-sync | tr ' ' '\n' | grep -qx dialout; then bad "checkpoint-sync is in dialout"; fi
expect_stat /var/lib/checkpoint 770 checkpoint:checkpoint
expect_stat /var/lib/checkpoint/sync 700 checkpoint-sync:checkpoint
expect_stat /var/lib/checkpoint/bundles 750 checkpoint-sync:checkpoint
expect_stat /var/lib/checkpoint-hq 700 checkpoint-hq:checkpoint-hq
expect_stat /etc/checkpoint/checkpoint.toml 640 root:checkpoint
expect_stat /etc/default/checkpoint-hq 644 root:root
for b in checkpointd checkpoint-sync checkpointctl checkpoint-hq; do
  expect_stat "/usr/sbin/$b" 755 root:root
done
# The installed configuration is what the installed daemon accepts.
out=$(/usr/sbin/checkpointd --check --config /etc/checkpoint/checkpoint.toml 2>&1) ||
  bad "checkpointd --check refuses the installed configuration: $out"
for u in checkpointd.service checkpoint-sync.service; do expect_enabled "$u" multi-user.target; done
expect_enabled checkpoint-update-check.timer timers.target
expect_enabled checkpoint-hq.service multi-user.target
# The update check's unit itself is started by its timer, never enabled on its own.
[ ! -e "$(wants checkpoint-update-check.service multi-user.target)" ] ||
  bad "checkpoint-update-check.service is enabled by itself"

# -- upgrade: a newer version over the old, the administrator's changes kept ---------
step=upgrade
# A database left private (0600) by an unpackaged install, a changed conffile, and a
# unit the administrator disabled: the upgrade converts the first and keeps the rest.
install -m 0600 /dev/null /var/lib/checkpoint/checkpoint.db
echo "# changed by the administrator (dpkg_cycle)" >>/etc/checkpoint/checkpoint.toml
echo "# changed by the administrator (dpkg_cycle)" >>/etc/default/checkpoint-hq
systemctl disable --quiet checkpoint-sync.service  # offline: the links only
old=$(dpkg-deb -f "$edge" Version)
new="$old+cycle1"
for deb in "$edge" "$hq"; do
  pkg=$(dpkg-deb -f "$deb" Package)
  rm -rf "$tmp/repack"
  dpkg-deb -R "$deb" "$tmp/repack"
  sed -i "s/^Version: .*/Version: $new/" "$tmp/repack/DEBIAN/control"
  dpkg-deb -Zgzip -z1 --root-owner-group -b "$tmp/repack" "$tmp/${pkg}_${new}.deb" >/dev/null
done
# No --force-conf*: a conffile question would fail here (standard input is empty),
# and there must be none — the package's conffiles did not change, so dpkg keeps the
# administrator's without asking.
if ! dpkg -i "$tmp/checkpoint-edge_${new}.deb" "$tmp/checkpoint-hq_${new}.deb" \
  >"$tmp/upgrade.log" 2>&1 </dev/null; then
  cat "$tmp/upgrade.log"
  bad "dpkg -i of version $new over $old failed"
fi
[ "$(dpkg-query -W -f='${Version}' checkpoint-edge)" = "$new" ] || bad "checkpoint-edge is not at $new"
grep -q "changed by the administrator" /etc/checkpoint/checkpoint.toml ||
  bad "the changed /etc/checkpoint/checkpoint.toml was replaced"
grep -q "changed by the administrator" /etc/default/checkpoint-hq ||
  bad "the changed /etc/default/checkpoint-hq was replaced"
expect_stat /etc/checkpoint/checkpoint.toml 640 root:checkpoint
expect_stat /var/lib/checkpoint/checkpoint.db 660 root:checkpoint
expect_enabled checkpointd.service multi-user.target
if [ -e "$(wants checkpoint-sync.service multi-user.target)" ]; then
  bad "checkpoint-sync.service, disabled by the administrator, was enabled again"
fi

# -- remove: programs go, configuration and data stay, units masked -------------------
step=remove
echo "records not yet at HQ" >/var/lib/checkpoint/keep-me
if ! dpkg -r checkpoint-edge checkpoint-hq >"$tmp/remove.log" 2>&1 </dev/null; then
  cat "$tmp/remove.log"
  bad "dpkg -r failed"
fi
expect_status checkpoint-edge "deinstall ok config-files"
expect_status checkpoint-hq "deinstall ok config-files"
for b in checkpointd checkpoint-sync checkpointctl checkpoint-hq; do
  [ ! -e "/usr/sbin/$b" ] || bad "/usr/sbin/$b is still there"
done
[ ! -e /lib/systemd/system/checkpointd.service ] || bad "checkpointd.service is still installed"
grep -q "changed by the administrator" /etc/checkpoint/checkpoint.toml 2>/dev/null ||
  bad "the configuration did not survive dpkg -r"
[ -f /var/lib/checkpoint/keep-me ] || bad "the data directory did not survive dpkg -r"
for u in "${edge_units[@]}" checkpoint-hq.service; do
  [ "$(readlink "/etc/systemd/system/$u" 2>/dev/null)" = /dev/null ] || bad "$u is not masked"
done

# -- purge: configuration and unit state go; users and data stay (ADR 0012) ----------
step=purge
if ! dpkg --purge checkpoint-edge checkpoint-hq >"$tmp/purge.log" 2>&1 </dev/null; then
  cat "$tmp/purge.log"
  bad "dpkg --purge failed"
fi
for p in checkpoint-edge checkpoint-hq; do
  if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -qv 'not-installed'; then
    bad "$p is still known to dpkg: $(dpkg-query -W -f='${Status}' "$p")"
  fi
done
[ ! -e /etc/checkpoint/checkpoint.toml ] || bad "/etc/checkpoint/checkpoint.toml survived the purge"
[ ! -e /etc/default/checkpoint-hq ] || bad "/etc/default/checkpoint-hq survived the purge"
for u in "${edge_units[@]}" checkpoint-hq.service; do
  [ ! -L "/etc/systemd/system/$u" ] || bad "$u is still masked"
done
for link in "$(wants checkpointd.service multi-user.target)" \
  "$(wants checkpoint-sync.service multi-user.target)" \
  "$(wants checkpoint-update-check.timer timers.target)" \
  "$(wants checkpoint-hq.service multi-user.target)"; do
  [ ! -L "$link" ] || bad "$link survived the purge"
done
[ -f /var/lib/checkpoint/keep-me ] || bad "the data directory did not survive the purge"
[ -d /var/lib/checkpoint-hq ] || bad "HQ's data directory did not survive the purge"
for u in checkpoint checkpoint-sync checkpoint-hq; do
  getent passwd "$u" >/dev/null || bad "user $u was removed by the purge"
done

step=end
if [ $fail -eq 0 ]; then
  echo "dpkg_cycle: install, upgrade ($old -> $new), remove and purge of $(basename "$edge") and" \
    "$(basename "$hq") ok in $(($(date +%s) - start)) s"
fi
exit $fail
