#!/usr/bin/env python3
"""Writes the offline demo domain of `dmarcpilot --demo` (data/demo/).

Run from data/demo/ to regenerate; the output is committed, so the build
never runs this. Everything is deterministic.

The story: demo.example sends through Google Workspace, SendGrid,
Mailchimp, Salesforce and Zendesk. Its SPF record spends exactly ten DNS
lookups (the most RFC 7208 4.6.4 allows) partly on an include Mailchimp
no longer needs; Mailchimp's second DKIM selector (k3) was never
published. DMARC is at quarantine pct=25. The aggregate reports of the
last three weeks show one source nobody knows, 203.0.113.77, failing
SPF and DKIM.
"""
import datetime
import gzip
import io
import json
import os
import random
import zipfile

DOMAIN = "demo.example"
KEYS = json.load(open(os.environ.get("DEMO_KEYS", "keys.json")))
SERIAL = "2026030901"


def txt(value):
    """A TXT rdata split into quoted strings of at most 255 octets."""
    parts = [value[i:i + 255] for i in range(0, len(value), 255)]
    return " ".join('"%s"' % p for p in parts)


def dkim(key):
    return txt("v=DKIM1; k=rsa; p=" + key)


def zone(origin, body):
    head = ("$ORIGIN %s.\n$TTL 3600\n"
            "@ IN SOA ns1.%s. hostmaster.%s. %s 7200 3600 1209600 3600\n"
            % (origin, origin, origin, SERIAL))
    return head + body


