#!/usr/bin/env bash
# The patch repository end to end against a real Apache on loopback
# (docs/repository.md): publish (atomic, immutable versions, nothing left
# by a failed publish), search as a member and a non-member, anonymous
# refusals, the signed URLs (GET and Range work anonymously; tampered,
# expired, other-file, PROPFIND and PUT refused) and the mint's refusals.
T=$(mktemp -d /tmp/kim-repo.XXXXXX)
PIDS=()
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/lib.sh"
[ -x "$KR" ] && [ -x "$ROOT/repo/kim_repo_cgi" ] || bail "build first (make)"
command -v apache2 > /dev/null || bail "apache2 is not installed (.ci/packages/repo.txt)"

repo_start --ttl-max 600 --max-body 200000
ok $? "Apache serves the repository"
B1=$(printf 'a%.0s' $(seq 64)) B2=$(printf 'b%.0s' $(seq 64))
make_patch "$T/ed.kim" editor "$B1"
make_patch "$T/ed2.kim" editor "$B1"
make_patch "$T/calc.kim" calc "$B2"
make_patch "$T/big.kim" huge "$B1" 300000
sha=$(sha256sum < "$T/ed.kim" | cut -d' ' -f1)
size=$(stat -c %s "$T/ed.kim")
L=$RD/dav/patches/lab

# --- publish
out=$(kr alice publish --version 1.0 "$RURL" lab "$T/ed.kim" 2>&1)
is "$?" 0 "a publisher publishes"
is "$out" "lab/editor-1.0.kim $sha $size" "... and is told the name, SHA-256 and size"
check "the published bytes are the patch's, under the versioned name" cmp -s "$T/ed.kim" "$L/editor-1.0.kim"
is "$(ls -A "$L/.incoming" | grep -v '^\.DAV$')" "" "... and nothing is left in .incoming"
out=$(kr alice publish --version 1.0 "$RURL" lab "$T/ed2.kim" 2>&1)
is "$?" 1 "publishing the same version again fails"
like "$out" "already published; a version is never replaced" "... with a clear refusal"
check "... and the published file is unchanged" cmp -s "$T/ed.kim" "$L/editor-1.0.kim"
# the server itself never overwrites (the race two publishers could run)
curl -s -o /dev/null -u "alice:$(cat "$T/alice.pw")" -T "$T/ed2.kim" "$RURL/patches/lab/.incoming/race"
c=$(code -u "alice:$(cat "$T/alice.pw")" -X MOVE -H "Destination: $RURL/patches/lab/editor-1.0.kim" \
	-H 'Overwrite: F' "$RURL/patches/lab/.incoming/race")
is "$c" 412 "the server refuses a MOVE over a published version (Overwrite: F)"
curl -s -o /dev/null -u "alice:$(cat "$T/alice.pw")" -X DELETE "$RURL/patches/lab/.incoming/race"
out=$(kr alice publish --version 2.0 "$RURL" lab "$T/ed2.kim" 2>&1)
is "$?" 0 "a new version is published beside the old one"
out=$(kr eve publish --version 1 "$RURL" other "$T/calc.kim" 2>&1)
is "$?" 0 "eve publishes to her group"
out=$(kr bob publish --version 9 "$RURL" lab "$T/calc.kim" 2>&1)
is "$?" 1 "a member who is not a publisher cannot publish"
like "$out" "HTTP 403" "... and is told so"
out=$(kr eve publish --version 9 "$RURL" lab "$T/calc.kim" 2>&1)
is "$?" 1 "a publisher of another group cannot publish here"
out=$(kr alice publish --version 1 "$RURL" lab "$T/big.kim" 2>&1)
is "$?" 1 "an upload the server refuses (over --max-body) fails"
is "$(ls -A "$L" | grep -v '^\.DAV$' | tr '\n' ' ')" ".incoming editor-1.0.kim editor-2.0.kim " \
	"... and leaves nothing visible: no new name, .incoming empty"
is "$(ls -A "$L/.incoming" | grep -v '^\.DAV$')" "" "... .incoming is empty"
printf 'not a patch\n' > "$T/junk"
out=$(kr alice publish --version 1 "$RURL" lab "$T/junk" 2>&1)
like "$out" "is not a Kimberley patch" "a file without a patch header is refused before any upload"
out=$(kr alice publish "$RURL" lab "$T/ed.kim" 2>&1)
like "$out" "give --version" "a patch without a version needs --version"

# --- search
out=$(kr bob search "$RURL" 2>&1)
is "$(echo "$out" | grep -c .)" 2 "a member finds the group's two versions"
is "$(echo "$out" | grep 'editor-1.0.kim')" \
	"$(printf 'editor\t1.0\t%s\t%s\tdemo\tlab\teditor-1.0.kim' "$size" "$sha")" \
	"... with app, version, size, SHA-256, base name, group and file from the properties"
