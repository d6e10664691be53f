/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Files the operator names (--output) and standard output: a file is
 * replaced whole, only when it is a regular file, with its mode kept
 * and no temporary file left on any path; a write to standard output
 * that fails ends every command with exit status 2 and one line. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/testenv.h"
#include "util/outfile.h"
#include "util/xalloc.h"

/* The number of entries in a directory, . and .. not counted. */
static int entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* A file is replaced whole and keeps its mode; a new one gets 0644. */
static void test_replace_keeps_mode(void **state)
{
	char *dir = testenv_mkdtemp();
	char *path = testenv_write_file(dir, "zone", "old\n");
	char *fresh = xasprintf("%s/new", dir);
	struct err err = ERR_INIT;
	struct stat sb;
	char *text;

	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(outfile_write(path, "new\n", 4, &err), STATUS_OK);
	text = testenv_read_file(path, NULL);
	assert_string_equal(text, "new\n");
	free(text);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0640);
	assert_int_equal(outfile_write(fresh, "x", 1, &err), STATUS_OK);
	assert_int_equal(stat(fresh, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0644);
	assert_int_equal(entries(dir), 2);
	testenv_rmdir(dir);
	free(fresh);
	free(path);
	free(dir);
}

/* A symlink, a FIFO and a directory are refused and left as they are;
 * the link's target is untouched. */
static void test_refuses_non_regular(void **state)
{
	char *dir = testenv_mkdtemp();
	char *target = testenv_write_file(dir, "target", "keep\n");
	char *link = xasprintf("%s/link", dir);
	char *fifo = xasprintf("%s/fifo", dir);
	char *sub = xasprintf("%s/sub", dir);
	const char *const paths[] = { link, fifo, sub };
	struct err err = ERR_INIT;
	struct stat sb;
	char *text;

	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(mkdir(sub, 0700), 0);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(outfile_write(paths[i], "x", 1, &err),
				 STATUS_REFUSED);
		assert_non_null(strstr(err_message(&err), paths[i]));
		assert_non_null(strstr(err_message(&err), "regular file"));
		err_done(&err);
	}
	assert_int_equal(lstat(link, &sb), 0);
	assert_true(S_ISLNK(sb.st_mode));
	assert_int_equal(lstat(fifo, &sb), 0);
	assert_true(S_ISFIFO(sb.st_mode));
	text = testenv_read_file(target, NULL);
	assert_string_equal(text, "keep\n");
	free(text);
	assert_int_equal(entries(dir), 4);
	testenv_rmdir(dir);
	free(sub);
	free(fifo);
	free(link);
	free(target);
	free(dir);
}

/* A write that fails (the file size limit stands in for a full disk)
 * leaves the old file and no temporary file. */
static void test_failed_write_cleans_up(void **state)
{
	char *dir = testenv_mkdtemp();
	char *path = testenv_write_file(dir, "zone", "old\n");
	pid_t pid = fork();
	int status;
	char *text;

	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = { 1024, 1024 };
		struct err err = ERR_INIT;
		size_t len = 1 << 20;
		char *big = xmalloc(len);

		memset(big, 'x', len);
		signal(SIGXFSZ, SIG_IGN);
		setrlimit(RLIMIT_FSIZE, &rl);
		_exit(outfile_write(path, big, len, &err) == STATUS_IO &&
			      strstr(err_message(&err), path)
			  ? 0
			  : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	text = testenv_read_file(path, NULL);
	assert_string_equal(text, "old\n");
	free(text);
	assert_int_equal(entries(dir), 1);
	testenv_rmdir(dir);
	free(path);
	free(dir);
}

/* Runs the binary with stdout on /dev/full; returns its status and
 * what it wrote on stderr into err. */
static int run_full(const char *const args[], char *err, size_t size)
{
	int fds[2], status;
	pid_t pid;
	ssize_t n;
	size_t got = 0;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const char *argv[16] = { testenv_binary() };
		int full = open("/dev/full", O_WRONLY);

		for (size_t i = 0; args[i] && i < 14; i++)
			argv[i + 1] = args[i];
		dup2(full, 1);
		dup2(fds[1], 2);
		close(fds[0]);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	while (got + 1 < size &&
	       (n = read(fds[0], err + got, size - 1 - got)) > 0)
		got += (size_t)n;
	err[got] = '\0';
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* --help, check --json and export to a full device fail with exit 2
 * and one line naming standard output. */
static void test_stdout_full(void **state)
{
	char *dir = testenv_mkdtemp();
	char *zone =
	    testenv_write_file(dir, "example.test.zone",
			       "$ORIGIN example.test.\n$TTL 300\n"
			       "@ SOA ns1 host 1 3600 600 86400 300\n@ NS ns1\n"
			       "ns1 A 192.0.2.53\n@ TXT \"v=spf1 -all\"\n"
			       "_dmarc TXT \"v=DMARC1; p=none\"\n");
	char *db = xasprintf("%s/db.sqlite", dir);
	const char *help[] = { "--help", NULL };
	const char *check[] = { "--json", "--zone",       zone,
				"check",  "example.test", NULL };
	const char *add[] = {
		"--db", db, "domain", "add", "example.test", NULL
	};
	const char *exp[] = { "--db",         db,  "--zone", zone, "export",
			      "example.test", NULL };
	const char *const *runs[] = { help, check, exp };
	char err[4096];

	if (access("/dev/full", W_OK) != 0)
		skip();
	{
		struct testenv_run r = testenv_run_dmarcpilot(add, NULL);

		assert_int_equal(r.status, 0);
		testenv_run_done(&r);
	}
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(run_full(runs[i], err, sizeof err), 2);
		assert_non_null(strstr(err, "standard output"));
		/* One line. */
		assert_non_null(strchr(err, '\n'));
		assert_null(strchr(err, '\n')[1] ? err : NULL);
	}
	testenv_rmdir(dir);
	free(db);
	free(zone);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replace_keeps_mode),
		cmocka_unit_test(test_refuses_non_regular),
		cmocka_unit_test(test_failed_write_cleans_up),
		cmocka_unit_test(test_stdout_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
