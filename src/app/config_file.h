/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The operator's configuration file, $XDG_CONFIG_HOME/dmarcpilot/config.ini:
 * the mailbox that receives DMARC reports, for the commands that run
 * without a person at the keyboard. Secrets are kept out of output. */
#ifndef DMARCPILOT_APP_CONFIG_FILE_H
#define DMARCPILOT_APP_CONFIG_FILE_H

#include <stdbool.h>
#include <stddef.h>

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
	char *folder;  /* default INBOX */
	char *archive; /* default "Archive" */
	enum config_after after;
	char *ca_file; /* extra CA certificates (PEM), or NULL */
};

/* [smtp]: where `monitor` sends alerts by mail: a submission server
 * (STARTTLS required unless plaintext, AUTH when a user is given) or the
 * local sendmail. */
struct config_smtp {
	bool present;        /* the section exists */
	char *url;           /* smtps://host[:port] or smtp://host[:port] */
	char *host;          /* from url */
	int port;            /* from url, or the scheme's default */
	enum config_tls tls; /* from url and "plaintext" */
	char *sendmail;      /* the local sendmail program instead of url */
	char *user;          /* AUTH as this user, or NULL for no AUTH */
	struct config_secret password;
	char *from; /* the sender address */
	char **to;  /* the recipients */
	size_t nto;
	char *ca_file; /* extra CA certificates (PEM), or NULL */
};

/* The body a webhook is sent. */
enum config_webhook_format {
	CONFIG_WEBHOOK_JSON,  /* {"alerts": [...]} */
	CONFIG_WEBHOOK_SLACK, /* {"text": "..."}, Slack and compatibles */
};

/* [webhook NAME]: a URL that alerts are POSTed to. */
struct config_webhook {
	char *name; /* NAME, or "default" for [webhook] */
	char *url;  /* http:// or https:// (may hold a token:
				never printed, only its host) */
	char *host; /* from url, for messages */
	enum config_webhook_format format;
	char *ca_file; /* extra CA certificates (PEM), or NULL */
	int line;      /* where the section begins */
};

/* A threshold that is not set keeps its default. */
#define CONFIG_UNSET (-1.0)
/* A rule turned off with "off". */
#define CONFIG_OFF (-2.0)

/* [thresholds] (every domain) and [thresholds DOMAIN]: the alert rules'
 * limits, in percent, and the report period they are measured over;
 * CONFIG_UNSET where the file says nothing, CONFIG_OFF when off. */
struct config_thresholds {
	char *domain;       /* NULL for [thresholds] */
	double spf_fail;    /* SPF-unaligned share above which to warn */
	double dkim_fail;   /* DKIM-unaligned share above which to warn */
	double dmarc_fail;  /* DMARC-failing share: critical above */
	double volume_drop; /* fall against the previous period */
	int period_days;    /* 0 when unset */
	int line;
};

/* A whole configuration file. */
struct config {
	char *path; /* the file it came from, or NULL when absent */
	char *db;   /* "db = TARGET" before any section: the database,
			   a file or a postgresql:// URI; NULL when unset */
	int db_line;
	bool found;  /* the file exists */
	bool shared; /* readable by group or others */
	struct config_mailbox mailbox;
	struct config_smtp smtp;
	struct config_webhook *webhooks;
	size_t nwebhooks;
	struct config_thresholds *thresholds; /* [thresholds] sections */
	size_t nthresholds;
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
enum status config_load(struct config *cfg, const char *path, struct err *err);

/* Parses a configuration held in memory (len bytes of data, from the
 * file named name), as config_load() does after reading the file: the
 * same checks and FILE:LINE errors, except for the file's mode. The
 * caller frees with config_done(). */
enum status config_parse(struct config *cfg, const char *name, const char *data,
			 size_t len, struct err *err);

/* The limits that apply to domain: its [thresholds DOMAIN] over
 * [thresholds] over the defaults (DMARCPILOT's, from the monitoring
 * practice: SPF 5 %, DKIM 5 %, DMARC 10 %, volume 50 %, 7 days). A rule
 * that is off is CONFIG_OFF. domain is borrowed, not copied. */
void config_thresholds_for(const struct config *cfg, const char *domain,
			   struct config_thresholds *out);

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
