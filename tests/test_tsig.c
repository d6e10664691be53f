/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TSIG key files as tsig-keygen writes them, the refusals of the key
 * reader (each naming the file, never showing the secret), and the
 * text of an update as --dry-run shows it. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dns/tsig.h"
#include "dns/update.h"
#include "lib/testenv.h"
#include "util/xalloc.h"

#define SECRET "h6UvD7IYwKK4Ar/bJHNpxNdTUobgD+dY5A0aIF7sp14="

/* What tsig-keygen -a hmac-sha256 writes. */
static const char keygen_file[] = "key \"dmarcpilot-key\" {\n"
				  "\talgorithm hmac-sha256;\n"
				  "\tsecret \"" SECRET "\";\n"
				  "};\n";

/* Parses text; returns the status, and the message in *message. */
static enum status parse(const char *text, struct tsig_key **key,
			 char **message)
{
	struct err err = ERR_INIT;
	enum status st = tsig_key_parse(text, strlen(text), "k.key", key, &err);

	*message = err.message ? strdup(err.message) : NULL;
	err_done(&err);
	return st;
}

static void test_keygen_file(void **state)
{
	struct tsig_key *key = NULL;
	char *msg;

	(void)state;
	assert_int_equal(parse(keygen_file, &key, &msg), STATUS_OK);
	assert_string_equal(key->name, "dmarcpilot-key");
	assert_string_equal(key->algorithm, "hmac-sha256.");
	assert_string_equal(key->secret, SECRET);
	tsig_key_free(key);
	/* Comments of every kind, the order of the two, a final dot. */
	assert_int_equal(parse("# made by hand\n/* two\nlines */\n"
			       "key Other.Key. { secret \"c2VjcmV0\"; // s\n"
			       "algorithm HMAC-MD5; };",
			       &key, &msg),
			 STATUS_OK);
	assert_string_equal(key->name, "other.key");
	assert_string_equal(key->algorithm, "hmac-md5.sig-alg.reg.int.");
	tsig_key_free(key);
}

