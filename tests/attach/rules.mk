# tests/attach: a mobile's disk, live in a VM session (--attach; docs/
# attach.md) with the busybox base of tests/vm (its lib.sh and cache).
TAP_TESTS += $(sort $(wildcard tests/attach/*.t))
