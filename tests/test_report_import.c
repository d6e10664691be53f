/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Importing reports into the database: duplicates add nothing, a bad
 * file changes nothing and is named, archives and XML that would exhaust
 * memory or read files are refused, mail boxes yield their reports. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/testenv.h"
#include "store/report_store.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* A scratch directory with a fresh database. */
struct fixture {
	char *dir;
	char *db;
	struct store *store;
	struct strbuf rejects; /* one line per rejected unit */
};

static int fixture_setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	struct err err = ERR_INIT;

	f->dir = testenv_mkdtemp();
	f->db = testenv_db(f->dir, "test.db");
	if (store_open(&f->store, f->db, &err) != STATUS_OK)
		return -1;
	strbuf_init(&f->rejects);
	*state = f;
	return 0;
}

static int fixture_teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->store);
	testenv_rmdir(f->dir);
	strbuf_done(&f->rejects);
	free(f->db);
	free(f->dir);
	free(f);
	return 0;
}

static void collect_reject(void *arg, const struct err *err)
{
	struct fixture *f = arg;

	strbuf_addf(&f->rejects, "%s\n", err_message(err));
}

/* Imports a path with the given limits (NULL: the defaults). */
static struct report_import_stats import(struct fixture *f, const char *path,
					 const struct report_limits *lim)
{
	struct report_import_stats stats;
	struct err err = ERR_INIT;

	memset(&stats, 0, sizeof stats);
	strbuf_reset(&f->rejects);
	assert_int_equal(report_import_path(f->store, path, lim, &stats,
					    collect_reject, f, &err),
			 STATUS_OK);
	return stats;
}

/* Imports a path, adding to earlier counts. */
static struct report_import_stats
import_more(struct fixture *f, const char *path, struct report_import_stats s)
{
	struct err err = ERR_INIT;

	assert_int_equal(report_import_path(f->store, path, NULL, &s,
					    collect_reject, f, &err),
			 STATUS_OK);
	return s;
}

/* Everything the database holds about reports, as one line. */
static char *fingerprint(struct fixture *f)
{
	char *sql = xasprintf(
	    "SELECT (SELECT count(*) FROM report) || '/' ||"
	    " (SELECT count(*) FROM report_row) || '/' ||"
	    " (SELECT count(*) FROM failure_report) || '/' ||"
	    " (SELECT coalesce(sum(count), 0) FROM report_row) || '/' ||"
	    " (SELECT coalesce(%s(x, ','), '') FROM"
	    "  (SELECT org_name || ':' || report_id AS x FROM report"
	    "   ORDER BY id) AS reports)",
	    testenv_db_postgres() ? "string_agg" : "group_concat");
	char *text = testenv_db_text(f->db, sql);

	free(sql);
	return text;
}

/* A small valid report with its own id, count and source. */
static char *report_xml(const char *org, const char *id, const char *ip,
			int count)
{
	return xasprintf(
	    "<?xml version=\"1.0\"?>\n<feedback><report_metadata>"
	    "<org_name>%s</org_name><email>r@%s</email>"
	    "<report_id>%s</report_id><date_range><begin>1700006400</begin>"
	    "<end>1700092799</end></date_range></report_metadata>"
	    "<policy_published><domain>example.com</domain><p>none</p>"
	    "</policy_published><record><row><source_ip>%s</source_ip>"
	    "<count>%d</count><policy_evaluated><disposition>none"
	    "</disposition><dkim>pass</dkim><spf>pass</spf>"
	    "</policy_evaluated></row><identifiers><header_from>example.com"
	    "</header_from></identifiers><auth_results><spf><domain>"
	    "example.com</domain><result>pass</result></spf></auth_results>"
	    "</record></feedback>\n",
	    org, org, id, ip, count);
}

/* Produces len bytes of data for an archive entry, chunk by chunk. */
typedef const char *(*chunk_fn)(void *arg, size_t *len);