static void test_refusals(void **state)
{
	static const struct {
		const char *text;
		const char *why;
	} bad[] = {
		{ "", "no key statement" },
		{ "key \"k\" { algorithm hmac-sha256; };", "no secret" },
		{ "key \"k\" { secret \"" SECRET "\"; };", "no algorithm" },
		{ "key \"k\" { algorithm rot13; secret \"" SECRET "\"; };",
		  "not one of" },
		{ "key \"k\" { algorithm hmac-sha256; secret \"!" SECRET
		  "\"; };",
		  "not base64" },
		{ "key \"k\" { algorithm hmac-sha256; secret \"" SECRET "\";",
		  "not closed" },
		{ "key \"k\" { algorithm hmac-sha256; secret \"" SECRET,
		  "no value" },
		{ "key \"a..b\" { };", "no valid name" },
		{ "key \"k\" { algorithm hmac-sha256 secret \"" SECRET "\"; };",
		  "';' expected" },
		{ "key \"k\" { algorithm hmac-sha256; secret \"" SECRET
		  "\"; primary 1; };",
		  "only algorithm and secret" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct tsig_key *key = NULL;
		char *msg = NULL;

		assert_int_equal(parse(bad[i].text, &key, &msg), STATUS_PARSE);
		assert_null(key);
		assert_non_null(strstr(msg, "k.key: line "));
		assert_non_null(strstr(msg, bad[i].why));
		assert_null(strstr(msg, SECRET));
		free(msg);
	}
}

static void test_file_mode(void **state)
{
	char *dir = testenv_mkdtemp();
	char *path = testenv_write_file(dir, "k.key", keygen_file);
	struct tsig_key *key = NULL;
	struct err err = ERR_INIT;
	char *fifo, *link;

	(void)state;
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(tsig_key_read(path, &key, &err), STATUS_REFUSED);
	assert_non_null(strstr(err_message(&err), path));
	assert_non_null(strstr(err_message(&err), "owner only"));
	err_done(&err);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(tsig_key_read(path, &key, &err), STATUS_OK);
	assert_string_equal(key->name, "dmarcpilot-key");
	tsig_key_free(key);
	/* A directory is no key file. */
	assert_int_equal(tsig_key_read(dir, &key, &err), STATUS_REFUSED);
	err_done(&err);
	/* A FIFO nobody writes to is refused at once, not waited on (the
	 * alarm ends a read that would hang), naming the file. */
	fifo = xasprintf("%s/fifo.key", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	alarm(20);
	assert_int_equal(tsig_key_read(fifo, &key, &err), STATUS_REFUSED);
	alarm(0);
	assert_null(key);
	assert_non_null(strstr(err_message(&err), fifo));
	assert_non_null(strstr(err_message(&err), "not a regular file"));
	err_done(&err);
	/* A symbolic link, even to a good key file, is refused. */
	link = xasprintf("%s/link.key", dir);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(tsig_key_read(link, &key, &err), STATUS_REFUSED);
	assert_null(key);
	assert_non_null(strstr(err_message(&err), link));
	assert_non_null(strstr(err_message(&err), "symbolic link"));
	err_done(&err);
	free(fifo);
	free(link);
	testenv_rmdir(dir);
	free(path);
	free(dir);
}

/* A server that takes the connection (the kernel does, in the
 * listener's backlog) and never answers: the update ends at the
 * timeout with an error that names the server and says so, no rcode. */
static void test_reply_timeout(void **state)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof a;
	struct tsig_key *key = NULL;
	struct err err = ERR_INIT;
	struct dns_update u;
	char value_text[] = "v=DMARC1; p=none";
	char *value = value_text, *msg = NULL, *server;
	int fd, rcode = 0;

	(void)state;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	server = xasprintf("127.0.0.1:%d", ntohs(a.sin_port));
	assert_int_equal(parse(keygen_file, &key, &msg), STATUS_OK);
	dns_update_init(&u, "example.com");
	dns_update_add_text(&u, DNS_UPDATE_ADD, "_dmarc.example.com", 900,
			    &value, 1);
	assert_int_equal(dns_update_send(&u, server, key, 0.5, &rcode, &err),
			 STATUS_DNS);
	assert_int_equal(rcode, -1);
	assert_non_null(strstr(err_message(&err), server));
	assert_non_null(strstr(err_message(&err), "timeout"));
	err_done(&err);
	dns_update_done(&u);
	tsig_key_free(key);
	close(fd);
	free(server);
}

static void test_update_text(void **state)
{
	struct dns_update u;
	char odd_bytes[] = "a\0\"b";
	struct dns_txt_string odd = { odd_bytes, 4 };
	char value_text[] = "v=DMARC1; p=none";
	char *value = value_text;
	char *text;

	(void)state;
	dns_update_init(&u, "example.com");
	dns_update_add(&u, DNS_UPDATE_REQUIRE, "_dmarc.example.com", 0, &odd,
		       1);
	dns_update_add(&u, DNS_UPDATE_ABSENT, "example.com", 0, NULL, 0);
	dns_update_add(&u, DNS_UPDATE_DELETE, "_dmarc.example.com", 0, &odd, 1);
	dns_update_add_text(&u, DNS_UPDATE_ADD, "_dmarc.example.com", 900,
			    &value, 1);
	assert_int_equal(dns_update_changes(&u), 2);
	text = dns_update_format(&u, "192.0.2.53:53", "k");
	assert_string_equal(text, "server 192.0.2.53:53\n"
				  "; key k\n"
				  "zone example.com.\n"
				  "prereq yxrrset _dmarc.example.com. TXT "
				  "\"a\\000\\\"b\"\n"
				  "prereq nxrrset example.com. TXT\n"
				  "update delete _dmarc.example.com. TXT "
				  "\"a\\000\\\"b\"\n"
				  "update add _dmarc.example.com. 900 TXT "
				  "\"v=DMARC1; p=none\"\n"
				  "send\n");
	free(text);
	dns_update_done(&u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keygen_file),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_file_mode),
		cmocka_unit_test(test_update_text),
		cmocka_unit_test(test_reply_timeout),
	};

	return cmocka_run_group_tests_name("tsig", tests, NULL, NULL);
}
