#!/bin/bash
# A newcomer's first screen: `make demo` on a machine without pkg-config (a
# fresh one: demo installs it first) evaluates the Makefile without a page
# of pkg-config errors.  The run is `make -n` with a PATH that has make and
# a shell but no pkg-config.
. "$(dirname "$0")/lib.sh"
mkdir -p "$T/bin"
for b in make sh bash cat sed; do ln -s "$(command -v $b)" "$T/bin/$b"; done
# (a make of its own, not a sub-make of `make check`; what the demo's
# recipe then runs is a make of the next level, after the install)
out=$(cd "$ROOT" && env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS PATH="$T/bin" make -n demo 2>&1 >/dev/null |
	grep -Ev '^make\[[0-9]+\]')
is "$out" "" "make demo without pkg-config: nothing on stderr before the install"
out=$(cd "$ROOT" && env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS PATH="$T/bin" make -n programs 2>&1 >/dev/null | head -n 1)
like "$out" "pkg-config" "... while a plain build without it does complain (the test can see it)"
done_testing
