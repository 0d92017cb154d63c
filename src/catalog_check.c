/* The words of a channel: check kinds, transports and STARTTLS policies,
 * from the one X-macro list in catalog_check.h. */
#include "config.h"

#include <string.h>

#include "veriport/catalog_check.h"

static const struct {
	const char *name;
	unsigned transports;
	unsigned tls;
} checks[CATALOG_CHECK_COUNT] = {
#define CATALOG_CHECK_ROW(id, name, transports, tls)                           \
	[CATALOG_CHECK_##id] = {name, transports, tls},
    CATALOG_CHECKS(CATALOG_CHECK_ROW)
#undef CATALOG_CHECK_ROW
};

const char *catalog_check_name(enum catalog_check check)
{
	return checks[check].name;
}

int catalog_check_from_name(const char *name)
{
	for (int i = 0; i < CATALOG_CHECK_COUNT; i++)
		if (strcmp(checks[i].name, name) == 0)
			return i;
	return -1;
}

bool catalog_check_is_starttls(enum catalog_check check)
{
	return checks[check].tls == 1;
}

bool catalog_check_is_implicit_tls(enum catalog_check check)
{
	return checks[check].tls == 2;
}

bool catalog_check_has_tls(enum catalog_check check)
{
	return checks[check].tls != 0;
}

bool catalog_check_allows(enum catalog_check check,
			  enum catalog_transport transport)
{
	return (checks[check].transports &
		(transport == CATALOG_TCP ? 1u : 2u)) != 0;
}

const char *catalog_transport_name(enum catalog_transport transport)
{
	return transport == CATALOG_TCP ? "tcp" : "udp";
}

const char *catalog_starttls_name(enum catalog_starttls starttls)
{
	switch (starttls) {
	case CATALOG_STARTTLS_OPPORTUNISTIC:
		return "opportunistic";
	case CATALOG_STARTTLS_REQUIRED:
		return "required";
	case CATALOG_STARTTLS_NONE:
		break;
	}
	return NULL;
}
