-- A database as dmarcpilot 0.1.0 (schema version 1) wrote it: made by the
-- release's own commands (domain add, sender add, spf build --flatten,
-- step, dkim keygen, domain set, sender disown, report import) against
-- offline zones, then dumped with sqlite3 .dump. tests/test_store.c
-- upgrades it and checks that every row is kept.
PRAGMA user_version = 1;
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE domain ( id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE, created TEXT NOT NULL);
INSERT INTO domain VALUES(1,'demo.example','2026-03-02');
INSERT INTO domain VALUES(2,'other.example','2026-03-02');
CREATE TABLE sender ( id INTEGER PRIMARY KEY, domain_id INTEGER NOT NULL REFERENCES domain(id) ON DELETE CASCADE, kind TEXT NOT NULL CHECK (kind IN  ('provider','ip4','ip6','a','mx','include')), value TEXT NOT NULL, note TEXT, created TEXT NOT NULL, UNIQUE (domain_id, kind, value));
INSERT INTO sender VALUES(1,1,'provider','google-workspace',NULL,'2026-03-02');
INSERT INTO sender VALUES(2,1,'provider','sendgrid',NULL,'2026-03-02');
INSERT INTO sender VALUES(3,1,'provider','salesforce',NULL,'2026-03-02');
INSERT INTO sender VALUES(4,1,'include','big.fx.example',NULL,'2026-03-02');
INSERT INTO sender VALUES(5,1,'include','mid.fx.example',NULL,'2026-03-02');
CREATE TABLE dkim_key ( id INTEGER PRIMARY KEY, domain_id INTEGER NOT NULL REFERENCES domain(id) ON DELETE CASCADE, selector TEXT NOT NULL, algorithm TEXT NOT NULL, bits INTEGER, key_path TEXT, provider TEXT, created TEXT NOT NULL, published TEXT, retired TEXT, UNIQUE (domain_id, selector));
INSERT INTO dkim_key VALUES(1,1,'s2026','ed25519',256,'/tmp/fx/keys/s2026.private',NULL,'2026-03-02',NULL,NULL);
CREATE TABLE rung_history ( id INTEGER PRIMARY KEY, domain_id INTEGER NOT NULL REFERENCES domain(id) ON DELETE CASCADE, kind TEXT NOT NULL, rung INTEGER NOT NULL, record TEXT NOT NULL, verified TEXT NOT NULL, lookups INTEGER, costs TEXT);
INSERT INTO rung_history VALUES(1,1,'spf',0,'v=spf1 ip4:108.177.8.0/21 ip4:108.177.96.0/19 ip4:130.211.0.0/22 ip4:172.217.0.0/19 ip4:172.217.128.0/19 ip4:172.217.160.0/20 ip4:172.217.192.0/19 ip4:172.217.32.0/20 ip4:172.253.112.0/20 ip4:172.253.56.0/21 ip4:173.194.0.0/16 ip4:209.85.128.0/17 ip4:216.239.32.0/19 ip4:216.58.192.0/19 ip4:35.190.247.0/24 ip4:35.191.0.0/16 ip4:64.233.160.0/19 include:_spf1.demo.example include:sendgrid.net include:_spf.salesforce.com include:mid.fx.example ~all','2026-03-02',9,'include:_spf1.demo.example=1 include:sendgrid.net=1 include:_spf.salesforce.com=2 include:mid.fx.example=5');
CREATE TABLE plan_settings ( domain_id INTEGER PRIMARY KEY REFERENCES domain(id) ON DELETE CASCADE, rungs TEXT, min_days_monitor INTEGER, min_days_rung INTEGER, window_days INTEGER, pass_threshold REAL, unknown_threshold REAL, rua TEXT, ruf TEXT, adkim TEXT, aspf TEXT, sp TEXT, np TEXT, spf_all TEXT);
INSERT INTO plan_settings VALUES(1,NULL,28,10,14,98.0,0.5,'mailto:agg@demo.example',NULL,NULL,NULL,NULL,NULL,NULL);
CREATE TABLE spf_flattened ( id INTEGER PRIMARY KEY, domain_id INTEGER NOT NULL REFERENCES domain(id) ON DELETE CASCADE, mechanism TEXT NOT NULL, addresses TEXT NOT NULL, flattened TEXT NOT NULL, UNIQUE (domain_id, mechanism));
INSERT INTO spf_flattened VALUES(1,1,'include:_spf.google.com','ip4:108.177.8.0/21 ip4:108.177.96.0/19 ip4:130.211.0.0/22 ip4:172.217.0.0/19 ip4:172.217.128.0/19 ip4:172.217.160.0/20 ip4:172.217.192.0/19 ip4:172.217.32.0/20 ip4:172.253.112.0/20 ip4:172.253.56.0/21 ip4:173.194.0.0/16 ip4:209.85.128.0/17 ip4:216.239.32.0/19 ip4:216.58.192.0/19 ip4:35.190.247.0/24 ip4:35.191.0.0/16 ip4:64.233.160.0/19 ip4:66.102.0.0/20 ip4:66.249.80.0/20 ip4:72.14.192.0/18 ip4:74.125.0.0/16 ip6:2001:4860:4000::/36 ip6:2404:6800:4000::/36 ip6:2607:f8b0:4000::/36 ip6:2800:3f0:4000::/36 ip6:2a00:1450:4000::/36 ip6:2c0f:fb50:4000::/36','2026-03-02');
INSERT INTO spf_flattened VALUES(2,1,'include:big.fx.example','ip4:198.51.100.0/26 ip4:198.51.100.128/26 ip4:198.51.100.192/26 ip4:198.51.100.64/26 ip6:2001:db8:1::/48','2026-03-02');
CREATE TABLE disowned ( id INTEGER PRIMARY KEY, domain_id INTEGER NOT NULL REFERENCES domain(id) ON DELETE CASCADE, network TEXT NOT NULL, note TEXT, created TEXT NOT NULL, UNIQUE (domain_id, network));
INSERT INTO disowned VALUES(1,1,'192.0.2.0/24',NULL,'2026-03-02');
CREATE TABLE report ( id INTEGER PRIMARY KEY, org_name TEXT NOT NULL, report_id TEXT NOT NULL, email TEXT, domain TEXT NOT NULL COLLATE NOCASE, date_begin INTEGER NOT NULL, date_end INTEGER NOT NULL, policy TEXT, sp TEXT, np TEXT, pct INTEGER, testing TEXT, format TEXT NOT NULL, source TEXT, imported TEXT NOT NULL, UNIQUE (org_name, report_id));
INSERT INTO report VALUES(1,'Enterprise Outlook','enterprise.1771200000.1','dmarcreport@microsoft.com','demo.example',1771200000,1771286399,'quarantine','quarantine',NULL,10,NULL,'rfc7489','data/demo/reports/enterprise!demo.example!1771200000!1771286399.xml','2026-12-04T18:54:43Z');
INSERT INTO report VALUES(2,'google.com','google.com.1771200000.0','noreply-dmarc-support@google.com','demo.example',1771200000,1771286399,'quarantine','quarantine',NULL,10,NULL,'rfc7489','data/demo/reports/google.com!demo.example!1771200000!1771286399.zip','2026-12-04T18:54:43Z');
CREATE TABLE report_row ( id INTEGER PRIMARY KEY, report INTEGER NOT NULL REFERENCES report(id) ON DELETE CASCADE, source_ip TEXT NOT NULL, count INTEGER NOT NULL CHECK (count >= 0), disposition TEXT, dkim TEXT, spf TEXT, reasons TEXT, arc INTEGER NOT NULL DEFAULT 0, header_from TEXT, envelope_from TEXT, dkim_auth TEXT, spf_auth TEXT, dkim_aligned INTEGER NOT NULL, spf_aligned INTEGER NOT NULL);
INSERT INTO report_row VALUES(1,1,'209.85.220.41',75,'none','pass','pass',NULL,0,'demo.example',NULL,'demo.example:google:pass','demo.example:pass',1,1);
INSERT INTO report_row VALUES(2,1,'209.85.220.69',43,'none','pass','pass',NULL,0,'demo.example',NULL,'demo.example:google:pass','demo.example:pass',1,1);
INSERT INTO report_row VALUES(3,1,'167.89.115.55',75,'none','pass','pass',NULL,0,'demo.example',NULL,'demo.example:s1:pass','em4242.demo.example:pass',1,1);
INSERT INTO report_row VALUES(4,1,'198.2.134.12',38,'none','pass','fail',NULL,0,'demo.example',NULL,'demo.example:k2:pass','mcsv.net:pass',1,0);
INSERT INTO report_row VALUES(5,1,'192.161.148.7',13,'none','pass','pass',NULL,0,'demo.example',NULL,'demo.example:zendesk1:pass','demo.example:pass',1,1);
INSERT INTO report_row VALUES(6,2,'209.85.220.41',135,'none','pass','pass',NULL,0,'demo.example',NULL,'demo.example:google:pass','demo.example:pass',1,1);
INSERT INTO report_row VALUES(7,2,'209.85.220.69',79,'none','pass','pass',NULL,0,'demo.example',NULL,'demo.example:google:pass','demo.example:pass',1,1);
INSERT INTO report_row VALUES(8,2,'167.89.115.55',115,'none','pass','pass',NULL,0,'demo.example',NULL,'demo.example:s1:pass','em4242.demo.example:pass',1,1);
INSERT INTO report_row VALUES(9,2,'198.2.134.12',63,'none','pass','fail',NULL,0,'demo.example',NULL,'demo.example:k2:pass','mcsv.net:pass',1,0);
INSERT INTO report_row VALUES(10,2,'192.161.148.7',18,'none','pass','pass',NULL,0,'demo.example',NULL,'demo.example:zendesk1:pass','demo.example:pass',1,1);
CREATE TABLE failure_report ( id INTEGER PRIMARY KEY, message_id TEXT UNIQUE, feedback_type TEXT NOT NULL, source_ip TEXT, reported_domain TEXT  COLLATE NOCASE, auth_failure TEXT, original_from TEXT, original_mail_from TEXT, dkim_domain TEXT, dkim_selector TEXT, spf_domain TEXT, arrival TEXT, delivery_result TEXT, original_message_id TEXT, source TEXT, imported TEXT NOT NULL);
CREATE INDEX report_domain_date ON report(domain, date_begin);
CREATE INDEX report_row_report ON report_row(report);
CREATE INDEX failure_report_domain ON failure_report(reported_domain);
COMMIT;
