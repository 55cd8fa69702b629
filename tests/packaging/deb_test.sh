#!/usr/bin/env bash
# The Debian packages of a build tree: builds them with cpack into a temporary
# directory and checks what an installation gets — files, owners and modes,
# conffiles, Depends, stripped binaries, the installed configuration (checked by
# the packaged checkpointd itself), and the maintainer scripts (shellcheck, and a
# run of each against stubs of adduser, install, deb-systemd-helper… that records
# what they would do). scripts/package.sh adds lintian.
#   deb_test.sh BUILD_DIR [DEB_DIR]   (DEB_DIR: check the packages already there)
# Exit 77 (skipped) without dpkg-deb.
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
command -v dpkg-deb >/dev/null || { echo "deb_test: no dpkg-deb; skipped"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "deb_test: $*"; fail=1; }

if [ -n "${2:-}" ]; then
  debs=$(cd "$2" && pwd)
else
  debs=$tmp/out
  (cd "$build" && cpack --config CPackConfig.cmake -B "$debs" >"$tmp/cpack.log" 2>&1) ||
    { cat "$tmp/cpack.log"; echo "deb_test: cpack failed"; exit 1; }
fi
shopt -s nullglob
edges=("$debs"/checkpoint-edge_*.deb) hqs=("$debs"/checkpoint-hq_*.deb)
edge=${edges[0]:-} hq=${hqs[0]:-}
[ -f "$edge" ] || { echo "deb_test: no checkpoint-edge package in $debs"; exit 1; }
[ -f "$hq" ] || { echo "deb_test: no checkpoint-hq package in $debs"; exit 1; }

