#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# Signs test messages with dkimpy (Debian's python3-dkim), an independent
# DKIM implementation, for tests/test_mail_dkim.c. Usage: dkimpy-sign.py DIR
#
# Writes into DIR: zone.txt (the key records, relative to example.test),
# NAME.eml for each case, and expect.txt with one line per case:
# "NAME RESULT..." where each RESULT is what dkimpy itself says when it
# verifies a signature of the message against the same records (pass or
# fail), as a second opinion beside the test's own expectations; and
# arc-expect.txt, "NAME CV" with dkimpy's ARC chain verdict for the
# messages forwarded through ARC-sealing hops (arc-*.eml); and
# timed-expect.txt, "NAME NOW VERDICT" with dkimpy's verdict on the
# signatures with a chosen t= and x= (timed-*.eml) at a chosen clock.
import base64
import os
import subprocess
import sys
from unittest import mock

import dkim
import nacl.signing

DOMAIN = b"example.test"

MESSAGE = (b"From: Alice Example <alice@example.test>\r\n"
           b"To: bob@receiver.test\r\n"
           b"Subject:  Quarterly   numbers \r\n"
           b"Date: Fri, 04 Dec 2026 10:00:00 +0000\r\n"
           b"Message-ID: <q4.1@example.test>\r\n"
           b"List-Unsubscribe: <https://example.test/u/1>\r\n"
           b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
           b"\r\n"
           b"Hello Bob,  \r\n"
           b"\r\n"
           b"the numbers\tare in.\r\n"
           b"\r\n"
           b"\r\n")


def rsa_key(outdir, name, bits):
    """An RSA key made by openssl; returns (PEM, p= value)."""
    path = os.path.join(outdir, name + ".pem")
    subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                    "rsa_keygen_bits:%d" % bits, "-out", path],
                   check=True, capture_output=True)
    der = subprocess.run(["openssl", "pkey", "-in", path, "-pubout",
                          "-outform", "DER"], check=True,
                         capture_output=True).stdout
    with open(path, "rb") as f:
        pem = f.read()
    return pem, base64.b64encode(der)


def ed_key():
    """An Ed25519 key in dkimpy's form (base64 seed) and its p= value."""
    sk = nacl.signing.SigningKey.generate()
    return (base64.b64encode(bytes(sk)),
            base64.b64encode(bytes(sk.verify_key)))


def der(tag, body):
    """One DER element."""
    n = len(body)
    if n < 128:
        return bytes([tag, n]) + body
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size + body