/* Writes an archive (zip, or raw with gzip) with the entries given. */
static void write_archive(const char *path, bool zip, const char **names,
			  chunk_fn *chunks, void **args, size_t n)
{
	struct archive *a = archive_write_new();

	if (zip) {
		archive_write_set_format_zip(a);
	} else {
		archive_write_set_format_raw(a);
		archive_write_add_filter_gzip(a);
	}
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		const char *data;
		size_t len;

		archive_entry_set_pathname(e, names[i]);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		while ((data = chunks[i](args[i], &len)) != NULL)
			assert_int_equal(archive_write_data(a, data, len),
					 (la_ssize_t)len);
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
}

/* A string handed over once. */
struct once {
	const char *s;
	bool done;
};

static const char *once_chunk(void *arg, size_t *len)
{
	struct once *o = arg;

	if (o->done)
		return NULL;
	o->done = true;
	*len = strlen(o->s);
	return o->s;
}

/* A well-formed but endless report: "<feedback>" then <pad> elements
 * of 1 KiB, up to total bytes. */
struct bomb {
	uint64_t total, sent;
	char chunk[64 * 1024];
	bool started;
};

static const char *bomb_chunk(void *arg, size_t *len)
{
	struct bomb *b = arg;

	if (b->sent >= b->total)
		return NULL;
	if (!b->started) {
		b->started = true;
		b->sent += 10;
		*len = 10;
		return "<feedback>";
	}
	*len = sizeof b->chunk;
	b->sent += *len;
	return b->chunk;
}

/* Fills the bomb's chunk with 1 KiB <pad> elements. */
static void bomb_init(struct bomb *b, uint64_t total)
{
	memset(b, 0, sizeof *b);
	b->total = total;
	for (size_t off = 0; off < sizeof b->chunk; off += 1024) {
		memcpy(b->chunk + off, "<pad>", 5);
		memset(b->chunk + off + 5, 'x', 1024 - 11);
		memcpy(b->chunk + off + 1024 - 6, "</pad>", 6);
	}
}

/* Importing the shared reports; again: all duplicates. */
static void test_import_twice(void **state)
{
	struct fixture *f = *state;
	const char *data = testenv_testdata();
	struct report_import_stats s;
	char *dir, *before, *after;

	if (!data)
		skip();
	dir = xasprintf("%s/reports/aggregate", data);
	s = import(f, dir, NULL);
	/* 8 aggregate files, 1 failure report; invalid_xml.xml refused. */
	free(dir);
	dir = xasprintf("%s/reports/failure", data);
	s = import_more(f, dir, s);
	assert_int_equal(s.imported, 9);
	assert_int_equal(s.rejected, 1);
	assert_int_equal(s.duplicates, 0);
	assert_int_equal(s.reports, 8);
	assert_int_equal(s.failures, 1);
	/* 1+1+2+1+1+1+1+123 messages, counted by hand in the files. */
	assert_int_equal(s.messages, 131);
	assert_non_null(strstr(strbuf_str(&f->rejects), "invalid_xml.xml"));
	before = fingerprint(f);
	s = import(f, dir, NULL);
	free(dir);
	dir = xasprintf("%s/reports/aggregate", data);
	s = import_more(f, dir, s);
	assert_int_equal(s.imported, 0);
	assert_int_equal(s.duplicates, 9);
	assert_int_equal(s.rejected, 1);
	assert_int_equal(s.messages, 0);
	after = fingerprint(f);
	assert_string_equal(before, after);
	free(before);
	free(after);
	free(dir);
}

/* A gzip cut in the middle is refused as cut short, naming the file;
 * nothing is stored. */
static void test_truncated_gzip(void **state)
{
	struct fixture *f = *state;
	char *xml = report_xml("trunc.example", "t1", "192.0.2.9", 3);
	struct once o = { xml, false };
	const char *names[] = { "r.xml" };
	chunk_fn chunks[] = { once_chunk };
	void *args[] = { &o };
	char *path = xasprintf("%s/t.xml.gz", f->dir);
	char *cut = xasprintf("%s/cut.xml.gz", f->dir);
	char *before, *after, *gz;
	size_t len;
	struct report_import_stats s;

	write_archive(path, false, names, chunks, args, 1);
	gz = testenv_read_file(path, &len);
	assert_non_null(gz);
	{
		FILE *fp = fopen(cut, "wb");

		assert_non_null(fp);
		assert_int_equal(fwrite(gz, 1, len / 2, fp), len / 2);
		fclose(fp);
	}
	before = fingerprint(f);
	s = import(f, cut, NULL);
	assert_int_equal(s.rejected, 1);
	assert_int_equal(s.imported, 0);
	assert_non_null(strstr(strbuf_str(&f->rejects), "cut.xml.gz"));
	assert_non_null(strstr(strbuf_str(&f->rejects), "cut short"));
	after = fingerprint(f);
	assert_string_equal(before, after);
	/* The whole file imports. */
	s = import(f, path, NULL);
	assert_int_equal(s.imported, 1);
	assert_int_equal(s.messages, 3);
	free(before);
	free(after);
	free(gz);
	free(cut);
	free(path);
	free(xml);
}

