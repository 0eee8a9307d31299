#!/bin/bash
# Every program a person or an operator runs answers --version with its name
# and the one version of the tree (the top-level VERSION file), exit 0; kcm
# and kcmctl answer --help on stdout, say what they are, and exit 0, while a
# bad option still exits 2.
. "$(dirname "$0")/lib.sh"
v=$(head -n 1 "$ROOT/VERSION")
check "VERSION names a version" test -n "$v"
for p in display_launcher/display_launcher mobile_launcher/mobile_launcher kcm/kcm kcm/kcmctl \
	repo/kim_repo repo/kim_repo_serve scripts/make_base_vm scripts/kimberlize scripts/dekimberlize \
	scripts/display_setup scripts/make_floppy scripts/make_base_workspace scripts/kimberlize_workspace \
	scripts/dekimberlize_workspace scripts/kim_patch scripts/kim_base; do
	n=$(basename "$p")
	out=$("$ROOT/$p" --version 2>&1)
	rc=$?
	case $n in display_launcher|mobile_launcher) want="$n (Kimberley) $v, protocol ";; *) want="$n (Kimberley) $v";; esac
	is "$rc" 0 "$n --version exits 0"
	like "$out" "$want" "$n --version says '$want'"
done
out=$("$ROOT/kcm/kcm" --help 2>/dev/null)
is "$?" 0 "kcm --help exits 0"
like "$out" "Kimberley Control Manager" "... and says what kcm is, on stdout"
like "$out" "usage: kcm" "... with its usage"
"$ROOT/kcm/kcm" --no-such-option >/dev/null 2>&1
is "$?" 2 "kcm with a bad option exits 2"
out=$("$ROOT/kcm/kcmctl" --help 2>/dev/null)
is "$?" 0 "kcmctl --help exits 0"
like "$out" "usage: kcmctl" "... with its usage on stdout"
"$ROOT/kcm/kcmctl" frobnicate >/dev/null 2>&1
is "$?" 2 "kcmctl with an unknown command exits 2"
done_testing
