/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "lib/dovecot.h"
#include "lib/nsd.h"
#include "lib/testenv.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/strbuf.h"
#include "util/xalloc.h"

/* Servers still running, stopped at exit if a test failed early. */
#define DOVECOT_MAX_SERVERS 4
static struct dovecot_server *dovecot_running[DOVECOT_MAX_SERVERS];

/* Stops every server still running. */
static void dovecot_stop_all(void)
{
	for (int i = 0; i < DOVECOT_MAX_SERVERS; i++)
		if (dovecot_running[i])
			dovecot_stop(dovecot_running[i]);
}

/* Whether the programs are installed. */
bool dovecot_available(void)
{
	return testenv_program("DOVECOT") != NULL &&
	       testenv_program("OPENSSL") != NULL;
}

/* True once the port sends an IMAP greeting ("* OK"). */
static bool greets(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct pollfd pfd;
	char buf[256];
	ssize_t n = 0;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)port);
	if (fd < 0)
		return false;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 1000) == 1)
			n = recv(fd, buf, sizeof buf - 1, 0);
	}
	close(fd);
	return n >= 4 && memcmp(buf, "* OK", 4) == 0;
}

/* Prints Dovecot's log for whoever reads a failed test. */
static void print_log(const struct dovecot_server *server)
{
	char *path = xasprintf("%s/dovecot.log", server->dir);
	char *log = testenv_read_file(path, NULL);

	fprintf(stderr, "dovecot log (%s):\n%s\n", path, log ? log : "(none)");
	free(log);
	free(path);
}

/* Writes the configuration and starts Dovecot. */
bool dovecot_start(struct dovecot_server *server)
{
	const char *dovecot = testenv_program("DOVECOT");
	struct strbuf conf = STRBUF_INIT;
	char *conf_path, *home;
	uid_t uid = getuid();
	gid_t gid = getgid();
	int slot = -1;

	memset(server, 0, sizeof *server);
	if (!dovecot_available()) {
		fprintf(stderr, "dovecot or openssl is not installed\n");
		return false;
	}
	for (int i = 0; i < DOVECOT_MAX_SERVERS; i++)
		if (!dovecot_running[i]) {
			slot = i;
			break;
		}
	if (slot < 0)
		return false;
	server->user = "reports";
	server->password = "correct horse battery";
	server->dir = testenv_mkdtemp();
	server->cert = xasprintf("%s/cert.pem", server->dir);
	server->imap_port = nsd_free_port();
	do
		server->imaps_port = nsd_free_port();
	while (server->imaps_port == server->imap_port);
	{
		char *key = xasprintf("%s/key.pem", server->dir);
		bool made = testenv_self_signed(server->cert, key);

		free(key);
		if (!made)
			goto fail;
	}
	/* Dovecot serves mail as the user in its userdb and never as
	 * root: as root, its own unprivileged account does. */
	home = xasprintf("%s/home", server->dir);
	mkdir(home, 0700);
	if (uid == 0) {
		struct passwd *pw = getpwnam("dovecot");

		if (!pw) {
			fprintf(stderr, "no dovecot user\n");
			free(home);
			goto fail;
		}
		uid = pw->pw_uid;
		gid = pw->pw_gid;
		chmod(server->dir, 0755);
		if (chown(home, uid, gid) != 0) {
			free(home);
			goto fail;
		}
	}
	free(testenv_write_file(server->dir, "passwd",
				"reports:{PLAIN}correct horse battery\n"));
	strbuf_addf(&conf,
		    "base_dir = %s/run\n"
		    "state_dir = %s/state\n"
		    "log_path = %s/dovecot.log\n"
		    "protocols = imap\n"
		    "listen = 127.0.0.1\n"
		    "ssl = yes\n"
		    "ssl_cert = <%s\n"
		    "ssl_key = <%s/key.pem\n"
		    "auth_mechanisms = plain login\n"
		    "disable_plaintext_auth = no\n"
		    "first_valid_uid = %u\n"
		    "auth_failure_delay = 0\n"
		    "passdb {\n  driver = passwd-file\n"
		    "  args = scheme=PLAIN username_format=%%u %s/passwd\n}\n"
		    "userdb {\n  driver = static\n"
		    "  args = uid=%u gid=%u home=%s/%%u\n}\n"
		    "mail_location = maildir:~/Maildir\n"
		    "service imap-login {\n"
		    "  inet_listener imap {\n    address = 127.0.0.1\n"
		    "    port = %d\n  }\n"
		    "  inet_listener imaps {\n    address = 127.0.0.1\n"
		    "    port = %d\n    ssl = yes\n  }\n"
		    "  chroot =\n}\n"
		    "service anvil {\n  chroot =\n}\n",
		    server->dir, server->dir, server->dir, server->cert,
		    server->dir, (unsigned)uid, server->dir, (unsigned)uid,
		    (unsigned)gid, home, server->imap_port, server->imaps_port);
	free(home);
	conf_path =
	    testenv_write_file(server->dir, "dovecot.conf", strbuf_str(&conf));
	strbuf_done(&conf);
	server->pid = fork();
	if (server->pid == 0) {
		/* Dies with the test, even if the test is killed. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		execl(dovecot, dovecot, "-F", "-c", conf_path, (char *)NULL);
		_exit(127);
	}
	free(conf_path);
	dovecot_running[slot] = server;
	{
		static bool registered;

		if (!registered) {
			atexit(dovecot_stop_all);
			registered = true;
		}
	}
	/* Up to 60 s: the machine may be loaded by parallel builds. */
	for (time_t deadline = time(NULL) + 60; time(NULL) < deadline;) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		int status;

		if (greets(server->imap_port))
			return true;
		if (waitpid(server->pid, &status, WNOHANG) == server->pid) {
			fprintf(stderr, "dovecot exited during start-up\n");
			server->pid = 0;
			print_log(server);
			dovecot_stop(server);
			return false;
		}
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "dovecot did not greet within 60 seconds\n");
fail:
	print_log(server);
	dovecot_stop(server);
	return false;
}

