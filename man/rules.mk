# man/: the man pages, made from man/*.in with the install paths filled in
# (installed by kiosk/rules.mk's install-kiosk).
MAN_PAGES := man/mobile_launcher.1 man/kimberlize.1 man/display_launcher.8 man/dekimberlize.8 \
	man/make_floppy.1 man/make_base_vm.8 man/make_base_workspace.8 man/kcm.8 man/kcmctl.1 \
	man/kim_repo.1 man/kim_repo_serve.8
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system

# Rebuilt when an install path changes (paths.stamp, top-level Makefile).
man/%: man/%.in paths.stamp
	sed -e 's|@LIBEXECDIR@|$(LIBEXECDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
	    -e 's|@DATADIR@|$(DATADIR)|g' -e 's|@SBINDIR@|$(SBINDIR)|g' \
	    -e 's|@SYSTEMDUNITDIR@|$(SYSTEMDUNITDIR)|g' $< > $@

PROGRAMS += $(MAN_PAGES)
CLEAN    += $(MAN_PAGES)
