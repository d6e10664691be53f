/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "util/finding.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util/i18n.h"
#include "util/text.h"
#include "util/xalloc.h"

#define FINDING_NAME(name, code, severity) [name] = code,
static const char *const finding_names[] = { FINDING_LIST(FINDING_NAME) };
#undef FINDING_NAME

#define FINDING_SEVERITY(name, code, severity) [name] = severity,
static const enum severity finding_severities[] = { FINDING_LIST(
    FINDING_SEVERITY) };
#undef FINDING_SEVERITY

/* Maps a code to its identifier. */
const char *finding_code_name(enum finding_code code)
{
	if ((unsigned)code >= FINDING_CODE_COUNT)
		return "unknown";
	return finding_names[code];
}

/* Maps an identifier back to its code. */
int finding_code_from_name(const char *name)
{
	for (int i = 0; i < FINDING_CODE_COUNT; i++)
		if (strcmp(finding_names[i], name) == 0)
			return i;
	return -1;
}

/* The severity a code has by default. */
enum severity finding_default_severity(enum finding_code code)
{
	if ((unsigned)code >= FINDING_CODE_COUNT)
		return SEVERITY_ERROR;
	return finding_severities[code];
}

/* The stable severity word. */
const char *severity_name(enum severity severity)
{
	switch (severity) {
	case SEVERITY_ERROR:
		return "error";
	case SEVERITY_WARNING:
		return "warning";
	case SEVERITY_INFO:
	default:
		return "info";
	}
}

/* The severity word for people. */
const char *severity_label(enum severity severity)
{
	switch (severity) {
	case SEVERITY_ERROR:
		return _("error");
	case SEVERITY_WARNING:
		return _("warning");
	case SEVERITY_INFO:
	default:
		return _("info");
	}
}

/* Adds a finding to the list. */
struct finding *findings_add(struct findings *list, enum finding_code code,
			     const char *format, ...)
{
	struct finding *f;
	va_list ap;
	char *raw;

	list->items = xgrow(list->items, &list->cap, list->count + 1,
			    sizeof *list->items);
	f = &list->items[list->count++];
	memset(f, 0, sizeof *f);
	f->code = code;
	f->severity = finding_default_severity(code);
	va_start(ap, format);
	raw = xvasprintf(format, ap);
	va_end(ap);
	f->message = text_clean_str(raw);
	free(raw);
	return f;
}

/* Replaces *slot with a cleaned copy of value. */
static void finding_set(char **slot, const char *value)
{
	free(*slot);
	*slot = value ? text_clean_str(value) : NULL;
}

/* Names the record a finding is about. */
void finding_set_record(struct finding *f, const char *record)
{
	finding_set(&f->record, record);
}

/* Names the selector a finding is about. */
void finding_set_selector(struct finding *f, const char *selector)
{
	finding_set(&f->selector, selector);
}

/* Says what to do about a finding. */
void finding_set_advice(struct finding *f, const char *advice)
{
	finding_set(&f->advice, advice);
}

/* Moves findings between lists. */
void findings_move(struct findings *dst, struct findings *src)
{
	dst->items = xgrow(dst->items, &dst->cap, dst->count + src->count,
			   sizeof *dst->items);
	if (src->count)
		memcpy(dst->items + dst->count, src->items,
		       src->count * sizeof *src->items);
	dst->count += src->count;
	free(src->items);
	src->items = NULL;
	src->count = src->cap = 0;
}

/* Looks for a code in the list. */
int findings_has(const struct findings *list, enum finding_code code)
{
	for (size_t i = 0; i < list->count; i++)
		if (list->items[i].code == code)
			return 1;
	return 0;
}

/* The worst severity in the list. */
enum severity findings_worst(const struct findings *list)
{
	enum severity worst = SEVERITY_INFO;

	for (size_t i = 0; i < list->count; i++)
		if (list->items[i].severity > worst)
			worst = list->items[i].severity;
	return worst;
}

/* Converts findings to the JSON form of DESIGN.md section 5. */
json_t *findings_to_json(const struct findings *list)
{
	json_t *array = json_array();

	for (size_t i = 0; i < list->count; i++) {
		const struct finding *f = &list->items[i];
		json_t *o = json_object();

		json_object_set_new(o, "code",
				    json_string(finding_code_name(f->code)));
		json_object_set_new(o, "severity",
				    json_string(severity_name(f->severity)));
		json_object_set_new(o, "message", json_string(f->message));
		if (f->record)
			json_object_set_new(o, "record",
					    json_string(f->record));
		if (f->selector)
			json_object_set_new(o, "selector",
					    json_string(f->selector));
		if (f->advice)
			json_object_set_new(o, "advice",
					    json_string(f->advice));
		json_array_append_new(array, o);
	}
	return array;
}

/* Frees every finding. */
void findings_done(struct findings *list)
{
	for (size_t i = 0; i < list->count; i++) {
		free(list->items[i].message);
		free(list->items[i].record);
		free(list->items[i].selector);
		free(list->items[i].advice);
	}
	free(list->items);
	list->items = NULL;
	list->count = list->cap = 0;
}