out=$(kr eve search "$RURL" 2>&1)
is "$(echo "$out" | cut -f6,7 | tr '\t\n' '  ')" "other calc-1.kim " "a non-member sees only her own group"
case $out in *editor*|*lab*) ok 1 "... nothing of lab, not even names";; *) ok 0 "... nothing of lab, not even names";; esac
is "$(code -u "eve:$(cat "$T/eve.pw")" -X PROPFIND -H 'Depth: infinity' "$RURL/patches/")" 403 \
	"PROPFIND Depth: infinity above the groups is refused (the leak)"
is "$(code -u "bob:$(cat "$T/bob.pw")" -X PROPFIND -H 'Depth: 1' "$RURL/patches/")" 403 \
	"... and so is listing the groups' parent"
is "$(code -u "eve:$(cat "$T/eve.pw")" -X PROPFIND -H 'Depth: 1' "$RURL/patches/lab/")" 403 \
	"a non-member cannot list the group's folder"
is "$(code -u "bob:$(cat "$T/bob.pw")" -X PROPFIND -H 'Depth: 1' "$RURL/patches/lab/.incoming/")" 403 \
	"a member cannot list uploads in progress"
is "$(kr bob search --base "$B2" "$RURL" 2>/dev/null | wc -l)" 0 "--base of another base finds nothing"
is "$(kr bob search --base "$B2" --base "$B1" "$RURL" 2>/dev/null | wc -l)" 2 "--base of the patch's base finds it"
is "$(kr bob search --app calc "$RURL" 2>/dev/null | wc -l)" 0 "--app filters by app"

# --- anonymous
is "$(code "$RURL/patches/lab/editor-1.0.kim")" 401 "anonymous GET is refused"
is "$(code -X PROPFIND -H 'Depth: 1' "$RURL/patches/lab/")" 401 "anonymous PROPFIND is refused"
is "$(code "$RURL/api/mint?path=lab/editor-1.0.kim")" 401 "anonymous minting is refused"
is "$(code -u "bob:wrong" "$RURL/patches/lab/editor-1.0.kim")" 401 "a wrong password is refused"