ZONES = {
    "demo.example.zone": zone(DOMAIN, f"""\
; The demo domain, a rollout in progress.
@ IN NS ns1.demo.example.
@ IN NS ns2.demo.example.
ns1 IN A 192.0.2.53
ns2 IN A 198.51.100.53
@ IN A 192.0.2.10
www IN A 192.0.2.10
@ IN MX 1 smtp.google.com.
; Ten DNS lookups: _spf.google.com 4, sendgrid.net 1, servers.mcsv.net 1
; (not needed: Mailchimp aligns through DKIM), _spf.salesforce.com 2,
; mail.zendesk.com 1, mx 1.
@ IN TXT "v=spf1 include:_spf.google.com include:sendgrid.net include:servers.mcsv.net include:_spf.salesforce.com include:mail.zendesk.com mx ~all"
google._domainkey IN TXT {dkim(KEYS["google"])}
s1._domainkey IN CNAME s1.domainkey.u4815162.wl042.sendgrid.net.
s2._domainkey IN CNAME s2.domainkey.u4815162.wl042.sendgrid.net.
em4242 IN CNAME u4815162.wl042.sendgrid.net.
; Mailchimp asks for k2 and k3; k3 was never published.
k2._domainkey IN CNAME dkim2.mcsv.net.
zendesk1._domainkey IN CNAME zendesk1._domainkey.zendesk.com.
zendesk2._domainkey IN CNAME zendesk2._domainkey.zendesk.com.
_dmarc IN TXT "v=DMARC1; p=quarantine; pct=25; t=y; rua=mailto:dmarc@demo.example,mailto:demo@rua.dmarc-collector.example; adkim=r; aspf=r"
"""),
    "google.com.zone": zone("google.com", """\
; Shaped like Google's SPF tree (addresses abridged).
@ IN NS ns1.google.com.
ns1 IN A 216.239.32.10
_spf IN TXT "v=spf1 include:_netblocks.google.com include:_netblocks2.google.com include:_netblocks3.google.com ~all"
_netblocks IN TXT "v=spf1 ip4:35.190.247.0/24 ip4:64.233.160.0/19 ip4:66.102.0.0/20 ip4:66.249.80.0/20 ip4:72.14.192.0/18 ip4:74.125.0.0/16 ip4:108.177.8.0/21 ip4:173.194.0.0/16 ip4:209.85.128.0/17 ip4:216.58.192.0/19 ip4:216.239.32.0/19 ~all"
_netblocks2 IN TXT "v=spf1 ip6:2001:4860:4000::/36 ip6:2404:6800:4000::/36 ip6:2607:f8b0:4000::/36 ip6:2800:3f0:4000::/36 ip6:2a00:1450:4000::/36 ip6:2c0f:fb50:4000::/36 ~all"
_netblocks3 IN TXT "v=spf1 ip4:172.217.0.0/19 ip4:172.217.32.0/20 ip4:172.217.128.0/19 ip4:172.217.160.0/20 ip4:172.217.192.0/19 ip4:172.253.56.0/21 ip4:172.253.112.0/20 ip4:108.177.96.0/19 ip4:35.191.0.0/16 ip4:130.211.0.0/22 ~all"
smtp IN A 142.250.153.27
smtp IN AAAA 2a00:1450:4013:c16::1b
mail-sor-f41 IN A 209.85.220.41
mail-sor-f69 IN A 209.85.220.69
"""),
    "sendgrid.net.zone": zone("sendgrid.net", f"""\
; Shaped like SendGrid's records (addresses abridged).
@ IN NS ns1.sendgrid.net.
ns1 IN A 198.51.100.200
@ IN TXT "v=spf1 ip4:167.89.0.0/17 ip4:208.117.48.0/20 ip4:50.31.32.0/19 ip4:198.37.144.0/20 ip4:198.21.0.0/21 ip4:192.254.112.0/20 ip4:168.245.0.0/17 ip4:149.72.0.0/16 ip4:159.183.0.0/16 ~all"
s1.domainkey.u4815162.wl042 IN TXT {dkim(KEYS["sg1"])}
s2.domainkey.u4815162.wl042 IN TXT {dkim(KEYS["sg2"])}
u4815162.wl042 IN A 167.89.115.55
o5.ptr4242 IN A 167.89.115.55
"""),
    "mcsv.net.zone": zone("mcsv.net", f"""\
; Shaped like Mailchimp's records (addresses abridged).
@ IN NS ns1.mcsv.net.
ns1 IN A 198.51.100.201
servers IN TXT "v=spf1 ip4:205.201.128.0/20 ip4:198.2.128.0/18 ip4:148.105.8.0/21 -all"
dkim2 IN TXT {dkim(KEYS["mc2"])}
dkim3 IN TXT {dkim(KEYS["mc3"])}
mail134-12.atl221 IN A 198.2.134.12
"""),
    "salesforce.com.zone": zone("salesforce.com", """\
; Shaped like Salesforce's SPF record: one exists term, macro-expanded.
@ IN NS ns1.salesforce.com.
ns1 IN A 198.51.100.202
_spf IN TXT "v=spf1 exists:%{i}._spf.mta.salesforce.com -all"
"""),
    "zendesk.com.zone": zone("zendesk.com", f"""\
; Shaped like Zendesk's records (addresses abridged).
@ IN NS ns1.zendesk.com.
ns1 IN A 198.51.100.203
mail IN TXT "v=spf1 ip4:192.161.144.0/20 ip4:185.12.80.0/22 ip4:188.172.128.0/20 ip4:216.198.0.0/18 ~all"
zendesk1._domainkey IN TXT {dkim(KEYS["zd1"])}
zendesk2._domainkey IN TXT {dkim(KEYS["zd2"])}
out148-7.smtp IN A 192.161.148.7
"""),
    "dmarc-collector.example.zone": zone("dmarc-collector.example", """\
; An outside report collector that accepts reports for demo.example
; (RFC 7489 7.1).
@ IN NS ns1.dmarc-collector.example.
ns1 IN A 198.51.100.204
rua IN MX 10 mx.rua.dmarc-collector.example.
mx.rua IN A 198.51.100.205
demo.example._report._dmarc.rua IN TXT "v=DMARC1"
"""),
    "reverse.zone": """\
$ORIGIN in-addr.arpa.
$TTL 3600
@ IN SOA ns1.demo.example. hostmaster.demo.example. %s 7200 3600 1209600 3600
@ IN NS ns1.demo.example.
; Reverse DNS of the report sources; 203.0.113.77 has none.
41.220.85.209 IN PTR mail-sor-f41.google.com.
69.220.85.209 IN PTR mail-sor-f69.google.com.
55.115.89.167 IN PTR o5.ptr4242.sendgrid.net.
12.134.2.198 IN PTR mail134-12.atl221.mcsv.net.
7.148.161.192 IN PTR out148-7.smtp.zendesk.com.
""" % SERIAL,
}

# Sources: (ip, daily messages, dkim domain, selector, dkim result, spf
# domain, spf result, dkim aligned, spf aligned, first day)
SOURCES = [
    ("209.85.220.41", 260, DOMAIN, "google", "pass", DOMAIN, "pass"),
    ("209.85.220.69", 140, DOMAIN, "google", "pass", DOMAIN, "pass"),
    ("167.89.115.55", 230, DOMAIN, "s1", "pass", "em4242." + DOMAIN,
     "pass"),
    ("198.2.134.12", 110, DOMAIN, "k2", "pass", "mcsv.net", "pass"),
    ("192.161.148.7", 40, DOMAIN, "zendesk1", "pass", DOMAIN, "pass"),
    ("203.0.113.77", 18, None, None, None, "demo.example", "fail"),
]
UNKNOWN_FROM = datetime.date(2026, 2, 24)

