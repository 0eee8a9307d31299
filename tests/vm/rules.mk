# tests/vm: the VM backend (make_base_vm, kimberlize, display_setup,
# dekimberlize) with QEMU, Xvfb, x11vnc and vncgrab; needs scripts/kim_qmp,
# tests/tools/vncgrab and both launchers built.
TAP_TESTS += $(sort $(wildcard tests/vm/*.t))
CLEAN += -r tests/vm/.cache
