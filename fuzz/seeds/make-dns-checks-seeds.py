#!/usr/bin/python3
"""Writes the seeds of fuzz_dns_checks: replies (2-octet length, wire
format) in the order the engines ask (FUZZ_DNS_TRACE=1 prints it)."""
import os
import struct

import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                    "fuzz_dns_checks")


def reply(name, rtype, records=(), rcode=dns.rcode.NOERROR):
    q = dns.message.make_query(name, rtype)
    r = dns.message.make_response(q)
    r.set_rcode(rcode)
    for rdtype, text in records:
        r.answer.append(dns.rrset.from_text(name, 300, "IN", rdtype, text))
    wire = r.to_wire()
    return struct.pack(">H", len(wire)) + wire


def txt(*strings):
    return " ".join('"%s"' % s for s in strings)


def seed(fname, dmarc, spf, dkim, extra=()):
    parts = [
        reply("_dmarc.mail.example.com.", "TXT", rcode=dns.rcode.NXDOMAIN),
        reply("_dmarc.example.com.", "TXT", [("TXT", dmarc)]),
        reply("_dmarc.com.", "TXT", rcode=dns.rcode.NXDOMAIN),
        reply("mail.example.com.", "A", [("A", "192.0.2.25")]),
    ]
    parts += list(extra)
    parts += [
        reply("example.com.", "TXT", [("TXT", spf)]),
        reply("example.com.", "TXT", [("TXT", spf)]),
        reply("s1._domainkey.example.com.", "TXT", [("TXT", dkim)]),
    ]
    with open(os.path.join(HERE, fname), "wb") as f:
        f.write(b"".join(parts))


seed("plain",
     txt("v=DMARC1; p=reject; rua=mailto:d@example.com"),
     txt("v=spf1 ip4:192.0.2.0/24 -all"),
     txt("v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="))
seed("nul",
     txt("v=DMARC1; p=none\\000AAAAAAAAAAAAAAAA"),
     txt("v=spf1 ip4:192.0.2.0/24\\000 -all"),
     txt("v=DKIM1; k=rsa; p=MII\\000BBBB"))
seed("split-external",
     txt("v=DMARC1; p=quarantine; ", "rua=mailto:agg@reports.test"),
     txt("v=spf1 a mx include:_spf.example.com ", "exp=exp.example.com -all"),
     txt("v=DKIM1; t=y; ", "p="),
     extra=[reply("example.com._report._dmarc.reports.test.", "TXT",
                  [("TXT", txt("v=DMARC1"))])])
