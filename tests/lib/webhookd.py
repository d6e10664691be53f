#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A small HTTP server for tests that records the bodies POSTed to it.

    webhookd.py DIR

Listens on 127.0.0.1 and a port the system picks, and prints that port
on a line of its own once it accepts connections. Each POST is answered
with the status in DIR/status (200 when absent) and its body written to
DIR/N.json (temporary name, then renamed), with that status in
DIR/N.status."""
import http.server
import os
import sys

folder = sys.argv[1]
count = 0


class Handler(http.server.BaseHTTPRequestHandler):
    """Records each POST."""

    def do_POST(self):
        global count
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        try:
            status = int(open(os.path.join(folder, "status")).read())
        except (OSError, ValueError):
            status = 200
        count += 1
        base = os.path.join(folder, str(count))
        with open(base + ".status", "w") as f:
            f.write("%d %s\n" % (status, self.headers.get("Content-Type")))
        with open(base + ".json.tmp", "wb") as f:
            f.write(body)
        os.rename(base + ".json.tmp", base + ".json")
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format, *args):
        """Quiet."""


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
