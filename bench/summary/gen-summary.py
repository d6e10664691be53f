#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# Writes a deterministic corpus for the summary benchmark: REPORTS
# aggregate reports (default 2000) for bench.example over the 112 days
# before 2026-11-30, ROWS records each (default 250), from SOURCES
# source addresses (default 1500) of which a few send most of the mail.
# Usage: gen-summary.py OUTDIR [REPORTS] [ROWS] [SOURCES]
import os
import random
import sys

DAY = 86400
END = 1796083200  # 2026-11-30T00:00:00Z, the benchmark's --now
DAYS = 112


def source(i):
    """The i-th source address: IPv4 spread over a few /16s, some IPv6."""
    if i % 10 == 9:
        return "2001:db8:%x::%x" % (i // 256, i % 256 + 1)
    return "198.%d.%d.%d" % (18 + i % 2, (i // 250) % 256, i % 250 + 1)


def main():
    out = sys.argv[1]
    reports = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    rows = int(sys.argv[3]) if len(sys.argv) > 3 else 250
    sources = int(sys.argv[4]) if len(sys.argv) > 4 else 1500
    rnd = random.Random(24)
    os.makedirs(out, exist_ok=True)
    orgs = ["google.com", "Yahoo", "Outlook.com", "GMX", "web.de",
            "comcast.net", "Mail.Ru", "FastMail Pty Ltd"]
    envelopes = ["bench.example", "bounce.bench.example",
                 "mailer.example.net", "bench.example"]
    # A Zipf-like weight: source 0 sends most, the tail a little each.
    weights = [1.0 / (1 + i) ** 0.8 for i in range(sources)]
    total = 0
    for n in range(reports):
        begin = END - DAYS * DAY + (n * DAYS // reports) * DAY
        parts = ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feedback>"
                 "<report_metadata><org_name>%s</org_name>"
                 "<email>dmarc@example.net</email>"
                 "<report_id>sum-%d</report_id><date_range>"
                 "<begin>%d</begin><end>%d</end></date_range>"
                 "</report_metadata><policy_published>"
                 "<domain>bench.example</domain><adkim>r</adkim>"
                 "<aspf>r</aspf><p>quarantine</p><pct>100</pct>"
                 "</policy_published>\n"
                 % (orgs[n % len(orgs)], n, begin, begin + DAY - 1)]
        picks = rnd.choices(range(sources), weights, k=rows)
        for i in picks:
            r = rnd.random()
            dkim = "pass" if (i % 7 and r < 0.9) else "fail"
            spf = "pass" if (i % 5 and r > 0.05) else "fail"
            ok = dkim == "pass" or spf == "pass"
            disp = "none" if ok else ("quarantine" if r < 0.8 else "reject")
            reason = ("<reason><type>forwarded</type></reason>"
                      if not ok and i % 11 == 0 else "")
            env = envelopes[(i + n) % len(envelopes)]
            parts.append(
                "<record><row><source_ip>%s</source_ip><count>%d</count>"
                "<policy_evaluated><disposition>%s</disposition>"
                "<dkim>%s</dkim><spf>%s</spf>%s</policy_evaluated></row>"
                "<identifiers><envelope_from>%s</envelope_from>"
                "<header_from>bench.example</header_from></identifiers>"
                "<auth_results><dkim><domain>bench.example</domain>"
                "<selector>s1</selector><result>%s</result></dkim>"
                "<spf><domain>%s</domain><result>%s</result></spf>"
                "</auth_results></record>\n"
                % (source(i), 1 + rnd.randrange(20), disp, dkim, spf,
                   reason, env, dkim, env, spf))
        parts.append("</feedback>\n")
        data = "".join(parts).encode()
        total += len(data)
        with open(os.path.join(out, "report-%05d.xml" % n), "wb") as f:
            f.write(data)
    with open(os.path.join(out, "BYTES"), "w") as f:
        f.write("%d\n" % total)
    print("%d reports, %d rows, %d bytes of XML in %s"
          % (reports, reports * rows, total, out))


main()
