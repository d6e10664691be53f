/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: the catalogue loader (inih reader and handler, key
 * validation, PCRE2 compilation) on hostile input, then every matcher on
 * whatever it accepted. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "providers/providers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Loads the input as a catalogue and, if it loads, exercises each match. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const hosts[] = {
		"mail-wm1-f41.google.com",
		"a8-30.smtp-out.amazonses.com",
		"o1.ptr2625.sendgrid.net",
		"aspmx.l.google.com",
		"x.",
		"",
		"a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x",
	};
	struct providers *ps = NULL;
	struct err err = ERR_INIT;
	const struct provider *out[8];
	size_t i;

	if (providers_load_buffer(&ps, (const char *)data, size, "fuzz.ini",
				  &err) != STATUS_OK) {
		/* A refusal must say why. */
		if (!err.message || !*err.message)
			__builtin_trap();
		err_done(&err);
		return 0;
	}
	for (i = 0; i < sizeof hosts / sizeof *hosts; i++) {
		(void)providers_match_ptr(ps, hosts[i]);
		(void)providers_match_mx(ps, hosts[i]);
	}
	(void)providers_match_spf(ps, "include:_spf.google.com");
	(void)providers_filter(ps, "mail", out, 8);
	for (i = 0; i < providers_count(ps); i++) {
		const struct provider *p = providers_at(ps, i);

		if (providers_find(ps, p->id) != p || !p->name)
			__builtin_trap();
		(void)providers_filter(ps, p->id, out, 8);
	}
	providers_free(ps);
	return 0;
}
