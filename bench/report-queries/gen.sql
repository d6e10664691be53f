-- SPDX-License-Identifier: GPL-3.0-or-later
-- Fills an empty dmarcpilot database with @REPORTS@ aggregate reports of
-- @PER@ records each for bench.example, spread evenly over the @DAYS@ days
-- from @T0@ (UNIX seconds), from @SOURCES@ source addresses; plus, as
-- noise the domain filter must skip, a tenth as many rows for
-- other.example. @SERIES(N)@ is the dialect's row generator of 0..N-1.
INSERT INTO report (id, org_name, report_id, email, domain, date_begin,
  date_end, policy, pct, format, source, imported)
SELECT i + 1, 'org' || (i % 8), 'gen-' || i, 'noreply@example.net',
  CASE WHEN i < @REPORTS@ THEN 'bench.example' ELSE 'other.example' END,
  @T0@ + ((i % @REPORTS@) * @DAYS@ / @REPORTS@) * 86400,
  @T0@ + ((i % @REPORTS@) * @DAYS@ / @REPORTS@) * 86400 + 86399,
  'none', 100, 'rfc7489', 'gen', '2026-01-01T00:00:00Z'
FROM @SERIES(@REPORTS@ + @REPORTS@ / 10)@;
INSERT INTO report_row (id, report, source_ip, count, disposition, dkim,
  spf, reasons, arc, header_from, envelope_from, dkim_aligned, spf_aligned)
SELECT i + 1, i / @PER@ + 1,
  '198.' || (51 + (i * 7919 + i / @PER@ * 104729) % @SOURCES@ / 65536) || '.'
    || ((i * 7919 + i / @PER@ * 104729) % @SOURCES@ / 256 % 256) || '.'
    || ((i * 7919 + i / @PER@ * 104729) % @SOURCES@ % 256),
  1 + i % 37,
  CASE i % 20 WHEN 0 THEN 'quarantine' WHEN 1 THEN 'reject' ELSE 'none' END,
  CASE WHEN i % 7 < 5 THEN 'pass' ELSE 'fail' END,
  CASE WHEN i % 5 < 3 THEN 'pass' ELSE 'fail' END,
  CASE WHEN i % 50 = 0 THEN 'forwarded' END, 0,
  'bench.example',
  CASE (i * 7919 + i / @PER@ * 104729) % @SOURCES@ % 4
    WHEN 0 THEN 'bench.example' WHEN 1 THEN 'bounce.example.net'
    WHEN 2 THEN 'mail.example.org' END,
  CASE WHEN i % 7 < 5 THEN 1 ELSE 0 END,
  CASE WHEN i % 5 < 3 THEN 1 ELSE 0 END
FROM @SERIES((@REPORTS@ + @REPORTS@ / 10) * @PER@)@;
-- Each row's raw results: one DKIM signature (selector s0, s1 or s2) and
-- one SPF result.
INSERT INTO report_row_auth (row_id, kind, position, domain, selector,
  result)
SELECT i / 2 + 1, CASE WHEN i % 2 = 0 THEN 'dkim' ELSE 'spf' END, 0,
  'bench.example',
  CASE WHEN i % 2 = 0 THEN 's' || (i / 2 % 3) END,
  CASE WHEN i % 2 = 0 THEN
    CASE WHEN i / 2 % 7 < 5 THEN 'pass' ELSE 'fail' END
  ELSE CASE WHEN i / 2 % 5 < 4 THEN 'pass' ELSE 'softfail' END END
FROM @SERIES((@REPORTS@ + @REPORTS@ / 10) * @PER@ * 2)@;
