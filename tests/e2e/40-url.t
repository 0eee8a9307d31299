#!/usr/bin/env bash
# use_kimberlize_URL: the display fetches the patch with libcurl (http on
# loopback here, opened with --url-allow 127.0.0.1/32), with clear errors for
# 404, a refused connection, a patch that is too large, and a server that
# stalls.  Destinations outside the policy (loopback without the allow-list,
# 127.0.0.2 and ::ffff:127.0.0.2 beside an allow-list of 127.0.0.1, a
# redirect there) are refused before any connection, with the very sentence
# a closed port gets.
. "$(dirname "$0")/lib.sh"
tap_plan 22
e2e_setup
start_display --max-file-size 2 --url-timeout 3 --url-allow 127.0.0.1/32; tap_ok $? "display up"
mkdir "$W/www"
head -c 300000 /dev/urandom > "$W/www/app.patch"
head -c 3000000 /dev/urandom > "$W/www/huge.patch"
# files from www/, and /redir?URL answers 302 to URL
python3 -c '
import http.server, functools, sys
class H(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):
        if self.path.startswith("/redir?"):
            self.send_response(302)
            self.send_header("Location", self.path[7:])
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            super().do_GET()
s = http.server.HTTPServer(("127.0.0.1", 0), functools.partial(H, directory=sys.argv[1]))
print("port", s.server_port, flush=True)
s.serve_forever()
' "$W/www" > "$W/http.out" 2>&1 &
e2e_bg $!
for i in $(seq 100); do
	hport=$(sed -n 's/^port \([0-9]*\).*/\1/p' "$W/http.out" | head -n 1)
	[ -n "$hport" ] && break
	sleep 0.05
done
# a server that accepts and never answers
python3 -c '
import socket, time, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(4)
print(s.getsockname()[1], flush=True)
conns = []
while True:
    c, _ = s.accept(); conns.append(c)
' > "$W/stall.port" &
e2e_bg $!
# listeners that count connections (one line each in ADDR.seen): the
# display must not connect to them
python3 -c '
import socket, select, sys
socks = {}
for a in sys.argv[2:]:
    s = socket.socket(); s.bind((a, 0)); s.listen(16); socks[s] = a
    print(a, s.getsockname()[1], flush=True)
while True:
    for s in select.select(list(socks), [], [])[0]:
        c, _ = s.accept(); c.close()
        with open(sys.argv[1] + "/" + socks[s] + ".seen", "a") as f: f.write("x\n")
' "$W" 127.0.0.2 127.0.0.1 > "$W/count.ports" &
e2e_bg $!
for i in $(seq 100); do [ -s "$W/stall.port" ] && [ "$(wc -l < "$W/count.ports")" = 2 ] && break; sleep 0.05; done
sport=$(cat "$W/stall.port")
fport=$(sed -n 's/^127.0.0.2 //p' "$W/count.ports")
lport=$(sed -n 's/^127.0.0.1 //p' "$W/count.ports")
# a port nobody listens on
cport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# the mobile's one-line error
err() { mobile x -i "$1" demo 2>&1 | grep '^mobile_launcher:' | tail -n 1; }
seen() { cat "$W/$1.seen" 2>/dev/null | wc -l; }

make_floppy "$W/f.img"
out=$(mobile via-url -d "$W/f.img" -i "http://127.0.0.1:$hport/app.patch" demo 2>&1)
tap_is "$?" 0 "a session from a patch URL completes"
tap_is "$(mtype -i "$W/f.img" ::NOTE.TXT | tr -d '\r')" "via-url" "... and the floppy holds the note"
out=$(mobile x -i "http://127.0.0.1:$hport/nope.patch" demo 2>&1)
tap_like "not found on its server \(HTTP 404\)" "$out" "a 404 is reported as such"
tap_is "$(grep -o 'HTTP 404' <<< "$out" | wc -l)" 1 "... once: the message does not say it twice"
closed=$(err "http://127.0.0.1:$cport/app.patch")
tap_like "could not reach the patch URL's server" "$closed" "a refused connection is reported as such"
out=$(mobile x -i "http://127.0.0.1:$hport/huge.patch" demo 2>&1)
tap_like "larger than this display accepts" "$out" "a patch over the display's limit is refused"
out=$(mobile x -i "http://127.0.0.1:$sport/app.patch" demo 2>&1)
tap_like "timed out.*longer than 3 s" "$out" "a stalled server times out"

# outside the allow-list: refused before connecting, the closed port's sentence
out=$(err "http://127.0.0.2:$fport/app.patch")
tap_is "$out" "$closed" "loopback outside the allow-list: the same sentence as a closed port"
tap_is "$(seen 127.0.0.2)" 0 "... and the display never connected"
out=$(err "http://[::ffff:127.0.0.2]:$fport/app.patch")
tap_is "$out" "$closed" "an IPv4-mapped IPv6 loopback address: refused, same sentence"
tap_is "$(seen 127.0.0.2)" 0 "... and the display never connected"
out=$(err "http://127.0.0.1:$hport/redir?http://127.0.0.2:$fport/app.patch")
tap_is "$out" "$closed" "a redirect from an allowed server to a refused one: same sentence"
tap_is "$(seen 127.0.0.2)" 0 "... and the display never connected"
tap_like "refused destination 127\.0\.0\.2: loopback" "$(cat "$W/display.log")" \
	"the display's log says which destination was refused and why"
out=$(err "http://127.0.0.1:$hport/redir?http://127.0.0.1:$hport/app.patch")
tap_unlike() { if printf '%s' "$2" | grep -Eq -- "$1"; then tap_ok 1 "$3"; tap_diag "got: '$2'"; else tap_ok 0 "$3"; fi; }
tap_unlike "reach" "$out" "a redirect within the allow-list is followed"

# no allow-list: loopback is refused altogether
stop_display
start_display --max-file-size 2; tap_ok $? "display up without --url-allow"
out=$(err "http://127.0.0.1:$lport/app.patch")
tap_is "$out" "$closed" "127.0.0.1 without the allow-list: refused, same sentence"
tap_is "$(seen 127.0.0.1)" 0 "... and the display never connected"
out=$(err "http://localhost:$lport/app.patch")
tap_is "$out" "$closed" "'localhost' is refused on its resolved address"
tap_is "$(seen 127.0.0.1)" 0 "... and the display never connected"
sleep 0.2
spool_empty; tap_ok $? "no download is left in the spool"
exit $_tap_failed