/* Zip and gzip bombs stop at the expansion limit: a lowered one, and
 * the real 256 MiB default on a highly compressible stream. */
static void test_bombs(void **state)
{
	struct fixture *f = *state;
	struct bomb *b = xmalloc(sizeof *b);
	const char *names[] = { "bomb.xml" };
	chunk_fn chunks[] = { bomb_chunk };
	void *args[] = { b };
	struct report_limits small = { 1024 * 1024, 1000 };
	char *zip = xasprintf("%s/bomb.zip", f->dir);
	char *gz = xasprintf("%s/bomb.xml.gz", f->dir);
	char *before = fingerprint(f), *after;
	struct report_import_stats s;

	/* 2 MiB against a 1 MiB limit. */
	bomb_init(b, 2 * 1024 * 1024);
	write_archive(zip, true, names, chunks, args, 1);
	s = import(f, zip, &small);
	assert_int_equal(s.rejected, 1);
	assert_non_null(strstr(strbuf_str(&f->rejects),
			       "expands to more than 1048576 bytes"));
	bomb_init(b, 2 * 1024 * 1024);
	write_archive(gz, false, names, chunks, args, 1);
	s = import(f, gz, &small);
	assert_int_equal(s.rejected, 1);
	assert_non_null(strstr(strbuf_str(&f->rejects),
			       "expands to more than 1048576 bytes"));

	/* 300 MiB against the default 256 MiB: the gzip one is inflated
	 * and counted as it is parsed; the zip one declares its size. */
	bomb_init(b, (uint64_t)300 * 1024 * 1024);
	write_archive(gz, false, names, chunks, args, 1);
	s = import(f, gz, NULL);
	assert_int_equal(s.rejected, 1);
	assert_non_null(strstr(strbuf_str(&f->rejects),
			       "expands to more than 268435456 bytes"));
	bomb_init(b, (uint64_t)300 * 1024 * 1024);
	write_archive(zip, true, names, chunks, args, 1);
	s = import(f, zip, NULL);
	assert_int_equal(s.rejected, 1);
	assert_non_null(strstr(strbuf_str(&f->rejects),
			       "expands to more than 268435456 bytes"));
	after = fingerprint(f);
	assert_string_equal(before, after);
	free(before);
	free(after);
	free(zip);
	free(gz);
	free(b);
}

/* A zip with more entries than allowed stores none of them. */
static void test_zip_entries(void **state)
{
	struct fixture *f = *state;
	enum { N = 1001 };
	const char **names = xcalloc(N, sizeof *names);
	chunk_fn *chunks = xcalloc(N, sizeof *chunks);
	void **args = xcalloc(N, sizeof *args);
	struct once *once = xcalloc(N, sizeof *once);
	char **xml = xcalloc(N, sizeof *xml);
	char *zip = xasprintf("%s/many.zip", f->dir);
	char *before = fingerprint(f), *after;
	struct report_import_stats s;

	for (size_t i = 0; i < N; i++) {
		char id[32];

		snprintf(id, sizeof id, "many-%zu", i);
		xml[i] = report_xml("zip.example", id, "192.0.2.7", 1);
		once[i].s = xml[i];
		names[i] = xasprintf("%s.xml", id);
		chunks[i] = once_chunk;
		args[i] = &once[i];
	}
	write_archive(zip, true, names, chunks, args, N);
	s = import(f, zip, NULL);
	assert_int_equal(s.rejected, 1);
	assert_non_null(
	    strstr(strbuf_str(&f->rejects), "more than 1000 archive entries"));
	after = fingerprint(f);
	assert_string_equal(before, after);
	/* 1000 is allowed: a zip of two reports imports both. */
	for (size_t i = 0; i < 2; i++)
		once[i].done = false;
	write_archive(zip, true, names, chunks, args, 2);
	s = import(f, zip, NULL);
	assert_int_equal(s.imported, 1);
	assert_int_equal(s.reports, 2);
	for (size_t i = 0; i < N; i++) {
		free((char *)names[i]);
		free(xml[i]);
	}
	free(names);
	free(chunks);
	free(args);
	free(once);
	free(xml);
	free(zip);
	free(before);
	free(after);
}

