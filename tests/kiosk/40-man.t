#!/bin/bash
# The man pages render without a groff warning, have the sections an
# operator looks for, and document every option the programs really take
# (read from their -h output and usage lines), so the pages cannot drift.
. "$(dirname "$0")/lib.sh"
command -v groff >/dev/null && command -v man >/dev/null || bail "groff and man are missing (apt-get install groff-base man-db)"
M=$ROOT/man
pages=(mobile_launcher.1 kimberlize.1 display_launcher.8 dekimberlize.8 make_floppy.1 make_base_vm.8
	make_base_workspace.8 kcm.8 kcmctl.1 kim_repo.1 kim_repo_serve.8)
command -v mandoc >/dev/null || bail "mandoc is missing (apt-get install mandoc)"
for p in "${pages[@]}"; do [ -f "$M/$p" ] || bail "$M/$p not built (make)"; done

for p in "${pages[@]}"; do
	w=$(groff -man -Tutf8 -ww -z "$M/$p" 2>&1)
	is "$w" "" "$p: groff -man -ww: no warning"
	MANWIDTH=80 man -l "$M/$p" >"$T/$p.txt" 2>"$T/$p.err"
	is "$?:$(cat "$T/$p.err")" "0:" "$p: man -l renders it, nothing on stderr"
	miss=
	for s in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" FILES EXAMPLES "SEE ALSO"; do
		grep -q "^$s\$" "$T/$p.txt" || miss+=" [$s]"
	done
	is "$miss" "" "$p: has NAME SYNOPSIS DESCRIPTION OPTIONS EXIT STATUS FILES EXAMPLES SEE ALSO"
	is "$(grep -c '@[A-Z]*@' "$M/$p")" 0 "$p: install paths filled in"
	is "$(mandoc -Tlint -Wwarning "$M/$p" 2>&1)" "" "$p: mandoc -Tlint: no warning (its date included)"
done

# options_in PAGE OPTION...: the options not shown in PAGE's rendering
options_missing() {
	local page=$1 o miss=
	shift
	for o in "$@"; do grep -qE -- "(^|[[ ,|])$o([] ,=|]|$)" "$T/$page.txt" || miss+=" $o"; done
	echo "$miss"
}
dl_opts=$("$ROOT/display_launcher/display_launcher" -h | grep -oE -- '(^| )-(-[a-z-]+|[a-z])' | tr -d ' ' | sort -u)
check "display_launcher -h lists options" test -n "$dl_opts"
is "$(options_missing display_launcher.8 $dl_opts)" "" "display_launcher(8) documents every option of display_launcher -h"
ml_opts=$("$ROOT/mobile_launcher/mobile_launcher" -h | grep -v 'default: "' |
	grep -oE -- '(^| |\[|<)-(-[a-z-]+|[a-z])' | tr -d ' [<' | sort -u)
check "mobile_launcher -h lists options" test -n "$ml_opts"
is "$(options_missing mobile_launcher.1 $ml_opts)" "" "mobile_launcher(1) documents every option of mobile_launcher -h"
for s in kimberlize dekimberlize make_floppy make_base_vm make_base_workspace; do
	u=$("$ROOT/scripts/$s" -h 2>&1)
	o=$(printf '%s\n' "$u" | grep -oE -- '(^|[ [|])-[a-zA-Z]' | tr -d ' [|' | sort -u)
	check "scripts/$s -h prints its usage" test -n "$o"
	sect=1; case $s in dekimberlize|make_base_vm|make_base_workspace) sect=8;; esac
	is "$(options_missing "$s.$sect" $o)" "" "$s($sect) documents every option of its usage line"
done
# kcm and kcmctl: every option of their usage is on their page
for s in kcm kcmctl; do
	o=$("$ROOT/kcm/$s" --help 2>/dev/null | grep -oE -- '(^| |\[)-(-[a-z-]+|[a-zA-Z])' | tr -d ' [' | sort -u)
	check "$s --help prints its usage" test -n "$o"
	sect=1; [ "$s" = kcm ] && sect=8
	is "$(options_missing "$s.$sect" $o)" "" "$s($sect) documents every option of its usage"
done
# and the other way round: no option in a page's OPTIONS that the program lacks
page_opts=$(sed -n '/^OPTIONS$/,/^[A-Z]/p' "$T/display_launcher.8.txt" | grep -oE -- '^ {7}-(-[a-z-]+|[a-z])|, --[a-z-]+' | sed 's/^[ ,]*//' | sort -u)
extra=
for o in $page_opts; do printf '%s\n' "$dl_opts" | grep -qx -- "$o" || extra+=" $o"; done
is "$extra" "" "display_launcher(8) documents no option the program does not have"
done_testing
