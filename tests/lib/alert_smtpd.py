#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A real SMTP submission server for tests (python3-aiosmtpd): STARTTLS
required before AUTH, AUTH PLAIN/LOGIN with one user, each message
received written to a folder.

    smtpd.py DIR CERT KEY USER PASSWORD

Listens on 127.0.0.1 and a port the system picks, and prints that port
on a line of its own once it accepts connections. Each message becomes
DIR/N.eml (written to a temporary name, then renamed), with the
envelope in DIR/N.env."""
import asyncio
import os
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult

folder, cert, key, user, password = sys.argv[1:6]
count = 0


class Handler:
    """Keeps each message in the folder."""

    async def handle_DATA(self, server, session, envelope):
        global count
        count += 1
        base = os.path.join(folder, str(count))
        with open(base + ".env.tmp", "w") as f:
            f.write("from %s\n" % envelope.mail_from)
            for r in envelope.rcpt_tos:
                f.write("to %s\n" % r)
            f.write("auth %s\n" % bool(session.authenticated))
            f.write("tls %s\n" % (session.ssl is not None))
        os.rename(base + ".env.tmp", base + ".env")
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content)
        os.rename(base + ".eml.tmp", base + ".eml")
        return "250 OK"


def authenticate(server, session, envelope, mechanism, auth_data):
    """The one user and password."""
    login = auth_data.login.decode() if isinstance(auth_data.login, bytes) \
        else auth_data.login
    secret = auth_data.password.decode() \
        if isinstance(auth_data.password, bytes) else auth_data.password
    return AuthResult(success=(login == user and secret == password))


async def main():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    loop = asyncio.get_running_loop()
    srv = await loop.create_server(
        lambda: SMTP(Handler(), hostname="smtp.test", tls_context=ctx,
                     require_starttls=True, auth_required=True,
                     auth_require_tls=True, authenticator=authenticate),
        "127.0.0.1", 0)
    print(srv.sockets[0].getsockname()[1], flush=True)
    await srv.serve_forever()

asyncio.run(main())
