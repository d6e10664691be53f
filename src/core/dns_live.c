/* The live backend: c-ares. (Filled in by the DNS engine work.) */
#include "config.h"

#include "dns.h"

#include "i18n.h"

/* Creates a c-ares resolver. */
enum status dns_new_live(struct dns **out, const struct dns_live_options *o,
			 struct err *err)
{
	*out = NULL;
	return err_set(err, STATUS_UNSUPPORTED,
		       _("live DNS is not built yet; use --zone FILE"));
}