/* An external entity and a billion-laughs DTD are refused, the
 * database is unchanged, and /etc/passwd is never read into it. */
static void test_entities(void **state)
{
	struct fixture *f = *state;
	char *before = fingerprint(f), *after;
	struct report_import_stats s;
	char *xxe = testenv_write_file(
	    f->dir, "xxe.xml",
	    "<?xml version=\"1.0\"?>\n"
	    "<!DOCTYPE feedback [\n"
	    "<!ENTITY xxe SYSTEM \"file:///etc/passwd\">\n"
	    "]>\n"
	    "<feedback><report_metadata><org_name>&xxe;</org_name>"
	    "<report_id>x</report_id><date_range><begin>1</begin><end>2"
	    "</end></date_range></report_metadata><policy_published>"
	    "<domain>example.com</domain></policy_published></feedback>\n");
	char *lol = testenv_write_file(
	    f->dir, "lol.xml",
	    "<?xml version=\"1.0\"?>\n"
	    "<!DOCTYPE lolz [\n"
	    " <!ENTITY lol \"lol\">\n"
	    " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"
	    "&lol;\">\n"
	    " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;"
	    "&lol1;&lol1;&lol1;\">\n"
	    " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"
	    "&lol2;&lol2;&lol2;\">\n"
	    " <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;"
	    "&lol3;&lol3;&lol3;\">\n"
	    " <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;"
	    "&lol4;&lol4;&lol4;\">\n"
	    " <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;"
	    "&lol5;&lol5;&lol5;\">\n"
	    " <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;"
	    "&lol6;&lol6;&lol6;\">\n"
	    " <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;"
	    "&lol7;&lol7;&lol7;\">\n"
	    " <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;"
	    "&lol8;&lol8;&lol8;\">\n"
	    "]>\n"
	    "<feedback><report_metadata><org_name>&lol9;</org_name>"
	    "</report_metadata></feedback>\n");

	s = import(f, xxe, NULL);
	assert_int_equal(s.rejected, 1);
	assert_non_null(strstr(strbuf_str(&f->rejects), "xxe.xml"));
	assert_non_null(strstr(strbuf_str(&f->rejects), "DTD"));
	s = import(f, lol, NULL);
	assert_int_equal(s.rejected, 1);
	assert_non_null(strstr(strbuf_str(&f->rejects), "lol.xml"));
	after = fingerprint(f);
	assert_string_equal(before, after);
	free(before);
	free(after);
	free(xxe);
	free(lol);
}

/* Base64 (RFC 2045 6.8) in lines of 76 characters. */
static char *base64_lines(const unsigned char *data, size_t len)
{
	struct strbuf sb = STRBUF_INIT;

	for (size_t off = 0; off < len; off += 57) {
		unsigned char out[80];
		size_t n = len - off < 57 ? len - off : 57;
		int w = EVP_EncodeBlock(out, data + off, (int)n);

		strbuf_add(&sb, out, (size_t)w);
		strbuf_addch(&sb, '\n');
	}
	return strbuf_detach(&sb);
}

/* An mbox with two report mails (a gzip and a zip attachment) and one
 * unrelated mail: two imported, one skipped; again: two duplicates. */
