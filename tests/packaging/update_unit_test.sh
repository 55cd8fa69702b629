#!/usr/bin/env bash
# shellcheck disable=SC2016  # the stand-ins expand $* and $STUB_RC when they run
# checkpoint-update-check.service's ExecStart as systemd runs it, with
# /usr/sbin/checkpointctl replaced by a stand-in that exits with a chosen code and
# `systemctl` by one that records its calls: a restart is asked of systemd exactly
# when the updater says so (4 rolled back, 5 a staged image installed), never
# otherwise, and the unit's exit code is the updater's. The updater's own exit codes
# are tested with the real checkpointctl (tests/update/auto_install_test.cpp).
#   update_unit_test.sh UNIT_FILE
set -euo pipefail
unit=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
line=$(sed -n 's/^ExecStart=//p' "$unit")
[ -n "$line" ] || { echo "update_unit_test: no ExecStart in $unit"; exit 1; }
# ExecStart=/bin/sh -c '<script>': the script between the first and the last quote.
script=${line#*\'}
script=${script%\'*}
[ "$script" != "$line" ] || { echo "update_unit_test: ExecStart is not /bin/sh -c '...'"; exit 1; }
grep -q '/usr/sbin/checkpointctl' <<<"$script" || { echo "update_unit_test: no checkpointctl in ExecStart"; exit 1; }
script=${script//\/usr\/sbin\/checkpointctl/$tmp/checkpointctl}
printf '#!/bin/sh\necho "checkpointctl $*" >>"%s/calls"\nexit "$STUB_RC"\n' "$tmp" >"$tmp/checkpointctl"
printf '#!/bin/sh\necho "systemctl $*" >>"%s/calls"\n' "$tmp" >"$tmp/systemctl"
chmod +x "$tmp/checkpointctl" "$tmp/systemctl"
success=$(sed -n 's/^SuccessExitStatus=//p' "$unit")
for rc in 0 1 3 4 5; do
  : >"$tmp/calls"
  got=0
  STUB_RC=$rc CHECKPOINT_UPDATE_ARGS=--grub PATH="$tmp:$PATH" /bin/sh -c "$script" || got=$?
  [ "$got" -eq "$rc" ] || { echo "update_unit_test: updater exit $rc, unit exit $got"; fail=1; }
  grep -q '^checkpointctl --config /etc/checkpoint/checkpoint.toml update --grub auto$' "$tmp/calls" ||
    { echo "update_unit_test: checkpointctl not called as expected:"; cat "$tmp/calls"; fail=1; }
  if [ "$rc" -eq 4 ] || [ "$rc" -eq 5 ]; then
    grep -qx 'systemctl --no-block reboot' "$tmp/calls" ||
      { echo "update_unit_test: exit $rc asked for no reboot"; fail=1; }
  elif grep -q '^systemctl' "$tmp/calls"; then
    echo "update_unit_test: exit $rc asked systemd for: $(grep '^systemctl' "$tmp/calls")"
    fail=1
  fi
  # 3, 4 and 5 are successes to systemd; 1 fails the unit (once: it is recorded).
  case " $success " in *" $rc "*) ok=1 ;; *) ok=0 ;; esac
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ] && [ $ok -eq 0 ]; then
    echo "update_unit_test: exit $rc is not in SuccessExitStatus ($success)"
    fail=1
  fi
  if [ "$rc" -eq 1 ] && [ $ok -eq 1 ]; then echo "update_unit_test: exit 1 counted a success"; fail=1; fi
done
# The unit runs when a trial is recorded or a firmware bundle is staged.
grep -qx 'ConditionPathExists=|/var/lib/checkpoint/bundles/firmware' "$unit" ||
  { echo "update_unit_test: the unit does not start for a staged firmware bundle"; fail=1; }
[ $fail -eq 0 ] && echo "update_unit_test: restart asked on 4 and 5 only; exit codes passed through"
exit $fail
