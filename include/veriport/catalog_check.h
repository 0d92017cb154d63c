/* The words a channel is described in, shared by every floor: check kinds,
 * transports, STARTTLS policies. A leaf header: it includes nothing of the
 * project, so a dialogue knows its check kind without the catalog parser. */
#ifndef VERIPORT_CATALOG_CHECK_H
#define VERIPORT_CATALOG_CHECK_H

#include <stdbool.h>

enum catalog_transport { CATALOG_TCP, CATALOG_UDP };

/* Check kinds: name, transports it runs over (bit 0 tcp, bit 1 udp), and
 * where TLS comes in (0 never, 1 after a STARTTLS-like upgrade, 2 right
 * after connect). One list so names and properties cannot drift. */
#define CATALOG_CHECKS(X)                                                      \
	X(TCP, "tcp", 1, 0)                                                    \
	X(SMTP_STARTTLS, "smtp-starttls", 1, 1)                                \
	X(SMTPS, "smtps", 1, 2)                                                \
	X(IMAP_STARTTLS, "imap-starttls", 1, 1)                                \
	X(IMAPS, "imaps", 1, 2)                                                \
	X(POP3_STARTTLS, "pop3-starttls", 1, 1)                                \
	X(POP3S, "pop3s", 1, 2)                                                \
	X(LDAP_STARTTLS, "ldap-starttls", 1, 1)                                \
	X(LDAPS, "ldaps", 1, 2)                                                \
	X(CLDAP, "cldap", 2, 0)                                                \
	X(HTTP, "http", 1, 0)                                                  \
	X(HTTPS, "https", 1, 2)                                                \
	X(TLS, "tls", 1, 2)                                                    \
	X(SSH, "ssh", 1, 0)                                                    \
	X(RSYNC, "rsync", 1, 0)                                                \
	X(RAZOR, "razor", 1, 0)                                                \
	X(DNS, "dns", 3, 0)                                                    \
	X(NTP, "ntp", 2, 0)                                                    \
	X(SNMP, "snmp", 2, 0)                                                  \
	X(SYSLOG, "syslog", 2, 0)                                              \
	X(PYZOR, "pyzor", 2, 0)                                                \
	X(DCC, "dcc", 2, 0)                                                    \
	X(PGSQL, "pgsql", 1, 0)                                                \
	X(TDS, "tds", 1, 0)

enum catalog_check {
#define CATALOG_CHECK_ENUM(id, name, transports, tls) CATALOG_CHECK_##id,
	CATALOG_CHECKS(CATALOG_CHECK_ENUM)
#undef CATALOG_CHECK_ENUM
	    CATALOG_CHECK_COUNT
};

enum catalog_starttls {
	CATALOG_STARTTLS_NONE, /* the check kind has no STARTTLS step */
	CATALOG_STARTTLS_OPPORTUNISTIC,
	CATALOG_STARTTLS_REQUIRED,
};

const char *catalog_check_name(enum catalog_check check);
/* Returns the check, or -1 for an unknown name. */
int catalog_check_from_name(const char *name);
/* A STARTTLS upgrade (smtp-starttls, ...), as the catalog's `starttls`
 * attribute speaks of. */
bool catalog_check_is_starttls(enum catalog_check check);
/* TLS from the first byte (smtps, imaps, https, tls, ...). */
bool catalog_check_is_implicit_tls(enum catalog_check check);
/* Either of the two: the probe needs a TLS handshake. */
bool catalog_check_has_tls(enum catalog_check check);
bool catalog_check_allows(enum catalog_check check,
			  enum catalog_transport transport);
const char *catalog_transport_name(enum catalog_transport transport);
/* "opportunistic", "required", or NULL for CATALOG_STARTTLS_NONE. */
const char *catalog_starttls_name(enum catalog_starttls starttls);

#endif