# --- signed URLs
s=$(kr bob url --sha "$RURL" lab/editor-1.0.kim)
is "$?" 0 "a member gets a signed URL"
read -r surl ssha <<< "$s"
is "$ssha" "$sha" "... and the SHA-256 from the properties (--sha)"
p=$(kr bob url --pinned "$RURL" lab/editor-1.0.kim)
like "$p" "/lab/editor-1.0.kim#sha256=$sha" "--pinned prints URL#sha256=HEX (for mobile_launcher -i)"
curl -s -o "$T/got" "$surl"
check "the signed URL serves the patch's bytes to anyone (curl, no password)" cmp -s "$T/got" "$T/ed.kim"
is "$(curl -s -r 0-16 -w ' %{http_code}' "$surl")" "KIMBERLEY-PATCH 1 206" "... and a Range"
is "$(code -I "$surl")" 200 "... and HEAD"
sig=$(echo "$surl" | cut -d/ -f6)
flip=$(echo "$sig" | sed 's/^\(.\)/\1/' | tr '0-9a-f' '1-9a-f0')
is "$(code "${surl/$sig/$flip}")" 403 "a tampered signature is refused"
exp=$(echo "$surl" | cut -d/ -f5)
is "$(code "${surl/\/k\/$exp\//\/k\/$((exp + 100))\/}")" 403 "an extended expiry is refused"
is "$(code "${surl/editor-1.0.kim/editor-2.0.kim}")" 403 "the URL does not open another file"
is "$(code "${surl/lab\/editor-1.0.kim/other\/calc-1.kim}")" 403 "... nor another group's file"
is "$(code -X PROPFIND -H 'Depth: 1' "$surl")" 403 "PROPFIND with a signed URL is refused"
is "$(code -T "$T/ed2.kim" "$surl")" 403 "PUT with a signed URL is refused"
is "$(code -X DELETE "$surl")" 403 "DELETE with a signed URL is refused"
check "... and the file is unchanged" cmp -s "$T/ed.kim" "$L/editor-1.0.kim"
is "$(code "$RURL/signed/lab/editor-1.0.kim")" 403 "the signed files' path itself needs a signature"
short=$(kr bob url --ttl 1 "$RURL" lab/editor-1.0.kim)
sleep 2.2
is "$(code "$short")" 403 "an expired URL is refused"

# --- the mint
out=$(kr eve url "$RURL" lab/editor-1.0.kim 2>&1)
like "$out" "HTTP 403" "a non-member gets no signed URL"
out=$(kr bob url --ttl 601 "$RURL" lab/editor-1.0.kim 2>&1)
like "$out" "at most 600 seconds" "a TTL over the cap is refused"
out=$(kr bob url "$RURL" lab/nope.kim 2>&1)
like "$out" "HTTP 404" "a file that is not there gets no URL"
bp="bob:$(cat "$T/bob.pw")"
is "$(code -u "$bp" "$RURL/api/mint?path=lab/editor-1.0.kim&path=lab/editor-2.0.kim")" 400 "the mint refuses a repeated key"
is "$(code -u "$bp" "$RURL/api/mint?path=lab/.incoming")" 400 "... a dot file"
is "$(code -u "$bp" "$RURL/api/mint?path=lab/..%2f..%2fsecret")" 400 "... escapes"
is "$(code -u "$bp" "$RURL/api/mint?path=lab/editor-1.0.kim&x=1")" 400 "... an unknown key"
is "$(code -u "$bp" -X POST "$RURL/api/mint?path=lab/editor-1.0.kim")" 405 "... other methods than GET"
is "$(curl -s -u "$bp" "$RURL/api/groups")" "lab" "the groups answer names the user's groups only"

# --- a hostile server's answers (a crafted WebDAV server)
echo "local-secret-$RANDOM$RANDOM" > "$T/local.txt"
python3 -c '
import http.server, sys
lol = "<!ENTITY lol0 \"lol\">" + "".join(
    "<!ENTITY lol%d \"%s\">" % (i, ("&lol%d;" % (i - 1)) * 10) for i in range(1, 10))
bodies = {
    "/bomb/": "<?xml version=\"1.0\"?><!DOCTYPE D:multistatus [" + lol + "]>"
        "<D:multistatus xmlns:D=\"DAV:\"><D:response><D:href>&lol9;</D:href></D:response></D:multistatus>",
    "/xxe/": "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file://" + sys.argv[1] + "\">]>"
        "<D:multistatus xmlns:D=\"DAV:\" xmlns:K=\"urn:kimberley:patch\"><D:response>"
        "<D:href>/patches/g/a.kim</D:href><D:propstat><D:prop><K:app>&e;</K:app>"
        "<K:base>b</K:base></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>"
        "</D:response></D:multistatus>",
}
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def answer(self, code, body):
        b = body.encode()
        self.send_response(code); self.send_header("Content-Length", str(len(b))); self.end_headers()
        self.wfile.write(b)
    def do_GET(self):
        self.answer(200, self.path.split("/")[1] + "\n")   # /bomb/api/groups -> "bomb"
    def do_PROPFIND(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.answer(207, bodies.get(self.path[self.path.index("/patches") + 8:], ""))
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_port, flush=True)
s.serve_forever()
' "$T/local.txt" > "$T/evil.port" 2>"$T/evil.err" &
PIDS+=($!)
for i in $(seq 100); do [ -s "$T/evil.port" ] && break; sleep 0.05; done
EV=http://127.0.0.1:$(cat "$T/evil.port")
t0=${EPOCHREALTIME/[.,]/}
out=$(kr bob search "$EV/bomb" 2>&1)
is "$?" 1 "search refuses a server answer with an entity bomb"
like "$out" "DOCTYPE" "... saying why"
check "... at once (under 2 s)" test $(( (${EPOCHREALTIME/[.,]/} - t0) / 1000 )) -lt 2000
out=$(kr bob search "$EV/xxe" 2>&1)
is "$?" 1 "search refuses an answer with an external entity"
case $out in *"$(cat "$T/local.txt")"*) ok 1 "... and prints nothing of the local file";; *) ok 0 "... and prints nothing of the local file";; esac

# --- passwords never on the command line
out=$("$KR" search -u bob --password x "$RURL" 2>&1)
like "$out" "usage:" "there is no password option"
out=$(KIM_REPO_PASSWORD_FILE=$T/bob.pw "$KR" search -u bob "$RURL" 2>&1 < /dev/null)
is "$(echo "$out" | grep -c .)" 2 "KIM_REPO_PASSWORD_FILE is read"
if command -v script > /dev/null; then
	# without a file: asked on the terminal (a pty from script(1)), not echoed
	out=$( (sleep 1; cat "$T/bob.pw") | script -qec "$KR search -u bob $RURL" /dev/null 2>&1)
	like "$out" "password for bob:" "without a password file the password is asked on the terminal"
	is "$(echo "$out" | grep -c 'editor-')" 2 "... and used"
	case $out in *"$(cat "$T/bob.pw")"*) ok 1 "... without echo";; *) ok 0 "... without echo";; esac
fi
out=$(setsid -w "$KR" search -u bob "$RURL" 2>&1 < /dev/null)	# no terminal at all
like "$out" "no password" "without a file or a terminal it says how to give one"
done_testing
