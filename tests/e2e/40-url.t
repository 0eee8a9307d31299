#!/usr/bin/env bash
# use_kimberlize_URL: the display fetches the patch with libcurl (http on
# loopback here), with clear errors for 404, a refused connection, a patch
# that is too large, and a server that stalls.
. "$(dirname "$0")/lib.sh"
tap_plan 8
e2e_setup
start_display --max-file-size 2 --url-timeout 3; tap_ok $? "display up"
mkdir "$W/www"
head -c 300000 /dev/urandom > "$W/www/app.patch"
head -c 3000000 /dev/urandom > "$W/www/huge.patch"
python3 -m http.server --bind 127.0.0.1 --directory "$W/www" 0 > "$W/http.out" 2>&1 &
e2e_bg $!
for i in $(seq 100); do
	hport=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$W/http.out" | head -n 1)
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
for i in $(seq 100); do [ -s "$W/stall.port" ] && break; sleep 0.05; done
sport=$(cat "$W/stall.port")
# a port nobody listens on
cport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

make_floppy "$W/f.img"
out=$(mobile via-url -d "$W/f.img" -i "http://127.0.0.1:$hport/app.patch" demo 2>&1)
tap_is "$?" 0 "a session from a patch URL completes"
tap_is "$(mtype -i "$W/f.img" ::NOTE.TXT | tr -d '\r')" "via-url" "... and the floppy holds the note"
out=$(mobile x -i "http://127.0.0.1:$hport/nope.patch" demo 2>&1)
tap_like "not found on its server \(HTTP 404\)" "$out" "a 404 is reported as such"
out=$(mobile x -i "http://127.0.0.1:$cport/app.patch" demo 2>&1)
tap_like "could not reach the patch URL's server" "$out" "a refused connection is reported as such"
out=$(mobile x -i "http://127.0.0.1:$hport/huge.patch" demo 2>&1)
tap_like "larger than this display accepts" "$out" "a patch over the display's limit is refused"
out=$(mobile x -i "http://127.0.0.1:$sport/app.patch" demo 2>&1)
tap_like "timed out.*longer than 3 s" "$out" "a stalled server times out"
sleep 0.2
spool_empty; tap_ok $? "no download is left in the spool"
exit $_tap_failed
