# tests/desktop: the Debian desktop base (make_base_vm -t desktop) and real
# apps installed by kimberlize -p (AbiWord), end to end through both
# launchers.  Not part of `make check` (the first run builds a base from the
# network and takes minutes): `make check-desktop`, which .ci/run also runs.
DESKTOP_TESTS := $(sort $(wildcard tests/desktop/*.t))
CLEAN += -r tests/desktop/.cache

check-desktop: all
	prove -v $(DESKTOP_TESTS)
.PHONY: check-desktop
