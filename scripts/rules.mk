# scripts/: the VM backend (make_base_vm, kimberlize, dekimberlize,
# display_setup, make_floppy), the patch tool and the QMP client.
VM_SCRIPTS := scripts/kim_patch
INSTALL_LIBEXEC += $(VM_SCRIPTS)
