#!/usr/bin/env bash
# The base VM that make_base_vm builds and the patch kimberlize makes from it.
. "$(dirname "$0")/lib.sh"
tap_plan 9
vm_setup
vm_cache; tap_ok $? "make_base_vm and kimberlize -n succeed (or the cache holds their output)"
base=$CACHE/vms/b1
. "$S/vm_lib.sh"
tap_is "$(vm_info "$base" kind)" vm "base.info: kind=vm"
tap_is "$(vm_info "$base" identity)" "$(vm_identity "$base")" "base.info's identity is the hash of the base's files"
tap_is "$(vm_info "$base" machine) $(vm_info "$base" qemu-version)" "pc-i440fx-7.2 $(vm_qemu_version)" "machine type and QEMU version recorded"
tap_is "$(find "$base" -type f -perm /222 | wc -l)" 0 "the base's files are read-only"
tap_is "$("$S/kim_patch" get "$CACHE/demo.kim" base)" "$(vm_info "$base" identity)" "the patch's header names the base"
tap_ok "$([ "$("$S/kim_patch" get "$CACHE/other.kim" base)" != "$(vm_info "$base" identity)" ]; echo $?)" \
	"a base built again has another identity"
sz=$(stat -c %s "$CACHE/demo.kim")
tap_ok "$([ "$sz" -lt 2000000 ]; echo $?)" "the demo app's patch is small ($sz bytes)"
tap_diag "$(cat "$CACHE/kimberlize.out")"
out=$("$S/kimberlize" -n -v "$CACHE/vms" -i "$ROOT/tests/vm/demo_app" -o "$W/x.kim" nosuch demo 2>&1)
tap_like "no base VM 'nosuch'" "$out" "kimberlize refuses an unknown base"
exit $_tap_failed
