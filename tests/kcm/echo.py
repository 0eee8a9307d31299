#!/usr/bin/env python3
"""tests/kcm/echo.py -- tiny TCP tools for the KCM tests (test helpers).

  echo.py serve PORTFILE [TAG [ADDR]]  listen on ADDR (127.0.0.1):0, write the port to
                              PORTFILE; each connection: send "HELLO TAG\\n" (if
                              TAG), echo every byte back, and after the client's
                              half-close send "EOF-SEEN\\n", close.
  echo.py send PORT FILE [HOST]  connect to HOST (127.0.0.1):PORT, send FILE, half-close,
                              write everything received to stdout.
  echo.py hold HOST PORT N READYFILE  open N TCP connections to HOST:PORT that
                              never send a byte (half-open clients, a port scan),
                              write N to READYFILE, keep them until killed.
"""
import os
import socket
import sys
import threading


def serve(portfile, tag=None, addr="127.0.0.1"):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, 0))
    s.listen(64)
    tmp = portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % s.getsockname()[1])
    os.rename(tmp, portfile)

    def one(c):
        with c:
            if tag:
                c.sendall(b"HELLO " + tag.encode() + b"\n")
            while True:
                b = c.recv(1 << 16)
                if not b:
                    break
                c.sendall(b)
            c.sendall(b"EOF-SEEN\n")

    while True:
        c, _ = s.accept()
        threading.Thread(target=one, args=(c,), daemon=True).start()


def send(port, path, host="127.0.0.1"):
    c = socket.create_connection((host, int(port)), timeout=60)
    out = sys.stdout.buffer
    got = []

    def reader():
        while True:
            b = c.recv(1 << 16)
            if not b:
                break
            got.append(b)

    t = threading.Thread(target=reader)
    t.start()
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 16)
            if not b:
                break
            c.sendall(b)
    c.shutdown(socket.SHUT_WR)
    t.join()
    out.write(b"".join(got))


def hold(host, port, n, readyfile):
    socks = [socket.create_connection((host, int(port)), timeout=10)
             for _ in range(int(n))]
    with open(readyfile + ".tmp", "w") as f:
        f.write("%d\n" % len(socks))
    os.rename(readyfile + ".tmp", readyfile)
    while True:
        threading.Event().wait(3600)


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(*sys.argv[2:5])
    elif sys.argv[1] == "send":
        send(*sys.argv[2:5])
    elif sys.argv[1] == "hold":
        hold(*sys.argv[2:6])
    else:
        sys.exit("usage: echo.py serve PORTFILE | send PORT FILE | hold HOST PORT N READYFILE")
