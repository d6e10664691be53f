/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The catalogue of sending services (data/providers.ini, DESIGN.md
 * section 7): what each adds to SPF, its DKIM selectors, how it reveals
 * itself in MX and in the reverse DNS of report sources. */
#ifndef DMARCPILOT_PROVIDERS_H
#define DMARCPILOT_PROVIDERS_H

#include <stdbool.h>
#include <stddef.h>

#include "util/status.h"

enum provider_category {
	PROVIDER_MAILBOX,
	PROVIDER_MARKETING,
	PROVIDER_TRANSACTIONAL,
	PROVIDER_CRM,
	PROVIDER_HELPDESK,
	PROVIDER_OTHER,
};

struct provider {
	char *id;   /* the section name users type: "google-workspace" */
	char *name; /* "Google Workspace" */
	enum provider_category category;
	char *spf; /* the mechanism to add ("include:_spf.google.com"), or
		       NULL when the service needs none (custom domain) */
	char **dkim_selectors; /* selectors the service signs with */
	size_t ndkim_selectors;
	char *dkim; /* how keys are published and where to enable them */
	char **mx;  /* MX host suffixes that reveal the service */
	size_t nmx;
	char **ptr; /* PCRE2 patterns on report sources' reverse DNS */
	size_t nptr;
	bool envelope_aligned; /* SPF aligns without a custom return-path */
	char *docs;            /* the service's documentation URL */
	void *ptr_code;        /* compiled patterns, private to providers.c */
};

struct providers;

/* Loads and validates the catalogue (inih, PCRE2). A malformed file, an
 * unknown key or category, a bad pattern or a missing name gives
 * STATUS_PARSE with "FILE:LINE: reason". Free with providers_free(). */
enum status providers_load(struct providers **out, const char *path,
			   struct err *err);

/* The same for a catalogue already in memory (len bytes, not necessarily
 * NUL-terminated); name stands for the file in messages. */
enum status providers_load_buffer(struct providers **out, const char *data,
				  size_t len, const char *name,
				  struct err *err);

/* NULL is allowed. */
void providers_free(struct providers *providers);

size_t providers_count(const struct providers *providers);

/* The i-th service in file order. */
const struct provider *providers_at(const struct providers *providers,
				    size_t i);

/* The service with that ID, or NULL. */
const struct provider *providers_find(const struct providers *providers,
				      const char *id);

/* The service whose ptr patterns match a reverse-DNS host name, or NULL. */
const struct provider *providers_match_ptr(const struct providers *providers,
					   const char *hostname);

/* The service one of whose MX suffixes ends the host name, or NULL. */
const struct provider *providers_match_mx(const struct providers *providers,
					  const char *mx_host);

/* The service whose spf mechanism equals this one ("include:X", compared
 * without case), or NULL. */
const struct provider *providers_match_spf(const struct providers *providers,
					   const char *mechanism);

/* Filter-as-you-type: the services whose id, name or category contains
 * query (case-insensitive; "" matches all), in file order. Fills at most
 * max pointers into out and returns how many match in all. */
size_t providers_filter(const struct providers *providers, const char *query,
			const struct provider **out, size_t max);

/* "mailbox", "marketing", ... */
const char *provider_category_name(enum provider_category category);

#endif
