#!/usr/bin/env bash
# A publish interrupted in the middle of its upload (SIGTERM, as Ctrl-C or
# a logout would) leaves nothing visible: no published name, nothing in
# .incoming; and a publish that loses the race for its version to another
# one (the name appears while it uploads) is refused at the MOVE, without
# overwriting the other, and removes its upload (docs/repository.md,
# "Publish").
T=$(mktemp -d /tmp/kim-repo.XXXXXX)
PIDS=()
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/lib.sh"
[ -x "$KR" ] || bail "build first (make)"
command -v apache2 > /dev/null || bail "apache2 is not installed (.ci/packages/repo.txt)"
repo_start; ok $? "Apache serves the repository"
L=$RD/dav/patches/lab
make_patch "$T/p.kim" big "$(printf 'a%.0s' $(seq 64))" 100
truncate -s 800M "$T/p.kim"	# sparse: a long upload, little disk
"$KR" publish -u alice --password-file "$T/alice.pw" --version 1 "$RURL" lab "$T/p.kim" > "$T/out" 2>&1 &
p=$!
# Apache writes the body to a temporary file beside the target
for i in $(seq 600); do
	[ -n "$(ls -A "$L/.incoming" | grep -v '^\.DAV$')" ] && break
	sleep 0.02
done
check "the upload is under way" test -n "$(ls -A "$L/.incoming" | grep -v '^\.DAV$')"
kill -TERM "$p"
wait "$p"
is "$?" 1 "the interrupted publish fails"
like "$(cat "$T/out")" "interrupted" "... and says so"
sleep 0.5
is "$(ls -A "$L" | grep -v '^\.DAV$' | tr '\n' ' ')" ".incoming " "no published name"
is "$(ls -A "$L/.incoming" | grep -v '^\.DAV$')" "" "nothing left in .incoming"
is "$(kr bob search "$RURL" 2>/dev/null)" "" "a member's search finds nothing"

# the race: the version appears while this publish uploads
"$KR" publish -u alice --password-file "$T/alice.pw" --version 2 "$RURL" lab "$T/p.kim" > "$T/out" 2>&1 &
p=$!
for i in $(seq 600); do
	[ -n "$(ls -A "$L/.incoming" | grep -v '^\.DAV$')" ] && break
	sleep 0.02
done
echo "the other publisher's bytes" > "$T/other.kim"
is "$(code -u "alice:$(cat "$T/alice.pw")" -T "$T/other.kim" "$RURL/patches/lab/big-2.kim")" 201 \
	"another upload takes the name big-2.kim while the publish is under way"
wait "$p"
is "$?" 1 "the publish that lost the race fails"
like "$(cat "$T/out")" "already published" "... saying the version exists"
check "... the other upload is not overwritten" cmp -s "$T/other.kim" "$L/big-2.kim"
is "$(ls -A "$L/.incoming" | grep -v '^\.DAV$')" "" "... and its own upload is removed"
done_testing
