#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""SMTP servers for tests (python3-aiosmtpd): one per listed address,
each offering STARTTLS with its own certificate, or none.

    smtpd.py SERVERS.json PORT

SERVERS.json is a list of {"address", "cert", "key"}; cert and key
null for a server without STARTTLS. Listens on ADDRESS:PORT for each
until killed; accepts and drops whatever mail comes."""
import asyncio
import json
import ssl
import sys

from aiosmtpd.smtp import SMTP


class Sink:
    """Takes every message and keeps none."""

    async def handle_DATA(self, server, session, envelope):
        return "250 OK"


async def main():
    servers = json.load(open(sys.argv[1]))
    port = int(sys.argv[2])
    loop = asyncio.get_running_loop()
    for s in servers:
        ctx = None
        if s.get("cert"):
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(s["cert"], s["key"])

        def factory(ctx=ctx):
            return SMTP(Sink(), hostname="mx.test", tls_context=ctx,
                        require_starttls=False)
        await loop.create_server(factory, host=s["address"], port=port)
    await asyncio.Event().wait()


asyncio.run(main())
