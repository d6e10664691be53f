/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the parts of the aggregate report parser share (report.c,
 * report_element.c, report_raw.c, report_error.c); not for use outside
 * them. Calls go one way: report.c calls the other three,
 * report_element.c calls report_error.c, and nothing calls back. */
#ifndef DMARCPILOT_REPORT_PRIVATE_H
#define DMARCPILOT_REPORT_PRIVATE_H

#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <stdbool.h>
#include <stddef.h>

#include "report/report.h"
#include "util/status.h"
#include "util/strbuf.h"

/* Deepest element the schema has (feedback/record/row/policy_evaluated/
 * reason/type is 6); anything deeper in a known branch is refused. */
#define REPORT_DEPTH_MAX 32

/* The elements the parser knows; everything else is EL_OTHER. */
/* clang-format off */
#define ELEMENT_LIST(X)                                                \
	X(FEEDBACK, "feedback") X(VERSION, "version")                  \
	X(REPORT_METADATA, "report_metadata") X(ORG_NAME, "org_name")  \
	X(EMAIL, "email") X(REPORT_ID, "report_id")                    \
	X(DATE_RANGE, "date_range") X(BEGIN, "begin") X(END, "end")    \
	X(POLICY_PUBLISHED, "policy_published") X(DOMAIN, "domain")    \
	X(ADKIM, "adkim") X(ASPF, "aspf") X(P, "p") X(SP, "sp")        \
	X(NP, "np") X(PCT, "pct") X(TESTING, "testing")                \
	X(RECORD, "record") X(ROW, "row") X(SOURCE_IP, "source_ip")    \
	X(COUNT_, "count") X(POLICY_EVALUATED, "policy_evaluated")      \
	X(DISPOSITION, "disposition") X(DKIM, "dkim") X(SPF, "spf")    \
	X(REASON, "reason") X(TYPE, "type") X(COMMENT, "comment")      \
	X(IDENTIFIERS, "identifiers") X(HEADER_FROM, "header_from")    \
	X(ENVELOPE_FROM, "envelope_from")                              \
	X(ENVELOPE_TO, "envelope_to") X(AUTH_RESULTS, "auth_results")  \
	X(SELECTOR, "selector") X(RESULT, "result")
/* clang-format on */

#define ELEMENT_ENUM(id, name) EL_##id,
enum element { EL_OTHER, ELEMENT_LIST(ELEMENT_ENUM) EL_MAX };
#undef ELEMENT_ENUM

/* How the text of the current element is used once it ends. */
enum text_kind {
	TEXT_IGNORE, /* not collected */
	TEXT_STRING, /* copied as it is (trimmed) */
	TEXT_LOWER,  /* copied and lower-cased */
	TEXT_INT,    /* a non-negative decimal */
};

/* One report being parsed: what libxml2 is fed, the elements open, and
 * the metadata and record being filled. */
struct parser {
	xmlParserCtxtPtr ctxt;
	const char *name;
	const struct report_handler *h;
	struct err *err;
	enum status st; /* first failure, from any source */
	report_read_fn read;
	void *read_arg;
	struct err read_err;

	/* Local names come from libxml2's dictionary, so a name is always
	 * the same pointer: remember which element each one is. */
	struct {
		const xmlChar *name;
		enum element el;
	} names[64];
	size_t nnames;
	unsigned char name_slot[256]; /* by pointer hash: index + 1 */

	enum element stack[REPORT_DEPTH_MAX];
	int depth;
	/* Unknown elements open around <feedback> (a reporter's wrapper,
	 * such as an unclosed <xs:schema>); the report ends with its
	 * </feedback> then. */
	int wrap_depth;
	bool wrapped_done;
	bool wrap_error;   /* libxml2 failed inside the wrapper */
	bool stopped;      /* we stopped libxml2: what it says after
				    that is no error of the document */
	bool seen_wrapper; /* the raw input's first element is not
				    <feedback> */
	char root[64];     /* the first element's name, for errors */

	/* The input's invalid UTF-8 replaced by U+FFFD (declared UTF-8
	 * or undeclared documents only); the fields it reached are named
	 * in meta.repaired. */
	bool utf8_filter, utf8_decided;
	size_t utf8_repairs;
	/* Raw input read ahead of libxml2, converted into its buffer as
	 * room allows (an incomplete sequence at the end waits for the next
	 * read). */
	char raw[64 * 1024];
	size_t raw_pos, raw_len;
	bool raw_eof;
	bool in_foreign; /* inside an element of another namespace */
	int foreign_depth;

	struct strbuf text; /* text of the element being collected */
	enum text_kind kind;
	bool collecting;

	struct report_meta meta;
	bool seen_root, seen_metadata, seen_policy, meta_sent, skip;
	struct report_row row;
	bool have_count;

	/* The raw input's start tags, counted before libxml2 sees them
	 * (its duplicate check costs quadratic time in attributes). */
	enum { SCAN_TEXT, SCAN_LT, SCAN_TAG, SCAN_SKIP } scan;
	char scan_quote;   /* the quote an attribute value is in */
	size_t scan_attrs; /* "=" outside quotes in this tag */
	long scan_line;
	/* The elements open in the raw input (names of the outer 8), so
	 * that a wrapper left unclosed can be closed at the end. */
	char scan_open[8][64];
	int scan_depth;
	char scan_name[64];
	size_t scan_namelen;
	bool scan_closing, scan_named, scan_slash, scan_closed;
	size_t nreasons;
	struct report_auth *auth; /* the dkim/spf result being filled */
};

/* Stops libxml2 once the report failed, is skipped (known already) or
 * is whole inside a wrapper. */
static inline void parser_check_stop(struct parser *p)
{
	if (!p->stopped && (p->st != STATUS_OK || p->skip || p->wrapped_done)) {
		p->stopped = true;
		xmlStopParser(p->ctxt);
	}
}

/* Records the first failure with "NAME:LINE: message" and returns the
 * status the parser has failed with (report_error.c). */
enum status report_fail(struct parser *p, enum status st, const char *format,
			...) __attribute__((format(printf, 3, 4)));

/* libxml2's structured error handler: keeps its own message for the
 * first error it reports (report_error.c). */
void report_xml_error(void *arg, xmlErrorPtr error);

/* libxml2's generic error handler: the first encoding or I/O error
 * becomes the report's error (report_error.c). */
void report_generic_error(void *arg, const char *format, ...);

/* libxml2's input callback: hands over what the report's read function
 * gives, with invalid UTF-8 repaired and start tags checked
 * (report_raw.c). */
int report_io_read(void *arg, char *buf, int len);

/* libxml2's input close callback; the caller owns the source
 * (report_raw.c). */
int report_io_close(void *arg);

/* SAX handlers for a start tag, an end tag and text (CDATA included)
 * (report_element.c). */
void report_sax_start(void *ctx, const xmlChar *localname,
		      const xmlChar *prefix, const xmlChar *uri,
		      int nb_namespaces, const xmlChar **namespaces,
		      int nb_attributes, int nb_defaulted,
		      const xmlChar **attributes);
void report_sax_end(void *ctx, const xmlChar *localname, const xmlChar *prefix,
		    const xmlChar *uri);
void report_sax_text(void *ctx, const xmlChar *text, int len);

/* Checks the metadata and hands it to the meta callback, once; at the
 * end of a document with no records (report_element.c). */
void report_send_meta(struct parser *p);

#endif
