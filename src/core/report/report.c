/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The aggregate report parser's entry points: libxml2's SAX parser set
 * up without network, DTD or entities, its handlers pointed at the
 * element and input layers, run over the document, and libxml2's global
 * error handlers restored. */
#include "config.h"

#include "report/report.h"

#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_private.h"
#include "util/i18n.h"
#include "util/strbuf.h"
#include "util/text.h"

/* SAX: a document type declaration. DESIGN.md 8: no DTD, so no entity
 * expansion; refused before its internal subset is read. */
static void sax_doctype(void *ctx, const xmlChar *name,
			const xmlChar *external_id, const xmlChar *system_id)
{
	struct parser *p = ctx;

	(void)name, (void)external_id, (void)system_id;
	report_fail(p, STATUS_REFUSED,
		    _("a document type declaration (DTD) is not allowed in "
		      "a report"));
	parser_check_stop(p);
}

/* SAX: a reference to an entity that is not predefined. */
static void sax_reference(void *ctx, const xmlChar *name)
{
	struct parser *p = ctx;

	(void)name;
	report_fail(p, STATUS_REFUSED,
		    _("entities are not allowed in a report"));
	parser_check_stop(p);
}

/* Runs libxml2's SAX parser over the document: events go straight to
 * the handlers, with no tree of nodes built and freed for each (the
 * reader's way, which cost as much as the parsing itself). */
static void parser_run(struct parser *p)
{
	int ret = xmlParseDocument(p->ctxt);

	if (p->st != STATUS_OK || p->skip)
		return;
	if ((ret < 0 || !p->ctxt->wellFormed || p->wrap_error) &&
	    !p->wrapped_done) {
		report_fail(p, STATUS_PARSE, _("malformed XML"));
		return;
	}
	if (!p->seen_root) {
		char *clean = text_clean_str(p->root);

		report_fail(p, STATUS_PARSE,
			    _("not a DMARC aggregate report (root "
			      "element <%s>)"),
			    clean);
		free(clean);
		return;
	}
	report_send_meta(p);
}

/* Parses a report from a read callback. */
enum status report_parse(report_read_fn read, void *read_arg, const char *name,
			 const struct report_handler *h, struct err *err)
{
	struct parser p;
	/* DESIGN.md 8: no network, no DTD loading, no entity substitution
	 * (XML_PARSE_NOENT is deliberately absent), libxml2's size limits
	 * kept (no XML_PARSE_HUGE). */
	int options = XML_PARSE_NONET | XML_PARSE_NOERROR |
		      XML_PARSE_NOWARNING | XML_PARSE_NOCDATA |
		      XML_PARSE_NOBLANKS;

	xmlSAXHandler sax;
	xmlStructuredErrorFunc saved_structured;
	xmlGenericErrorFunc saved_generic;
	void *saved_structured_ctx, *saved_generic_ctx;

	memset(&p, 0, sizeof p);
	p.name = name;
	p.h = h;
	p.err = err;
	p.read = read;
	p.read_arg = read_arg;
	p.meta.date_begin = p.meta.date_end = -1;
	p.meta.pct = -1;
	strbuf_init(&p.text);
	memset(&sax, 0, sizeof sax);
	sax.initialized = XML_SAX2_MAGIC;
	sax.startElementNs = report_sax_start;
	sax.endElementNs = report_sax_end;
	sax.characters = report_sax_text;
	sax.cdataBlock = report_sax_text;
	sax.internalSubset = sax_doctype;
	sax.reference = sax_reference;
	sax.serror = report_xml_error;
	p.ctxt =
	    xmlCreateIOParserCtxt(&sax, &p, report_io_read, report_io_close, &p,
				  XML_CHAR_ENCODING_NONE);
	if (!p.ctxt) {
		report_fail(&p, STATUS_PARSE, _("cannot start the XML reader"));
		goto out;
	}
	xmlCtxtUseOptions(p.ctxt, options);
	/* The thread's own handlers catch what the reader's does not. */
	saved_structured = xmlStructuredError;
	saved_structured_ctx = xmlStructuredErrorContext;
	saved_generic = xmlGenericError;
	saved_generic_ctx = xmlGenericErrorContext;
	xmlSetStructuredErrorFunc(&p, report_xml_error);
	xmlSetGenericErrorFunc(&p, report_generic_error);
	parser_run(&p);
	xmlSetStructuredErrorFunc(saved_structured_ctx, saved_structured);
	xmlSetGenericErrorFunc(saved_generic_ctx, saved_generic);
out:
	if (p.ctxt)
		xmlFreeParserCtxt(p.ctxt);
	strbuf_done(&p.text);
	err_done(&p.read_err);
	return p.st;
}

struct memory_source {
	const char *data;
	size_t len;
	size_t pos;
};

/* Reads from a buffer. */
static ssize_t memory_read(void *arg, char *buf, size_t len, struct err *err)
{
	struct memory_source *m = arg;
	size_t n = m->len - m->pos;

	if (n > len)
		n = len;
	memcpy(buf, m->data + m->pos, n);
	m->pos += n;
	return (ssize_t)n;
}

/* Parses a report held in memory. */
enum status report_parse_memory(const char *data, size_t len, const char *name,
				const struct report_handler *h, struct err *err)
{
	struct memory_source m = { data, len, 0 };

	return report_parse(memory_read, &m, name, h, err);
}
