/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "util/dname.h"

#include <idn2.h>
#include <ldns/ldns.h>
#include <stdlib.h>
#include <string.h>

#include "util/text.h"
#include "util/xalloc.h"

/* True for the octets of a host-name label (RFC 1123 2.1), and "_"
 * when allowed. */
static bool ldh(unsigned char c, unsigned flags)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' ||
	       (c == '_' && (flags & DNAME_UNDERSCORE));
}

/* Checks the labels' octets and counts them. */
static bool labels_ok(const char *name, size_t len, unsigned flags,
		      size_t *labels)
{
	size_t start = 0;

	*labels = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && name[i] != '.') {
			if (!(flags & DNAME_ANY_OCTETS) &&
			    !ldh((unsigned char)name[i], flags))
				return false;
			continue;
		}
		if (i == start)
			return false; /* an empty label */
		/* RFC 1123 2.1: no hyphen at either end of a label. */
		if (!(flags & DNAME_ANY_OCTETS) &&
		    (name[start] == '-' || name[i - 1] == '-'))
			return false;
		(*labels)++;
		start = i + 1;
	}
	return true;
}

/* Checks a name's syntax. */
bool dname_valid(const char *name, unsigned flags)
{
	ldns_rdf *rdf = NULL;
	size_t len, labels;
	bool ok;

	if (!name)
		return false;
	len = strlen(name);
	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || !labels_ok(name, len, flags, &labels))
		return false;
	if (labels < 2 && !(flags & DNAME_ONE_LABEL))
		return false;
	/* RFC 1035 2.3.4: labels of 63 octets, 255 octets in all; ldns
	 * measures the wire form. Without backslashes (LDH names) the
	 * text is the wire form's labels one to one. */
	ok = ldns_str2rdf_dname(&rdf, name) == LDNS_STATUS_OK;
	ldns_rdf_deep_free(rdf);
	return ok;
}

/* The A-label form of a name holding U-labels, lower case without the
 * final dot; the plain name lower-cased when it is all ASCII; NULL when
 * IDNA2008 refuses it. */
static char *to_ascii(const char *name)
{
	char *a = NULL, *out;
	bool ascii = true;

	for (const char *p = name; *p; p++)
		ascii = ascii && (unsigned char)*p < 0x80;
	if (ascii)
		return text_domain_normalize(name);
	/* RFC 5891 5: NFC, then each U-label to its A-label (IDNA2008,
	 * non-transitional: "ß" stays "ß"). */
	if (idn2_to_ascii_8z(name, &a, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL) !=
	    IDN2_OK) {
		idn2_free(a);
		return NULL;
	}
	out = text_domain_normalize(a);
	idn2_free(a);
	return out;
}

/* The form of a name to query. */
char *dname_lookup_form(const char *name)
{
	char *out = to_ascii(name);

	return out ? out : text_domain_normalize(name);
}

/* Normalises a typed name, converting U-labels to A-labels. */
char *dname_normalize(const char *name, unsigned flags)
{
	char *out;

	if (!name)
		return NULL;
	out = to_ascii(name);
	if (!out && (flags & DNAME_ANY_OCTETS))
		out = text_domain_normalize(name);
	if (out && !dname_valid(out, flags)) {
		free(out);
		return NULL;
	}
	return out;
}