def der_int(v):
    b = v.to_bytes((v.bit_length() + 8) // 8, "big")
    return der(0x02, b)


def huge_key(bits):
    """The p= of an RSA public key of the given size (an odd modulus;
    never used to sign), for the hostile case of a key too large."""
    n = (1 << (bits - 1)) | int.from_bytes(os.urandom(bits // 8), "big") | 1
    n &= (1 << bits) - 1
    rsa = der(0x30, der_int(n) + der_int(65537))
    alg = der(0x30, der(0x06, bytes.fromhex("2a864886f70d010101")) +
              b"\x05\x00")
    return base64.b64encode(der(0x30, alg + der(0x03, b"\x00" + rsa)))


# 2026-12-04 10:00 UTC: the signing time of the timed cases.
T0 = 1796378400


def sign_timed(msg, sel, key, t, x):
    """What dkim.sign does, with t= and x= chosen (dkimpy's sign()
    takes the clock and never writes x=): dkimpy's own canonicalization,
    body hash and gen_header() make the signature."""
    d = dkim.DKIM(msg)
    pk = dkim.parse_pem_private_key(key)
    canon = dkim.CanonicalizationPolicy.from_c_value(b"relaxed/relaxed")
    heads = (b"from", b"to", b"subject", b"date", b"message-id")
    d.signature_algorithm = b"rsa-sha256"
    d.hasher = dkim.HASH_ALGORITHMS[d.signature_algorithm]
    h = d.hasher()
    h.update(canon.canonicalize_body(d.body))
    fields = [(b"v", b"1"), (b"a", b"rsa-sha256"),
              (b"c", canon.to_c_value()), (b"d", DOMAIN),
              (b"i", b"@" + DOMAIN), (b"q", b"dns/txt"), (b"s", sel),
              (b"t", str(t).encode())]
    if x is not None:
        fields.append((b"x", str(x).encode()))
    fields += [(b"h", b" : ".join(heads)),
               (b"bh", base64.b64encode(h.digest())), (b"b", b"0" * 60)]
    d.include_headers = heads
    res = d.gen_header(fields, heads, canon, b"DKIM-Signature", pk)
    return b"DKIM-Signature: " + res + msg


def timed_cases(outdir, key, dnsfunc):
    """A signature valid for a day (x=), and one dated a month ahead
    (t=), each judged by dkimpy at clocks before and after."""
    cases = {
        "timed-expiring": (sign_timed(MESSAGE, b"rsa", key, T0,
                                      T0 + 86400),
                           [T0 + 7200, T0 + 3 * 86400]),
        "timed-future": (sign_timed(MESSAGE, b"rsa", key, T0 + 28 * 86400,
                                    None),
                         [T0 + 7200, T0 + 29 * 86400]),
    }
    with open(os.path.join(outdir, "timed-expect.txt"), "w") as expect:
        for name, (msg, clocks) in cases.items():
            with open(os.path.join(outdir, name + ".eml"), "wb") as f:
                f.write(msg)
            for now in clocks:
                with mock.patch("time.time", return_value=float(now)):
                    try:
                        ok = dkim.DKIM(msg).verify(dnsfunc=dnsfunc)
                    except dkim.DKIMException:
                        ok = False
                expect.write("%s %d %s\n" % (name, now,
                                             "pass" if ok else "fail"))


def txt(value):
    """A TXT RDATA of <= 255-octet strings."""
    parts = [value[i:i + 200] for i in range(0, len(value), 200)]
    return "( " + " ".join('"%s"' % p.decode() for p in parts) + " )"


def main():
    outdir = sys.argv[1]
    records = {}
    rsa_pem, rsa_p = rsa_key(outdir, "rsa", 2048)
    ed_priv, ed_p = ed_key()
    small_pem, small_p = rsa_key(outdir, "small", 768)
    records[b"rsa"] = b"v=DKIM1; k=rsa; p=" + rsa_p
    records[b"ed"] = b"v=DKIM1; k=ed25519; p=" + ed_p
    records[b"small"] = b"v=DKIM1; k=rsa; p=" + small_p
    records[b"gone"] = b"v=DKIM1; k=rsa; p="
    records[b"huge"] = b"v=DKIM1; k=rsa; p=" + huge_key(16384)

    # ARC sealers at two forwarding hops, with the same RSA key.
    records[b"arc._domainkey.hop1"] = records[b"rsa"]
    records[b"arc._domainkey.hop2"] = records[b"rsa"]

    def dnsfunc(name, timeout=5):
        name = name.rstrip(b".")
        if name in (b"rsa._domainkey.psd.test", b"rsa._domainkey.org.test"):
            return records[b"rsa"]
        if not name.endswith(b"." + DOMAIN):
            return None
        owner = name[:-len(DOMAIN) - 1]
        if owner.endswith(b"._domainkey") and \
                owner.count(b".") == 1:
            owner = owner.split(b".")[0]
        return records.get(owner)

    def sign(msg, sel, key, **kw):
        return dkim.sign(msg, sel, DOMAIN, key,
                         include_headers=kw.pop("include_headers",
                                                [b"from", b"to", b"subject",
                                                 b"date", b"message-id"]),
                         **kw) + msg

    cases = {}
    cases["relaxed"] = sign(MESSAGE, b"rsa", rsa_pem,
                            canonicalize=(b"relaxed", b"relaxed"))
    cases["simple"] = sign(MESSAGE, b"rsa", rsa_pem,
                           canonicalize=(b"simple", b"simple"))
    cases["relaxed-simple"] = sign(MESSAGE, b"rsa", rsa_pem,
                                   canonicalize=(b"relaxed", b"simple"))
    # l=: a list footer added after signing stays outside the hash.
    cases["length"] = sign(MESSAGE, b"rsa", rsa_pem, length=True,
                           canonicalize=(b"relaxed", b"relaxed")) + \
        b"-- \r\nlist footer\r\n"
    cases["ed25519"] = sign(MESSAGE, b"ed", ed_priv,
                            signature_algorithm=b"ed25519-sha256",
                            canonicalize=(b"relaxed", b"relaxed"))
    both = sign(MESSAGE, b"ed", ed_priv,
                signature_algorithm=b"ed25519-sha256",
                canonicalize=(b"relaxed", b"relaxed"))
    cases["two"] = sign(both, b"rsa", rsa_pem,
                        canonicalize=(b"relaxed", b"relaxed"))
    cases["sha1"] = sign(MESSAGE, b"rsa", rsa_pem,
                         signature_algorithm=b"rsa-sha1",
                         canonicalize=(b"relaxed", b"relaxed"))
    good = cases["relaxed"]
    cases["tampered-body"] = good.replace(b"are in.", b"are out.")
    cases["tampered-header"] = good.replace(b"Quarterly", b"Yearly")
    # Over-signed From (h= names it twice): a second From added later
    # breaks the signature.
    over = sign(MESSAGE, b"rsa", rsa_pem,
                canonicalize=(b"relaxed", b"relaxed"),
                include_headers=[b"from", b"from", b"to", b"subject",
                                 b"date", b"message-id",
                                 b"list-unsubscribe",
                                 b"list-unsubscribe-post"])
    cases["oversigned"] = over
    cases["oversigned-added"] = over.replace(
        b"From: Alice", b"From: Mallory <m@evil.test>\r\nFrom: Alice", 1)
    cases["revoked"] = good.replace(b"s=rsa;", b"s=gone;")
    cases["no-key"] = good.replace(b"s=rsa;", b"s=nosuch;")
    cases["small-key"] = sign(MESSAGE, b"small", small_pem,
                              canonicalize=(b"relaxed", b"relaxed"))
    cases["huge-key"] = good.replace(b"s=rsa;", b"s=huge;")
    cases["unix-lines"] = good.replace(b"\r\n", b"\n")
    # From a subdomain, signed by its parent psd.test (same RSA key,
    # served at rsa._domainkey.psd.test): whether they align depends on
    # which organizational domain the receiver finds.
    for parent in (b"psd.test", b"org.test"):
        sub = MESSAGE.replace(b"alice@example.test",
                              b"alice@shop." + parent)
        cases[parent.split(b".")[0].decode()] = dkim.sign(
            sub, b"rsa", parent, rsa_pem,
            canonicalize=(b"relaxed", b"relaxed"),
            include_headers=[b"from", b"to", b"subject", b"date",
                             b"message-id"]) + sub

    with open(os.path.join(outdir, "expect.txt"), "w") as expect:
        for name, msg in cases.items():
            with open(os.path.join(outdir, name + ".eml"), "wb") as f:
                f.write(msg)
            d = dkim.DKIM(msg.replace(b"\n", b"\r\n")
                          if name == "unix-lines" else msg,
                          minkey=1024)
            sigs = msg.count(b"DKIM-Signature:")
            verdicts = []
            for i in range(max(sigs, 1)):
                try:
                    ok = d.verify(idx=i, dnsfunc=dnsfunc)
                except dkim.DKIMException:
                    ok = False
                verdicts.append("pass" if ok else "fail")
            expect.write("%s %s\n" % (name, " ".join(verdicts)))
    arc_cases(outdir, cases["relaxed"], rsa_pem, dnsfunc)
    timed_cases(outdir, rsa_pem, dnsfunc)
    with open(os.path.join(outdir, "zone.txt"), "w") as zone:
        for sel, value in records.items():
            owner = sel.decode()
            if "." not in owner:
                owner += "._domainkey"
            zone.write("%s IN TXT %s\n" % (owner, txt(value)))


def arc_cases(outdir, signed, key, dnsfunc):
    """A message forwarded through hop1 and then hop2, a mailing list
    that adds a footer, each sealing an ARC set with dkimpy's arc_sign;
    and the same chain broken in two ways."""
    def seal(msg, hop):
        sets = dkim.arc_sign(msg, b"arc", hop + b"." + DOMAIN, key,
                             hop + b"." + DOMAIN)
        return b"".join(sets) + msg

    arc1 = seal(b"Authentication-Results: hop1.example.test; "
                b"dkim=pass header.d=example.test\r\n" + signed, b"hop1")
    arc2 = seal(b"Authentication-Results: hop2.example.test; arc=pass; "
                b"dkim=fail header.d=example.test\r\n" + arc1 +
                b"-- \r\nlist footer\r\n", b"hop2")
    cases = {
        "arc-one": arc1,
        "arc-two": arc2,
        # Changed after the last hop sealed it.
        "arc-changed": arc2 + b"added later\r\n",
        # The first hop's results rewritten: the seals no longer hold.
        "arc-tampered": arc2.replace(
            b"i=1; hop1.example.test; dkim=pass",
            b"i=1; hop1.example.test; dkim=fail", 1),
    }
    with open(os.path.join(outdir, "arc-expect.txt"), "w") as expect:
        for name, msg in cases.items():
            with open(os.path.join(outdir, name + ".eml"), "wb") as f:
                f.write(msg)
            cv, _, _ = dkim.arc_verify(msg, dnsfunc=dnsfunc)
            expect.write("%s %s\n" % (name, cv.decode()))


if __name__ == "__main__":
    main()