/* Stops Dovecot and cleans up. */
void dovecot_stop(struct dovecot_server *server)
{
	for (int i = 0; i < DOVECOT_MAX_SERVERS; i++)
		if (dovecot_running[i] == server)
			dovecot_running[i] = NULL;
	if (server->pid > 0) {
		kill(server->pid, SIGTERM);
		waitpid(server->pid, NULL, 0);
		server->pid = 0;
	}
	if (server->dir) {
		testenv_rmdir(server->dir);
		free(server->dir);
		server->dir = NULL;
	}
	free(server->cert);
	server->cert = NULL;
}

/* Collects what libcurl receives. */
static size_t collect(char *ptr, size_t size, size_t nmemb, void *arg)
{
	strbuf_add(arg, ptr, size * nmemb);
	return size * nmemb;
}

/* What an upload reads from: the message and how much is left. */
struct upload {
	const char *data;
	size_t left;
};

/* Hands libcurl the message to APPEND. */
static size_t upload_read(char *buf, size_t size, size_t nmemb, void *arg)
{
	struct upload *u = arg;
	size_t n = size * nmemb < u->left ? size * nmemb : u->left;

	memcpy(buf, u->data, n);
	u->data += n;
	u->left -= n;
	return n;
}

/* A libcurl handle logged in over IMAPS with the server's CA. */
static CURL *open_handle(struct dovecot_server *server, const char *path,
			 struct strbuf *out)
{
	CURL *curl = curl_easy_init();
	char *url =
	    xasprintf("imaps://127.0.0.1:%d/%s", server->imaps_port, path);

	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_USERNAME, server->user);
	curl_easy_setopt(curl, CURLOPT_PASSWORD, server->password);
	curl_easy_setopt(curl, CURLOPT_CAINFO, server->cert);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, out);
	free(url);
	return curl;
}

/* Runs one IMAP command. */
char *dovecot_command(struct dovecot_server *server, const char *command)
{
	struct strbuf out = STRBUF_INIT;
	CURL *curl = open_handle(server, "", &out);
	CURLcode rc;

	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, command);
	rc = curl_easy_perform(curl);
	curl_easy_cleanup(curl);
	if (rc != CURLE_OK) {
		fprintf(stderr, "IMAP %s: %s\n", command,
			curl_easy_strerror(rc));
		print_log(server);
		strbuf_done(&out);
		return NULL;
	}
	return strbuf_detach(&out);
}

/* Appends one message. */
bool dovecot_append(struct dovecot_server *server, const char *folder,
		    const char *message, bool create)
{
	struct strbuf out = STRBUF_INIT;
	struct upload u = { message, strlen(message) };
	CURL *curl;
	CURLcode rc;

	if (create) {
		char *cmd = xasprintf("CREATE \"%s\"", folder);
		char *answer = dovecot_command(server, cmd);

		free(answer);
		free(cmd);
	}
	curl = open_handle(server, folder, &out);
	curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(curl, CURLOPT_READFUNCTION, upload_read);
	curl_easy_setopt(curl, CURLOPT_READDATA, &u);
	curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE,
			 (curl_off_t)strlen(message));
	rc = curl_easy_perform(curl);
	curl_easy_cleanup(curl);
	strbuf_done(&out);
	if (rc != CURLE_OK) {
		fprintf(stderr, "IMAP APPEND to %s: %s\n", folder,
			curl_easy_strerror(rc));
		print_log(server);
	}
	return rc == CURLE_OK;
}

/* Counts a folder's messages with STATUS. */
long dovecot_count(struct dovecot_server *server, const char *folder)
{
	char *cmd = xasprintf("STATUS \"%s\" (MESSAGES)", folder);
	char *answer = dovecot_command(server, cmd);
	const char *p = answer ? strstr(answer, "MESSAGES ") : NULL;
	long n = p ? strtol(p + 9, NULL, 10) : -1;

	free(answer);
	free(cmd);
	return n;
}
