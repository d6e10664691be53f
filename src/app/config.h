/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The operator's configuration file, $XDG_CONFIG_HOME/dmarcpilot/config.ini:
 * the mailbox that receives DMARC reports, for the commands that run
 * without a person at the keyboard. Secrets are kept out of output. */
#ifndef DMARCPILOT_APP_CONFIG_H
#define DMARCPILOT_APP_CONFIG_H

#include <stdbool.h>

#include "util/status.h"

/* The largest configuration file read, in bytes. */
#define CONFIG_MAX_FILE (256 * 1024)

/* How the mailbox connection is protected. */
enum config_tls {
	CONFIG_TLS_IMPLICIT, /* imaps://: TLS from the first byte */
	CONFIG_TLS_STARTTLS, /* imap:// upgraded with STARTTLS, required */
	CONFIG_TLS_NONE,     /* imap:// in plain text, only when asked */
};

/* What happens to a report message once it is imported. */
enum config_after {
	CONFIG_AFTER_MOVE, /* moved to the archive folder */
	CONFIG_AFTER_SEEN, /* flagged \Seen and left where it is */
};

/* Where a secret comes from; the secret itself is read only on demand
 * by config_secret() and never kept in the structure. */
struct config_secret {
	char *value; /* password = ... (the file must be private) */
	char *file;  /* password_file = PATH (must be private) */
	char *env;   /* password_env = NAME */
	int line;    /* where it was set, for messages */
};

/* [mailbox]: the IMAP mailbox DMARC reports arrive in. */
struct config_mailbox {
	bool present;        /* the section exists */
	char *url;           /* imaps://host[:port] or imap://host[:port] */
	char *host;          /* from url */
	int port;            /* from url, or the scheme's default */
	enum config_tls tls; /* from url and "plaintext" */
	char *user;
	struct config_secret password;
	char *folder;        /* default INBOX */
	char *archive;       /* default "Archive" */
	enum config_after after;
	char *ca_file;       /* extra CA certificates (PEM), or NULL */
};

/* A whole configuration file. */
struct config {
	char *path;     /* the file it came from, or NULL when absent */
	bool found;     /* the file exists */
	bool shared;    /* readable by group or others */
	struct config_mailbox mailbox;
};

/* The default path: $XDG_CONFIG_HOME/dmarcpilot/config.ini, else
 * ~/.config/dmarcpilot/config.ini; NULL with err set when neither
 * XDG_CONFIG_HOME nor HOME is set. Caller frees. */
char *config_default_path(struct err *err);

/* Reads and validates path (NULL for the default). A missing file at the
 * default path is an empty configuration; a missing file named by the
 * operator, a syntax error, an unknown section or key, a bad value, or a
 * password in a file others can read is STATUS_PARSE (or STATUS_IO,
 * STATUS_REFUSED) with "FILE:LINE: what" in err. The caller frees with
 * config_done(). */
enum status config_load(struct config *cfg, const char *path,
			struct err *err);

/* Frees what config_load() filled in; the structure may be reused. */
void config_done(struct config *cfg);

/* Reads a secret from where the configuration says (the value itself, a
 * private file, or an environment variable). The caller frees the result
 * with config_secret_free(), which wipes it. NULL with err set when it
 * cannot be had; err never contains the secret. */
char *config_secret(const struct config *cfg,
		    const struct config_secret *secret, const char *what,
		    struct err *err);

/* Wipes and frees a secret; NULL is allowed. */
void config_secret_free(char *secret);

#endif