check_package() {
  local deb=$1 pkg=$2
  shift 2
  local listing field
  listing=$(dpkg-deb -c "$deb")
  for f in "$@"; do
    grep -qE " \./${f#/}$" <<<"$listing" || bad "$pkg: no $f"
  done
  # Owned by root, nothing writable by group or others, no setuid/setgid file.
  awk '$2 != "root/root" { print "deb_test: '"$pkg"': owner " $2 " of " $6; exit 1 }' \
    <<<"$listing" || fail=1
  awk 'substr($1,6,1) == "w" || substr($1,9,1) == "w" || $1 ~ /[sS]/ {
         print "deb_test: '"$pkg"': mode " $1 " of " $6; exit 1 }' <<<"$listing" || fail=1
  field=$(dpkg-deb -f "$deb" Depends)
  for dep in adduser libc6 libsqlite3-0 libssl3 libsystemd0; do
    grep -qE "(^|, )$dep( |,|$)" <<<"$field" || bad "$pkg: Depends has no $dep ($field)"
  done
  # The box's package needs every runtime package of scripts/deps.sh (and dpkg-shlibdeps
  # found them all: a library linked but not listed there is missing from deps.sh).
  # HQ's package needs the packages HQ alone links (libpq), and the box's must not
  # carry them.
  local deps_set=runtime
  [ "$pkg" = checkpoint-hq ] && deps_set=runtime-hq
  for dep in $("$src/scripts/deps.sh" --print "$deps_set"); do
    grep -qE "(^|, )$dep( |,|$)" <<<"$field" || bad "$pkg: Depends has no $dep of deps.sh ($field)"
  done
  if [ "$pkg" = checkpoint-edge ]; then
    for dep in $("$src/scripts/deps.sh" --print runtime-hq); do
      if grep -qE "(^|, )$dep( |,|$)" <<<"$field"; then bad "$pkg: Depends has HQ's $dep ($field)"; fi
    done
  fi
  [ "$(dpkg-deb -f "$deb" Package)" = "$pkg" ] || bad "$pkg: wrong Package field"
  mkdir -p "$tmp/$pkg/control" "$tmp/$pkg/root"
  dpkg-deb -e "$deb" "$tmp/$pkg/control"
  dpkg-deb -x "$deb" "$tmp/$pkg/root"
  for s in postinst prerm postrm; do
    [ -x "$tmp/$pkg/control/$s" ] || bad "$pkg: no executable $s"
  done
  if command -v shellcheck >/dev/null; then
    shellcheck -s sh "$tmp/$pkg/control"/post* "$tmp/$pkg/control"/prerm || bad "$pkg: shellcheck"
  fi
  for b in "$tmp/$pkg/root"/usr/sbin/*; do
    # `file` is not needed: a stripped ELF has no .symtab section.
    if LC_ALL=C readelf -S "$b" 2>/dev/null | grep -q '\.symtab'; then bad "$pkg: $b not stripped"; fi
  done
}

check_package "$edge" checkpoint-edge /usr/sbin/checkpointd /usr/sbin/checkpoint-sync \
  /usr/sbin/checkpointctl /lib/systemd/system/checkpointd.service \
  /lib/systemd/system/checkpoint-sync.service /etc/checkpoint/checkpoint.toml \
  /lib/systemd/system/checkpoint-update-check.service \
  /lib/systemd/system/checkpoint-update-check.timer \
  /usr/share/checkpoint/rules/default.json /usr/share/checkpoint/checkpoint.example.toml \
  /usr/share/checkpoint/console/index.html /usr/share/checkpoint/console/i18n/uk.json \
  /usr/share/doc/checkpoint-edge/copyright /usr/share/doc/checkpoint-edge/changelog.gz \
  /usr/share/doc/checkpoint-edge/systemd.md /usr/share/doc/checkpoint-edge/update.md
check_package "$hq" checkpoint-hq /usr/sbin/checkpoint-hq /lib/systemd/system/checkpoint-hq.service \
  /etc/default/checkpoint-hq /usr/share/doc/checkpoint-hq/copyright
grep -qx /etc/checkpoint/checkpoint.toml "$tmp/checkpoint-edge/control/conffiles" ||
  bad "checkpoint-edge: the configuration is not a conffile"
grep -qx /etc/default/checkpoint-hq "$tmp/checkpoint-hq/control/conffiles" ||
  bad "checkpoint-hq: /etc/default/checkpoint-hq is not a conffile"
if dpkg-deb -c "$hq" | grep -q 'checkpointd'; then bad "checkpoint-hq carries checkpointd"; fi

# The installed configuration shares the data directory through group checkpoint,
# and checkpointd accepts it (its rules path as installed, pointed at the package).
etc=$tmp/checkpoint-edge/root/etc/checkpoint/checkpoint.toml
grep -qE '^group = "checkpoint"' "$etc" || bad "checkpoint.toml does not set group = \"checkpoint\""
sed "s#\"/usr/share/checkpoint/#\"$tmp/checkpoint-edge/root/usr/share/checkpoint/#" "$etc" >"$tmp/check.toml"
# CHECKPOINT_EMULATOR: qemu-user for a cross build's checkpointd.
read -ra run <<<"${CHECKPOINT_EMULATOR:-}"
if [ -x "$build/firmware/daemon/checkpointd" ] &&
  ! out=$("${run[@]}" "$build/firmware/daemon/checkpointd" --check --config "$tmp/check.toml" 2>&1); then
  bad "checkpointd --check refuses the installed configuration: $out"
fi

# The maintainer scripts against stubs: each call is recorded, nothing is changed.
stubs=$tmp/stubs
mkdir -p "$stubs"
for c in adduser install chgrp chmod deb-systemd-helper deb-systemd-invoke systemctl; do
  printf '#!/bin/sh\necho "%s $*" >>"%s"\n' "$c" "$tmp/calls" >"$stubs/$c"
  chmod +x "$stubs/$c"
done
run_script() {  # package script args...
  local pkg=$1 script=$2
  shift 2
  : >"$tmp/calls"
  PATH="$stubs:$PATH" sh -e "$tmp/$pkg/control/$script" "$@" || bad "$pkg: $script $* failed"
}
expect() {  # pattern (grep -E) that some recorded call must match
  grep -qE "$1" "$tmp/calls" || { bad "$2: no call matching '$1'"; cat "$tmp/calls"; }
}
run_script checkpoint-edge postinst configure
expect '^adduser --system .*--group .* checkpoint$' "edge postinst"
expect '^adduser --system .*--ingroup checkpoint .* checkpoint-sync$' "edge postinst"
expect '^adduser --quiet checkpoint dialout$' "edge postinst"
expect '^install -d -o checkpoint -g checkpoint -m 0770 /var/lib/checkpoint$' "edge postinst"
expect '^install -d -o checkpoint-sync -g checkpoint -m 0700 /var/lib/checkpoint/sync$' "edge postinst"
expect '^install -d -o checkpoint-sync -g checkpoint -m 0750 /var/lib/checkpoint/bundles$' "edge postinst"
expect '^chmod 0640 /etc/checkpoint/checkpoint.toml$' "edge postinst"
expect '^deb-systemd-helper enable checkpointd.service$' "edge postinst"
expect '^deb-systemd-helper enable checkpoint-sync.service$' "edge postinst"
expect '^deb-systemd-helper enable checkpoint-update-check.timer$' "edge postinst"
run_script checkpoint-edge prerm remove
run_script checkpoint-edge postrm remove
run_script checkpoint-edge postrm purge
expect '^deb-systemd-helper purge checkpointd.service checkpoint-sync.service checkpoint-update-check.timer$' "edge postrm purge"
if grep -qE '^(rm|deluser)' "$tmp/calls"; then bad "edge postrm purge removes data or users"; fi
run_script checkpoint-hq postinst configure
expect '^adduser --system .*--group .* checkpoint-hq$' "hq postinst"
expect '^install -d -o checkpoint-hq -g checkpoint-hq -m 0700 /var/lib/checkpoint-hq$' "hq postinst"
expect '^deb-systemd-helper enable checkpoint-hq.service$' "hq postinst"
run_script checkpoint-hq prerm remove
run_script checkpoint-hq postrm purge

[ $fail -eq 0 ] && echo "deb_test: $(basename "$edge") and $(basename "$hq") ok"
exit $fail
