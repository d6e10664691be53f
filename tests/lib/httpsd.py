#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A small HTTPS server for tests: serves one file per host name, each
host with its own certificate chosen by SNI.

    httpsd.py SITES.json PORT

SITES.json is a list of {"host", "cert", "key", "path", "body",
"content_type", "status"}. Listens on 127.0.0.1:PORT until killed."""
import http.server
import json
import ssl
import sys

sites = json.load(open(sys.argv[1]))
port = int(sys.argv[2])
by_host = {s["host"]: s for s in sites}
contexts = {}
for s in sites:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(s["cert"], s["key"])
    contexts[s["host"]] = ctx
default = contexts[sites[0]["host"]]


def pick(sock, name, ctx):
    """Answers each name with its own certificate."""
    if name in contexts:
        sock.context = contexts[name]


default.sni_callback = pick


class Handler(http.server.BaseHTTPRequestHandler):
    """GET of the host's one path; 404 otherwise."""

    def do_GET(self):
        host = (self.headers.get("Host") or "").split(":")[0].lower()
        site = by_host.get(host)
        if not site or self.path != site["path"]:
            self.send_error(404)
            return
        body = site["body"].encode("utf-8", "surrogateescape")
        self.send_response(site.get("status", 200))
        self.send_header("Content-Type", site["content_type"])
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    """Handshakes in the handler's thread, so a client that refuses the
    certificate stalls nobody."""

    def get_request(self):
        sock, addr = self.socket.accept()
        return default.wrap_socket(sock, server_side=True,
                                   do_handshake_on_connect=False), addr

    def finish_request(self, request, client_address):
        try:
            request.do_handshake()
        except (ssl.SSLError, OSError):
            return
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address):
        pass


Server(("127.0.0.1", port), Handler).serve_forever()
