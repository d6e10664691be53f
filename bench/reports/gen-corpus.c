/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Writes a deterministic corpus of DMARC aggregate reports for the
 * import benchmark: thousands of reports, most small, some large, as
 * .xml, .xml.gz and .zip. Usage: gen-corpus OUTDIR [REPORTS]. The total
 * of uncompressed XML bytes goes to OUTDIR/BYTES. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct out {
	struct archive *a; /* gz or zip, or NULL */
	FILE *fp;          /* plain XML */
	char buf[1 << 16];
	size_t len;
	uint64_t total;
};

static uint64_t rng = 0x2545F4914F6CDD1DULL;

/* xorshift64: the same corpus on every machine. */
static uint32_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

static void flush(struct out *o)
{
	if (o->a) {
		if (archive_write_data(o->a, o->buf, o->len) !=
		    (la_ssize_t)o->len) {
			fprintf(stderr, "write: %s\n",
				archive_error_string(o->a));
			exit(1);
		}
	} else if (fwrite(o->buf, 1, o->len, o->fp) != o->len) {
		perror("write");
		exit(1);
	}
	o->total += o->len;
	o->len = 0;
}

static void emit(struct out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void emit(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (sizeof o->buf - o->len < 4096)
		flush(o);
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, sizeof o->buf - o->len, fmt, ap);
	va_end(ap);
	o->len += (size_t)n;
}

static const char *const orgs[] = { "google.com",  "Yahoo",
				    "Outlook.com", "Mail.Ru",
				    "comcast.net", "GMX",
				    "web.de",      "FastMail Pty Ltd" };
static const char *const results[] = { "pass",     "pass",    "pass", "fail",
				       "softfail", "neutral", "none" };

static void report(struct out *o, unsigned n, unsigned records)
{
	long begin = 1700006400L + (long)(n % 60) * 86400L;

	emit(o,
	     "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<feedback>\n"
	     "  <version>1.0</version>\n  <report_metadata>\n"
	     "    <org_name>%s</org_name>\n"
	     "    <email>noreply-dmarc-support@example.net</email>\n"
	     "    <report_id>bench-%u-%u</report_id>\n"
	     "    <date_range>\n      <begin>%ld</begin>\n"
	     "      <end>%ld</end>\n    </date_range>\n"
	     "  </report_metadata>\n  <policy_published>\n"
	     "    <domain>example.com</domain>\n    <adkim>r</adkim>\n"
	     "    <aspf>r</aspf>\n    <p>none</p>\n    <sp>none</sp>\n"
	     "    <pct>100</pct>\n  </policy_published>\n",
	     orgs[n % 8], n, next(), begin, begin + 86399);
	for (unsigned i = 0; i < records; i++) {
		uint32_t r = next();
		const char *dkim = (r & 7) < 6 ? "pass" : "fail";
		const char *spf = (r & 24) ? "pass" : "fail";

		emit(
		    o,
		    "  <record>\n    <row>\n"
		    "      <source_ip>%u.%u.%u.%u</source_ip>\n"
		    "      <count>%u</count>\n      <policy_evaluated>\n"
		    "        <disposition>none</disposition>\n"
		    "        <dkim>%s</dkim>\n        <spf>%s</spf>\n%s"
		    "      </policy_evaluated>\n    </row>\n"
		    "    <identifiers>\n"
		    "      <envelope_from>example.com</envelope_from>\n"
		    "      <header_from>example.com</header_from>\n"
		    "    </identifiers>\n    <auth_results>\n"
		    "      <dkim>\n        <domain>example.com</domain>\n"
		    "        <selector>s%u</selector>\n"
		    "        <result>%s</result>\n      </dkim>\n"
		    "      <spf>\n        <domain>example.com</domain>\n"
		    "        <scope>mfrom</scope>\n"
		    "        <result>%s</result>\n      </spf>\n"
		    "    </auth_results>\n  </record>\n",
		    198 + (r >> 30), 51 + ((r >> 20) & 3), (r >> 8) & 255,
		    1 + (r & 127), 1 + (next() % 500), dkim, spf,
		    (r & 0x300) == 0x300
			? "        <reason>\n          <type>forwarded</type>\n"
			  "          <comment></comment>\n        </reason>\n"
			: "",
		    r % 3, dkim, results[next() % 7]);
	}
	emit(o, "</feedback>\n");
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : NULL;
	unsigned reports = argc > 2 ? (unsigned)atoi(argv[2]) : 3000;
	uint64_t total = 0;
	char path[4096];
	FILE *fp;

	if (!dir) {
		fprintf(stderr, "usage: gen-corpus OUTDIR [REPORTS]\n");
		return 2;
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		perror(dir);
		return 1;
	}
	for (unsigned n = 0; n < reports; n++) {
		/* One in 500 is large (80000 records, about 55 MB), one in
		 * 50 medium (2000), the rest 1..60 records. */
		unsigned records = n % 500 == 7  ? 80000
				   : n % 50 == 3 ? 2000
						 : 1 + next() % 60;
		struct out *o = calloc(1, sizeof *o);
		int kind = n % 3;

		snprintf(path, sizeof path, "%s/report-%05u.%s", dir, n,
			 kind == 0   ? "xml"
			 : kind == 1 ? "xml.gz"
				     : "zip");
		if (kind == 0) {
			o->fp = fopen(path, "wb");
			if (!o->fp) {
				perror(path);
				return 1;
			}
		} else {
			struct archive_entry *e = archive_entry_new();
			char name[64];

			o->a = archive_write_new();
			if (kind == 1) {
				archive_write_set_format_raw(o->a);
				archive_write_add_filter_gzip(o->a);
				archive_write_set_filter_option(
				    o->a, "gzip", "timestamp", NULL);
			} else {
				archive_write_set_format_zip(o->a);
			}
			if (archive_write_open_filename(o->a, path) !=
			    ARCHIVE_OK) {
				fprintf(stderr, "%s: %s\n", path,
					archive_error_string(o->a));
				return 1;
			}
			snprintf(name, sizeof name, "report-%05u.xml", n);
			archive_entry_set_pathname(e, name);
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_perm(e, 0644);
			archive_entry_set_mtime(e, 1700000000, 0);
			archive_write_header(o->a, e);
			archive_entry_free(e);
		}
		report(o, n, records);
		flush(o);
		if (o->a) {
			archive_write_close(o->a);
			archive_write_free(o->a);
		} else {
			fclose(o->fp);
		}
		total += o->total;
		free(o);
	}
	snprintf(path, sizeof path, "%s/BYTES", dir);
	fp = fopen(path, "w");
	if (!fp) {
		perror(path);
		return 1;
	}
	fprintf(fp, "%llu\n", (unsigned long long)total);
	fclose(fp);
	printf("%u reports, %llu bytes of XML in %s\n", reports,
	       (unsigned long long)total, dir);
	return 0;
}