static void test_mbox(void **state)
{
	struct fixture *f = *state;
	char *x1 = report_xml("google.com", "mbox-1", "192.0.2.1", 4);
	char *x2 = report_xml("Yahoo", "mbox-2", "2001:db8::25", 6);
	struct once o1 = { x1, false }, o2 = { x2, false };
	const char *n1[] = { "a.xml" }, *n2[] = { "b.xml" };
	chunk_fn chunks[] = { once_chunk };
	void *a1[] = { &o1 }, *a2[] = { &o2 };
	char *gzp = xasprintf("%s/a.xml.gz", f->dir);
	char *zipp = xasprintf("%s/b.zip", f->dir);
	char *gz, *zip, *b1, *b2, *mbox, *path;
	size_t gzlen, ziplen;
	struct report_import_stats s;

	write_archive(gzp, false, n1, chunks, a1, 1);
	write_archive(zipp, true, n2, chunks, a2, 1);
	gz = testenv_read_file(gzp, &gzlen);
	zip = testenv_read_file(zipp, &ziplen);
	b1 = base64_lines((unsigned char *)gz, gzlen);
	b2 = base64_lines((unsigned char *)zip, ziplen);
	mbox = xasprintf(
	    "From noreply@google.com Mon Nov 20 00:00:00 2023\n"
	    "From: noreply-dmarc-support@google.com\n"
	    "To: dmarc@example.com\n"
	    "Subject: Report domain: example.com Submitter: google.com\n"
	    "Message-ID: <one@google.com>\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=\"XX\"\n\n"
	    "--XX\nContent-Type: text/plain\n\nA report.\n"
	    "--XX\nContent-Type: application/gzip; name=\"a.xml.gz\"\n"
	    "Content-Disposition: attachment; filename=\"a.xml.gz\"\n"
	    "Content-Transfer-Encoding: base64\n\n%s"
	    "--XX--\n\n"
	    "From alice@example.org Mon Nov 20 00:00:01 2023\n"
	    "From: Alice <alice@example.org>\n"
	    "To: bob@example.com\n"
	    "Subject: lunch?\n"
	    "Message-ID: <lunch@example.org>\n\n"
	    ">From the canteen or outside?\n\n"
	    "From dmarc@yahoo.com Mon Nov 20 00:00:02 2023\n"
	    "From: dmarc@yahoo.com\n"
	    "Subject: Report Domain: example.com\n"
	    "Message-ID: <two@yahoo.com>\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: application/zip\n"
	    "Content-Transfer-Encoding: base64\n\n%s\n",
	    b1, b2);
	path = testenv_write_file(f->dir, "Inbox", mbox);
	s = import(f, path, NULL);
	assert_int_equal(s.imported, 2);
	assert_int_equal(s.skipped, 1);
	assert_int_equal(s.rejected, 0);
	assert_int_equal(s.reports, 2);
	assert_int_equal(s.messages, 10);
	{
		char *fp = fingerprint(f);

		assert_string_equal(fp,
				    "2/2/0/10/google.com:mbox-1,Yahoo:mbox-2");
		free(fp);
	}
	s = import(f, path, NULL);
	assert_int_equal(s.duplicates, 2);
	assert_int_equal(s.skipped, 1);
	assert_int_equal(s.imported, 0);
	free(path);
	free(mbox);
	free(b1);
	free(b2);
	free(gz);
	free(zip);
	free(gzp);
	free(zipp);
	free(x1);
	free(x2);
}

/* A Maildir whose folder links back to itself: the loop is named and
 * refused, the messages in it are imported once. */
static void test_maildir_loop(void **state)
{
	struct fixture *f = *state;
	char *md = xasprintf("%s/Maildir", f->dir);
	char *sub, *x, *mail, *link;
	struct report_import_stats s;

	assert_int_equal(mkdir(md, 0700), 0);
	for (int i = 0; i < 3; i++) {
		static const char *const d[] = { "cur", "new", "tmp" };

		sub = xasprintf("%s/%s", md, d[i]);
		assert_int_equal(mkdir(sub, 0700), 0);
		free(sub);
	}
	x = report_xml("maildir.example", "md-1", "198.51.100.4", 9);
	mail = xasprintf("From: r@maildir.example\nSubject: report\n"
			 "MIME-Version: 1.0\nContent-Type: text/xml\n\n%s",
			 x);
	sub = xasprintf("%s/new", md);
	free(testenv_write_file(sub, "1700000000.1.host", mail));
	free(sub);
	link = xasprintf("%s/loop", f->dir);
	assert_int_equal(mkdir(link, 0700), 0);
	sub = xasprintf("%s/loop/back", f->dir);
	assert_int_equal(symlink(link, sub), 0);
	free(sub);
	s = import(f, md, NULL);
	assert_int_equal(s.imported, 1);
	assert_int_equal(s.messages, 9);
	s = import(f, link, NULL);
	assert_int_equal(s.rejected, 1);
	assert_non_null(strstr(strbuf_str(&f->rejects), "folder loop"));
	free(link);
	free(mail);
	free(x);
	free(md);
}