REPORTERS = [
    # org, email, share, file form
    ("google.com", "noreply-dmarc-support@google.com", 0.55, "zip"),
    ("Enterprise Outlook", "dmarcreport@microsoft.com", 0.30, "xml"),
    ("Yahoo", "dmarchelp@yahooinc.com", 0.15, "gz"),
]

FIRST = datetime.date(2026, 2, 16)
INBOX_FROM = datetime.date(2026, 3, 2)
DAYS = 21


def policy(day):
    """The record published on a day, as reporters echo it."""
    if day < datetime.date(2026, 2, 23):
        return "quarantine", 10
    return "quarantine", 25


def epoch(day):
    return int(datetime.datetime(day.year, day.month, day.day,
                                 tzinfo=datetime.timezone.utc).timestamp())


def aligned(domain):
    return domain is not None and (domain == DOMAIN or
                                   domain.endswith("." + DOMAIN))


def report(rng, org, email, share, day, n):
    p, pct = policy(day)
    rows = []
    for ip, daily, dd, sel, dr, sd, sr in SOURCES:
        if ip == "203.0.113.77" and day < UNKNOWN_FROM:
            continue
        count = int(daily * share * rng.uniform(0.8, 1.2))
        if ip == "198.2.134.12" and day.weekday() in (1, 3):
            count *= 4  # campaign days
        if count == 0:
            continue
        dkim_ok = dr == "pass" and aligned(dd)
        spf_ok = sr == "pass" and aligned(sd)
        disp = "none"
        if not dkim_ok and not spf_ok:
            disp = "quarantine" if rng.random() * 100 < pct else "none"
        auth = ""
        if dd:
            auth += ("      <dkim>\n        <domain>%s</domain>\n"
                     "        <selector>%s</selector>\n"
                     "        <result>%s</result>\n      </dkim>\n"
                     % (dd, sel, dr))
        auth += ("      <spf>\n        <domain>%s</domain>\n"
                 "        <result>%s</result>\n      </spf>\n" % (sd, sr))
        rows.append(f"""  <record>
    <row>
      <source_ip>{ip}</source_ip>
      <count>{count}</count>
      <policy_evaluated>
        <disposition>{disp}</disposition>
        <dkim>{"pass" if dkim_ok else "fail"}</dkim>
        <spf>{"pass" if spf_ok else "fail"}</spf>
      </policy_evaluated>
    </row>
    <identifiers>
      <header_from>{DOMAIN}</header_from>
    </identifiers>
    <auth_results>
{auth}    </auth_results>
  </record>
""")
    rid = "%s.%d.%d" % (org.split()[0].lower(), epoch(day), n)
    return f"""<?xml version="1.0" encoding="UTF-8" ?>
<feedback>
  <report_metadata>
    <org_name>{org}</org_name>
    <email>{email}</email>
    <report_id>{rid}</report_id>
    <date_range>
      <begin>{epoch(day)}</begin>
      <end>{epoch(day) + 86399}</end>
    </date_range>
  </report_metadata>
  <policy_published>
    <domain>{DOMAIN}</domain>
    <adkim>r</adkim>
    <aspf>r</aspf>
    <p>{p}</p>
    <sp>{p}</sp>
    <pct>{pct}</pct>
  </policy_published>
{"".join(rows)}</feedback>
"""


def main():
    for name, text in ZONES.items():
        with open(name, "w") as f:
            f.write(text)
    rng = random.Random(7489)
    for sub in ("reports", "inbox"):
        os.makedirs(sub, exist_ok=True)
        for old in os.listdir(sub):
            os.remove(os.path.join(sub, old))
    for i in range(DAYS):
        day = FIRST + datetime.timedelta(days=i)
        sub = "inbox" if day >= INBOX_FROM else "reports"
        for n, (org, email, share, form) in enumerate(REPORTERS):
            xml = report(rng, org, email, share, day, n).encode()
            base = "%s!%s!%d!%d" % (org.split()[0].lower(), DOMAIN,
                                    epoch(day), epoch(day) + 86399)
            path = os.path.join(sub, base)
            if form == "zip":
                with zipfile.ZipFile(path + ".zip", "w",
                                     zipfile.ZIP_DEFLATED) as z:
                    info = zipfile.ZipInfo(base + ".xml",
                                           (day.year, day.month, day.day,
                                            0, 0, 0))
                    z.writestr(info, xml, zipfile.ZIP_DEFLATED)
            elif form == "gz":
                with open(path + ".xml.gz", "wb") as f:
                    with gzip.GzipFile(fileobj=f, mode="wb",
                                       filename="", mtime=0) as g:
                        g.write(xml)
            else:
                with open(path + ".xml", "wb") as f:
                    f.write(xml)


if __name__ == "__main__":
    main()