/* The command: a summary line, JSON, exit 2 naming the bad file. */
static void test_cli_import(void **state)
{
	struct fixture *f = *state;
	const char *data = testenv_testdata();
	char *dir, *db;
	struct testenv_run run;
	json_t *o;

	if (!data)
		skip();
	dir = xasprintf("%s/reports/aggregate", data);
	db = testenv_db(f->dir, "cli.db");
	{
		const char *args[] = {
			"--db", db, "report", "import", dir, NULL
		};

		run = testenv_run_dmarcpilot(args, NULL);
	}
	assert_int_equal(run.status, 2);
	assert_non_null(strstr(run.out, "imported 8, duplicates 0, "
					"rejected 1"));
	assert_non_null(strstr(run.err, "invalid_xml.xml:5:"));
	/* One line per rejected file. */
	assert_null(strchr(strchr(run.err, '\n') + 1, '\n'));
	testenv_run_done(&run);
	{
		const char *args[] = { "--db",   db,  "--json", "report",
				       "import", dir, NULL };

		run = testenv_run_dmarcpilot(args, NULL);
	}
	assert_int_equal(run.status, 2);
	o = json_loads(run.out, 0, NULL);
	assert_non_null(o);
	assert_int_equal(json_integer_value(json_object_get(o, "imported")), 0);
	assert_int_equal(json_integer_value(json_object_get(o, "duplicates")),
			 8);
	assert_int_equal(json_integer_value(json_object_get(o, "rejected")), 1);
	assert_int_equal(json_integer_value(json_object_get(o, "messages")), 0);
	json_decref(o);
	testenv_run_done(&run);
	free(db);
	free(dir);
}

/* An ARF failure report (RFC 6591) with no Message-ID of its own and
 * none of the original, and, with the first, a second report that
 * differs only in its Source-IP. */
static char *failure_mail(const char *source_ip)
{
	return xasprintf("From: reports@receiver.example\n"
			 "To: ruf@example.com\n"
			 "Subject: DMARC failure report for example.com\n"
			 "MIME-Version: 1.0\n"
			 "Content-Type: multipart/report; "
			 "report-type=feedback-report; boundary=\"b\"\n\n"
			 "--b\nContent-Type: text/plain\n\nA DMARC failure.\n"
			 "--b\nContent-Type: message/feedback-report\n\n"
			 "Feedback-Type: auth-failure\n"
			 "User-Agent: receiver/1.0\n"
			 "Version: 1\n"
			 "Auth-Failure: dmarc\n"
			 "Source-IP: %s\n"
			 "Reported-Domain: example.com\n"
			 "Arrival-Date: Mon, 23 Nov 2026 10:00:00 +0000\n\n"
			 "--b\nContent-Type: text/rfc822-headers\n\n"
			 "From: ceo@example.com\n"
			 "Subject: wire transfer\n"
			 "--b--\n",
			 source_ip);
}

/* A failure report without any Message-ID is still recognised when it
 * is imported again; one that differs is kept apart. */
static void test_failure_without_message_id(void **state)
{
	struct fixture *f = *state;
	char *one = failure_mail("203.0.113.77");
	char *other = failure_mail("203.0.113.78");
	char *p1 = testenv_write_file(f->dir, "one.eml", one);
	char *p2 = testenv_write_file(f->dir, "other.eml", other);
	struct report_import_stats s;
	char *before, *after;

	s = import(f, p1, NULL);
	assert_int_equal(s.failures, 1);
	assert_int_equal(s.duplicates, 0);
	before = fingerprint(f);
	s = import(f, p1, NULL);
	assert_int_equal(s.failures, 0);
	assert_int_equal(s.duplicates, 1);
	after = fingerprint(f);
	assert_string_equal(before, after);
	s = import(f, p2, NULL);
	assert_int_equal(s.failures, 1);
	assert_int_equal(s.duplicates, 0);
	free(before);
	free(after);
	free(p1);
	free(p2);
	free(one);
	free(other);
}

/* Each record's raw authentication results are stored as
 * report_row_auth rows, in their order, under their own record: a
 * report of 100 records (more than one batch of records and of
 * results) with 0 to 3 DKIM and 0 to 2 SPF results each, empty
 * selectors and domains among them, reads back exactly. */
static void test_auth_results(void **state)
{
	static const char *const dkim_res[] = { "pass", "fail", "none",
						"permerror" };
	static const char *const spf_res[] = { "pass", "softfail", "none" };
	struct fixture *f = *state;
	struct strbuf xml = STRBUF_INIT, want = STRBUF_INIT;
	struct report_import_stats st;
	char *path, *got;

	strbuf_addstr(&xml, "<?xml version=\"1.0\"?>\n<feedback>"
			    "<report_metadata><org_name>o</org_name>"
			    "<report_id>auth-1</report_id><date_range>"
			    "<begin>1700006400</begin><end>1700092799</end>"
			    "</date_range></report_metadata>"
			    "<policy_published><domain>example.com</domain>"
			    "<p>none</p></policy_published>");
	for (int i = 0; i < 100; i++) {
		strbuf_addf(&xml,
			    "<record><row><source_ip>192.0.2.%d"
			    "</source_ip><count>1</count>"
			    "<policy_evaluated><disposition>none"
			    "</disposition><dkim>pass</dkim><spf>fail"
			    "</spf></policy_evaluated></row>"
			    "<identifiers><header_from>example.com"
			    "</header_from></identifiers><auth_results>",
			    i);
		/* Row ids count from 1; a row with no results is not
		 * listed. */
		if (i % 4 || i % 3)
			strbuf_addf(&want, "%s%d|", want.len ? ";" : "", i + 1);
		for (int k = 0; k < i % 4; k++) {
			const char *sel = (i + k) % 5 ? "s" : "";

			strbuf_addf(&xml, "<dkim><domain>d%d.example</domain>",
				    k);
			if (*sel)
				strbuf_addf(&xml, "<selector>s%d</selector>",
					    i);
			strbuf_addf(&xml, "<result>%s</result></dkim>",
				    dkim_res[(i + k) % 4]);
			strbuf_addf(&want, "%sd%d.example:", k ? " " : "", k);
			if (*sel)
				strbuf_addf(&want, "s%d", i);
			strbuf_addf(&want, ":%s", dkim_res[(i + k) % 4]);
		}
		if (i % 4 || i % 3)
			strbuf_addch(&want, '|');
		for (int k = 0; k < i % 3; k++) {
			const char *dom = (i + k) % 4 ? "example.com" : "";

			strbuf_addf(&xml,
				    "<spf><domain>%s</domain><result>%s"
				    "</result></spf>",
				    dom, spf_res[(i + k) % 3]);
			strbuf_addf(&want, "%s%s:%s", k ? " " : "", dom,
				    spf_res[(i + k) % 3]);
		}
		strbuf_addstr(&xml, "</auth_results></record>");
	}
	strbuf_addstr(&xml, "</feedback>\n");
	path = testenv_write_file(f->dir, "auth.xml", strbuf_str(&xml));
	st = import(f, path, NULL);
	assert_int_equal(st.imported, 1);
	assert_int_equal(st.rows, 100);
	got = testenv_db_auth_text(f->db);
	assert_string_equal(got, strbuf_str(&want));
	free(got);
	free(path);
	strbuf_done(&xml);
	strbuf_done(&want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_auth_results, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(
		    test_import_twice, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(
		    test_truncated_gzip, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_bombs, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_zip_entries, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_entities, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_failure_without_message_id,
						fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_mbox, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(
		    test_maildir_loop, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_cli_import, fixture_setup,
						fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
