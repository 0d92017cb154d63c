/* The TCP dialogues with a STARTTLS step or a request of their own: SMTP,
 * IMAP, POP3, LDAP, HTTP, PostgreSQL and TDS. Every session replays what
 * a server sent, in the clear and over TLS, cut at every byte boundary and
 * one byte at a time (dlg_replay.h), and checks what the client sent, the
 * end, the evidence and the STARTTLS fact. Bounds, garbage, endless peers
 * and injected plaintext after the go-ahead for TLS have their own tests. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlg_replay.h"
#include "veriport/catalog.h"
#include "veriport/dlg.h"

#include "check_run.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

#define SMTP CATALOG_CHECK_SMTP_STARTTLS
#define SMTPS CATALOG_CHECK_SMTPS
#define IMAP CATALOG_CHECK_IMAP_STARTTLS
#define IMAPS CATALOG_CHECK_IMAPS
#define POP3 CATALOG_CHECK_POP3_STARTTLS
#define POP3S CATALOG_CHECK_POP3S
#define LDAP CATALOG_CHECK_LDAP_STARTTLS
#define LDAPS CATALOG_CHECK_LDAPS
#define HTTP CATALOG_CHECK_HTTP
#define HTTPS CATALOG_CHECK_HTTPS
#define PGSQL CATALOG_CHECK_PGSQL
#define TDS CATALOG_CHECK_TDS
#define NONE DLG_FAIL_NONE
#define UNEXPECTED DLG_FAIL_UNEXPECTED
#define CLOSED DLG_FAIL_CLOSED_EARLY
#define TOO_LONG DLG_FAIL_TOO_LONG

/* The target name the sessions give; what EHLO and Host carry. */
#define HOST "mx.example.net"
#define PROBE_ID 0x1234

/* Real server transcripts. Each was captured on Debian 12 over 127.0.0.1
 * by running these very dialogues (a blocking-socket driver with OpenSSL
 * for the handshake), so the servers also accepted every byte we send;
 * the part "over TLS" is the plaintext inside TLS. */

/* Postfix 3.7.11, smtpd with smtpd_tls_security_level=may. */
static const char postfix_clear[] =
    "220 mx.vpt.test ESMTP Postfix (Debian/GNU)\r\n"
    "250-mx.vpt.test\r\n"
    "250-PIPELINING\r\n"
    "250-SIZE 10240000\r\n"
    "250-VRFY\r\n"
    "250-ETRN\r\n"
    "250-STARTTLS\r\n"
    "250-ENHANCEDSTATUSCODES\r\n"
    "250-8BITMIME\r\n"
    "250-DSN\r\n"
    "250-SMTPUTF8\r\n"
    "250 CHUNKING\r\n"
    "220 2.0.0 Ready to start TLS\r\n";
static const char postfix_tls[] = "250-mx.vpt.test\r\n"
				  "250-PIPELINING\r\n"
				  "250-SIZE 10240000\r\n"
				  "250-VRFY\r\n"
				  "250-ETRN\r\n"
				  "250-ENHANCEDSTATUSCODES\r\n"
				  "250-8BITMIME\r\n"
				  "250-DSN\r\n"
				  "250-SMTPUTF8\r\n"
				  "250 CHUNKING\r\n"
				  "221 2.0.0 Bye\r\n";
/* Postfix 3.7.11: the same session on smtps (smtpd_tls_wrappermode), and
 * in the clear with smtpd_tls_security_level=none. */
static const char postfix_plain[] =
    "220 mx.vpt.test ESMTP Postfix (Debian/GNU)\r\n"
    "250-mx.vpt.test\r\n"
    "250-PIPELINING\r\n"
    "250-SIZE 10240000\r\n"
    "250-VRFY\r\n"
    "250-ETRN\r\n"
    "250-ENHANCEDSTATUSCODES\r\n"
    "250-8BITMIME\r\n"
    "250-DSN\r\n"
    "250-SMTPUTF8\r\n"
    "250 CHUNKING\r\n"
    "221 2.0.0 Bye\r\n";
/* Postfix 3.7.11 offering STARTTLS with a certificate file it cannot
 * read. */
static const char postfix_454[] =
    "220 mx.vpt.test ESMTP Postfix (Debian/GNU)\r\n"
    "250-mx.vpt.test\r\n"
    "250-PIPELINING\r\n"
    "250-SIZE 10240000\r\n"
    "250-VRFY\r\n"
    "250-ETRN\r\n"
    "250-STARTTLS\r\n"
    "250-ENHANCEDSTATUSCODES\r\n"
    "250-8BITMIME\r\n"
    "250-DSN\r\n"
    "250-SMTPUTF8\r\n"
    "250 CHUNKING\r\n"
    "454 4.7.0 TLS not available due to local problem\r\n"
    "221 2.0.0 Bye\r\n";
#define POSTFIX_CAPS                                                           \
	"PIPELINING SIZE 10240000 VRFY ETRN ENHANCEDSTATUSCODES 8BITMIME "     \
	"DSN SMTPUTF8 CHUNKING"
#define POSTFIX_GREETING "220 mx.vpt.test ESMTP Postfix (Debian/GNU)"
#define EHLO "EHLO " HOST "\r\n"

/* Dovecot 2.3.19.1, imap-login with ssl = yes. */
static const char dovecot_imap_clear[] =
    "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE "
    "LITERAL+ STARTTLS AUTH=PLAIN] Dovecot (Debian) ready.\r\n"
    "a2 OK Begin TLS negotiation now.\r\n";
static const char dovecot_imap_tls[] =
    "* CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE "
    "LITERAL+ AUTH=PLAIN\r\n"
    "a3 OK Pre-login capabilities listed, post-login capabilities have "
    "more.\r\n"
    "* BYE Logging out\r\n"
    "a4 OK Logout completed.\r\n";
/* Dovecot 2.3.19.1 on imaps, and with ssl = no on 143. */
static const char dovecot_imap_plain[] =
    "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE "
    "LITERAL+ AUTH=PLAIN] Dovecot (Debian) ready.\r\n"
    "* BYE Logging out\r\n"
    "a4 OK Logout completed.\r\n";
#define DOVECOT_IMAP_CAPS                                                      \
	"IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ AUTH=PLAIN"

/* Dovecot 2.3.19.1, pop3-login with ssl = yes. */
static const char dovecot_pop3_clear[] = "+OK Dovecot (Debian) ready.\r\n"
					 "+OK\r\n"
					 "CAPA\r\n"
					 "TOP\r\n"
					 "UIDL\r\n"
					 "RESP-CODES\r\n"
					 "PIPELINING\r\n"
					 "AUTH-RESP-CODE\r\n"
					 "STLS\r\n"
					 "USER\r\n"
					 "SASL PLAIN\r\n"
					 ".\r\n"
					 "+OK Begin TLS negotiation now.\r\n";
static const char dovecot_pop3_tls[] = "+OK\r\n"
				       "CAPA\r\n"
				       "TOP\r\n"
				       "UIDL\r\n"
				       "RESP-CODES\r\n"
				       "PIPELINING\r\n"
				       "AUTH-RESP-CODE\r\n"
				       "USER\r\n"
				       "SASL PLAIN\r\n"
				       ".\r\n"
				       "+OK Logging out\r\n";
/* Dovecot 2.3.19.1 on pop3s, and with ssl = no on 110. */
static const char dovecot_pop3_plain[] = "+OK Dovecot (Debian) ready.\r\n"
					 "+OK\r\n"
					 "CAPA\r\n"
					 "TOP\r\n"
					 "UIDL\r\n"
					 "RESP-CODES\r\n"
					 "PIPELINING\r\n"
					 "AUTH-RESP-CODE\r\n"
					 "USER\r\n"
					 "SASL PLAIN\r\n"
					 ".\r\n"
					 "+OK Logging out\r\n";
#define DOVECOT_POP3_CAPS                                                      \
	"CAPA TOP UIDL RESP-CODES PIPELINING AUTH-RESP-CODE USER SASL PLAIN"

/* OpenLDAP slapd 2.5.13 with a certificate and an mdb database for
 * dc=example,dc=com: the StartTLS ExtendedResponse (messageID 0x1234,
 * success)... */
static const uint8_t slapd_starttls_ok[] = {
    0x30, 0x0d, 0x02, 0x02, 0x12, 0x34, 0x78, 0x07,
    0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00,
};
/* ...and, over TLS (or on ldaps), the rootDSE entry and the done for
 * messageID 0x1235. */
static const uint8_t slapd_rootdse[] = {
    0x30, 0x4e, 0x02, 0x02, 0x12, 0x35, 0x64, 0x48, 0x04, 0x00, 0x30, 0x44,
    0x30, 0x25, 0x04, 0x0e, 0x6e, 0x61, 0x6d, 0x69, 0x6e, 0x67, 0x43, 0x6f,
    0x6e, 0x74, 0x65, 0x78, 0x74, 0x73, 0x31, 0x13, 0x04, 0x11, 0x64, 0x63,
    0x3d, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x2c, 0x64, 0x63, 0x3d,
    0x63, 0x6f, 0x6d, 0x30, 0x1b, 0x04, 0x14, 0x73, 0x75, 0x70, 0x70, 0x6f,
    0x72, 0x74, 0x65, 0x64, 0x4c, 0x44, 0x41, 0x50, 0x56, 0x65, 0x72, 0x73,
    0x69, 0x6f, 0x6e, 0x31, 0x03, 0x04, 0x01, 0x33, 0x30, 0x0d, 0x02, 0x02,
    0x12, 0x35, 0x65, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00,
};
/* slapd 2.5.13 without a certificate: protocolError to StartTLS, then the
 * rootDSE in the clear. */
static const uint8_t slapd_no_tls[] = {
    0x30, 0x2b, 0x02, 0x02, 0x12, 0x34, 0x78, 0x25, 0x0a, 0x01, 0x02, 0x04,
    0x00, 0x04, 0x1e, 0x75, 0x6e, 0x73, 0x75, 0x70, 0x70, 0x6f, 0x72, 0x74,
    0x65, 0x64, 0x20, 0x65, 0x78, 0x74, 0x65, 0x6e, 0x64, 0x65, 0x64, 0x20,
    0x6f, 0x70, 0x65, 0x72, 0x61, 0x74, 0x69, 0x6f, 0x6e, 0x30, 0x4e, 0x02,
    0x02, 0x12, 0x35, 0x64, 0x48, 0x04, 0x00, 0x30, 0x44, 0x30, 0x25, 0x04,
    0x0e, 0x6e, 0x61, 0x6d, 0x69, 0x6e, 0x67, 0x43, 0x6f, 0x6e, 0x74, 0x65,
    0x78, 0x74, 0x73, 0x31, 0x13, 0x04, 0x11, 0x64, 0x63, 0x3d, 0x65, 0x78,
    0x61, 0x6d, 0x70, 0x6c, 0x65, 0x2c, 0x64, 0x63, 0x3d, 0x63, 0x6f, 0x6d,
    0x30, 0x1b, 0x04, 0x14, 0x73, 0x75, 0x70, 0x70, 0x6f, 0x72, 0x74, 0x65,
    0x64, 0x4c, 0x44, 0x41, 0x50, 0x56, 0x65, 0x72, 0x73, 0x69, 0x6f, 0x6e,
    0x31, 0x03, 0x04, 0x01, 0x33, 0x30, 0x0d, 0x02, 0x02, 0x12, 0x35, 0x65,
    0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00,
};
#define SLAPD_ROOTDSE                                                          \
	"namingContexts: dc=example,dc=com; supportedLDAPVersion: 3"

/* nginx 1.22.1 (nginx-light) serving a static root, on http and https. */
static const char nginx_200[] =
    "HTTP/1.1 200 OK\r\n"
    "Server: nginx/1.22.1\r\n"
    "Date: Mon, 23 Nov 2026 10:07:24 GMT\r\n"
    "Content-Type: text/html\r\n"
    "Content-Length: 3\r\n"
    "Last-Modified: Mon, 23 Nov 2026 10:07:23 GMT\r\n"
    "Connection: close\r\n"
    "ETag: \"6b04105b-3\"\r\n"
    "Accept-Ranges: bytes\r\n"
    "\r\n";
/* nginx 1.22.1 set up to answer like a proxy: "return 407" with the Via
 * and X-Cache headers squid adds (add_header ... always). */
static const char nginx_407_via[] = "HTTP/1.1 407 \r\n"
				    "Server: nginx/1.22.1\r\n"
				    "Date: Mon, 23 Nov 2026 10:07:24 GMT\r\n"
				    "Content-Length: 0\r\n"
				    "Connection: close\r\n"
				    "Via: 1.1 squid.example.net (squid/5.7)\r\n"
				    "X-Cache: MISS from squid.example.net\r\n"
				    "\r\n";

/* PostgreSQL 15.18: the answers to our SSLRequest with ssl = on and
 * ssl = off. */
static const char pgsql_yes[] = "S";
static const char pgsql_no[] = "N";
/* PostgreSQL 15.18 refusing a protocol 1.0 startup packet: the protocol
 * 2 ErrorResponse a server from before SSL (7.0) sends in answer to an
 * SSLRequest. */
static const char pgsql_error_v2[] =
    "EFATAL:  unsupported frontend protocol 1.0: server supports 3.0 to "
    "3.0\n\0";
/* PostgreSQL 15.18's protocol 3 ErrorResponse to a startup packet
 * without a user. */
static const char pgsql_error_v3[] =
    "E\x00\x00\x00\x79"
    "SFATAL\0VFATAL\0C28000\0Mno PostgreSQL user name specified in startup "
    "packet\0Fpostmaster.c\0L2351\0RProcessStartupPacket\0\0";

/* Built by hand, from a specification or a vendor's documented output:
 * no such server can run here. */

/* RFC 5321 §4.2's multi-line greeting; Exchange-like reply texts. */
static const char smtp_multiline_greeting[] =
    "220-mx.example.com ESMTP\r\n"
    "220-No unsolicited bulk mail here\r\n"
    "220 Ready\r\n"
    "250-mx.example.com Hello [192.0.2.1]\r\n"
    "250-SIZE 37748736\r\n"
    "250-STARTTLS\r\n"
    "250 CHUNKING\r\n"
    "220 2.0.0 SMTP server ready\r\n";
static const char smtp_exchange_tls[] =
    "250-mx.example.com Hello [192.0.2.1]\r\n"
    "250-SIZE 37748736\r\n"
    "250-AUTH NTLM LOGIN\r\n"
    "250 CHUNKING\r\n"
    "221 2.0.0 Service closing transmission channel\r\n";

/* Cyrus-style IMAP without capabilities in the greeting (RFC 9051 §7.2.2),
 * and the same server over TLS. */
static const char imap_no_greeting_caps[] =
    "* OK imap.example.com Cyrus IMAP server ready\r\n"
    "* CAPABILITY IMAP4rev1 LITERAL+ ID STARTTLS LOGINDISABLED\r\n"
    "a1 OK Completed\r\n"
    "a2 OK Begin TLS negotiation now\r\n";
static const char imap_cyrus_tls[] =
    "* CAPABILITY IMAP4rev1 LITERAL+ ID AUTH=PLAIN SASL-IR\r\n"
    "a3 OK Completed\r\n"
    "* BYE LOGOUT received\r\n"
    "a4 OK Completed\r\n";
/* RFC 9051 §4.3 literals in untagged data (an ID answer, RFC 2971) before
 * the capabilities: the literal holds a CR LF and a "{". */
static const char imap_literals[] =
    "* OK ready\r\n"
    "* ID (\"name\" {9}\r\nDove\r\n{co} \"os\" {5+}\r\nLinux)\r\n"
    "* CAPABILITY IMAP4rev1 STARTTLS\r\n"
    "a1 OK done\r\n"
    "a2 OK go\r\n";

/* A POP3 server of RFC 2595's time: no CAPA, but STLS. */
static const char pop3_no_capa[] = "+OK POP3 server ready\r\n"
				   "-ERR unknown command\r\n"
				   "+OK Begin TLS\r\n";
static const char pop3_no_capa_tls[] = "-ERR unknown command\r\n"
				       "+OK bye\r\n";

/* RFC 4511 §4.14.2: Active Directory without a certificate answers
 * StartTLS with unavailable (52); its message as Microsoft documents it. */
static const uint8_t ldap_unavailable[] = {
    0x30, 0x2d, 0x02, 0x02, 0x12, 0x34, 0x78, 0x27, 0x0a, 0x01, 0x34,
    0x04, 0x00, 0x04, 0x20, '0',  '0',  '0',  '0',  '0',  '0',  '0',
    '0',  ':',  ' ',  'L',  'd',  'a',  'p',  'E',  'r',  'r',  ':',
    ' ',  'D',  'S',  'I',  'D',  '-',  '0',  'C',  '0',  '9',  '1',
    '1',  'E',  '1',  0x30, 0x0d, 0x02, 0x02, 0x12, 0x35, 0x65, 0x07,
    0x0a, 0x01, 0x32, 0x04, 0x00, 0x04, 0x00,
};
/* RFC 4511 §4.4.1: a Notice of Disconnection (messageID 0,
 * unavailable), with its responseName [10]. */
static const uint8_t ldap_notice[] = {
    0x30, 0x38, 0x02, 0x01, 0x00, 0x78, 0x33, 0x0a, 0x01, 0x34, 0x04, 0x00,
    0x04, 0x14, 's',  'e',  'r',  'v',  'e',  'r',  ' ',  'i',  's',  ' ',
    'g',  'o',  'i',  'n',  'g',  ' ',  'a',  'w',  'a',  'y',  0x8a, 0x16,
    '1',  '.',  '3',  '.',  '6',  '.',  '1',  '.',  '4',  '.',  '1',  '.',
    '1',  '4',  '6',  '6',  '.',  '2',  '0',  '0',  '3',  '6',
};
/* slapd's StartTLS answer for another messageID. */
static const uint8_t ldap_other_id[] = {
    0x30, 0x0d, 0x02, 0x02, 0x12, 0x99, 0x78, 0x07,
    0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00,
};
/* A search refused by an ACL on the rootDSE: insufficientAccessRights. */
static const uint8_t ldap_search_refused[] = {
    0x30, 0x0d, 0x02, 0x02, 0x12, 0x35, 0x65, 0x07,
    0x0a, 0x01, 0x32, 0x04, 0x00, 0x04, 0x00,
};
/* A SearchResultEntry whose attribute list is an OCTET STRING. */
static const uint8_t ldap_bad_entry[] = {
    0x30, 0x0c, 0x02, 0x02, 0x12, 0x35, 0x64,
    0x06, 0x04, 0x00, 0x04, 0x02, 'h',  'i',
};

/* MS-TDS §2.2.6.5 PRELOGIN answers, as SQL Server 2022 (16.0.1000)
 * sends them: VERSION, ENCRYPTION, INSTOPT, THREADID (empty from a
 * server), MARS; the encryption byte at offset 8 + 32. */
#define TDS_ANSWER(enc)                                                        \
	{                                                                      \
		0x04, 0x01, 0x00, 0x2b, 0x00, 0x00, 0x01, 0x00, /* header */   \
		    0x00, 0x00, 0x1a, 0x00, 0x06,               /* VERSION */  \
		    0x01, 0x00, 0x20, 0x00, 0x01,             /* ENCRYPTION */ \
		    0x02, 0x00, 0x21, 0x00, 0x01,             /* INSTOPT */    \
		    0x03, 0x00, 0x22, 0x00, 0x00,             /* THREADID */   \
		    0x04, 0x00, 0x22, 0x00, 0x01,             /* MARS */       \
		    0xff, 0x10, 0x00, 0x03, 0xe8, 0x00, 0x00, /* 16.0.1000 */  \
		    (enc), 0x00, 0x00,                                         \
	}
static const uint8_t tds_off[] = TDS_ANSWER(0x00);
static const uint8_t tds_req[] = TDS_ANSWER(0x03);
static const uint8_t tds_not_sup[] = TDS_ANSWER(0x02);
static const uint8_t tds_cert[] = TDS_ANSWER(0x81);
/* The same answer with VERSION pointing past the packet, and without its
 * terminator. */
static const uint8_t tds_past[] = {
    0x04, 0x01, 0x00, 0x1a, 0x00, 0x00, 0x01, 0x00, 0x00,
    0x00, 0x40, 0x00, 0x06, 0x01, 0x00, 0x0b, 0x00, 0x01,
    0xff, 0x10, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x00,
};
static const uint8_t tds_unterminated[] = {
    0x04, 0x01, 0x00, 0x0d, 0x00, 0x00, 0x01,
    0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
};

/* What the client sends: LDAP (RFC 4511 §4.14.1, §4.5.1), read field by
 * field; these are also the bytes slapd answered above. */
static const uint8_t ldap_starttls_request[] = {
    0x30, 0x1e,             /* LDAPMessage */
    0x02, 0x02, 0x12, 0x34, /* messageID */
    0x77, 0x18,             /* [APPLICATION 23] ExtendedRequest */
    0x80, 0x16,             /* requestName [0] */
    '1',  '.',  '3',  '.',  '6', '.', '1', '.', '4', '.', '1',
    '.',  '1',  '4',  '6',  '6', '.', '2', '0', '0', '3', '7',
};
static const uint8_t ldap_search_request[] = {
    0x30, 0x58,             /* LDAPMessage */
    0x02, 0x02, 0x12, 0x35, /* messageID: StartTLS's + 1 */
    0x63, 0x52,             /* [APPLICATION 3] searchRequest */
    0x04, 0x00,             /* baseObject "" */
    0x0a, 0x01, 0x00,       /* scope baseObject */
    0x0a, 0x01, 0x00,       /* derefAliases neverDerefAliases */
    0x02, 0x01, 0x00,       /* sizeLimit 0 */
    0x02, 0x01, 0x00,       /* timeLimit 0 */
    0x01, 0x01, 0x00,       /* typesOnly FALSE */
    0x87, 0x0b, 'o',  'b',  'j', 'e', 'c', 't', 'C',  'l',
    'a',  's',  's', /* present [7] objectClass */
    0x30, 0x32,      /* attributes */
    0x04, 0x14, 's',  'u',  'p', 'p', 'o', 'r', 't',  'e',
    'd',  'L',  'D',  'A',  'P', 'V', 'e', 'r', 's',  'i',
    'o',  'n',  0x04, 0x0e, 'n', 'a', 'm', 'i', 'n',  'g',
    'C',  'o',  'n',  't',  'e', 'x', 't', 's', 0x04, 0x0a,
    'v',  'e',  'n',  'd',  'o', 'r', 'N', 'a', 'm',  'e',
};
/* Both, as sent in the clear when StartTLS is refused. */
static const uint8_t ldap_both_requests[] = {
    0x30, 0x1e, 0x02, 0x02, 0x12, 0x34, 0x77, 0x18, 0x80, 0x16, '1',  '.',
    '3',  '.',  '6',  '.',  '1',  '.',  '4',  '.',  '1',  '.',  '1',  '4',
    '6',  '6',  '.',  '2',  '0',  '0',  '3',  '7',  0x30, 0x58, 0x02, 0x02,
    0x12, 0x35, 0x63, 0x52, 0x04, 0x00, 0x0a, 0x01, 0x00, 0x0a, 0x01, 0x00,
    0x02, 0x01, 0x00, 0x02, 0x01, 0x00, 0x01, 0x01, 0x00, 0x87, 0x0b, 'o',
    'b',  'j',  'e',  'c',  't',  'C',  'l',  'a',  's',  's',  0x30, 0x32,
    0x04, 0x14, 's',  'u',  'p',  'p',  'o',  'r',  't',  'e',  'd',  'L',
    'D',  'A',  'P',  'V',  'e',  'r',  's',  'i',  'o',  'n',  0x04, 0x0e,
    'n',  'a',  'm',  'i',  'n',  'g',  'C',  'o',  'n',  't',  'e',  'x',
    't',  's',  0x04, 0x0a, 'v',  'e',  'n',  'd',  'o',  'r',  'N',  'a',
    'm',  'e',
};
/* PostgreSQL protocol §55.7 SSLRequest. */
static const uint8_t pgsql_ssl_request[] = {
    0x00, 0x00, 0x00, 0x08, /* length 8 */
    0x04, 0xd2, 0x16, 0x2f, /* 80877103 */
};
/* MS-TDS §2.2.6.5 PRELOGIN for probe id 0x1234. */
static const uint8_t tds_prelogin[] = {
    0x12, 0x01, 0x00, 0x29,             /* PRELOGIN, EOM, length 41 */
    0x00, 0x00, 0x01, 0x00,             /* SPID 0, PacketID 1, Window 0 */
    0x00, 0x00, 0x15, 0x00, 0x06,       /* VERSION at 21, 6 bytes */
    0x01, 0x00, 0x1b, 0x00, 0x01,       /* ENCRYPTION at 27 */
    0x02, 0x00, 0x1c, 0x00, 0x01,       /* INSTOPT at 28 */
    0x03, 0x00, 0x1d, 0x00, 0x04,       /* THREADID at 29 */
    0xff,                               /* TERMINATOR */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* version 0.0.0.0 */
    0x00,                               /* ENCRYPT_OFF */
    0x00,                               /* the default instance */
    0x00, 0x00, 0x12, 0x34,             /* THREADID: the probe id */
};
#define HTTP_HEAD                                                              \
	"HEAD / HTTP/1.1\r\nHost: " HOST                                       \
	"\r\nUser-Agent: veriport/" PACKAGE_VERSION                            \
	"\r\nAccept: */*\r\nConnection: close\r\n\r\n"

/* Sessions ------------------------------------------------------------- */

struct session {
	const char *name;
	enum catalog_check check;
	const uint8_t *clear;
	size_t clear_len;
	const uint8_t *tls;
	size_t tls_len;
	bool eof;
	enum dlg_step step;
	enum dlg_failure failure;
	const char *detail;
	bool offered;
	const char *greeting; /* NULL: not checked */
	const uint8_t *sent;  /* NULL: not checked */
	size_t sent_len;
	const uint8_t *sent_tls;
	size_t sent_tls_len;
	unsigned http_status; /* 0: HTTP facts not checked */
	bool via, x_cache, proxy;
	const char *server;
};

#define CLEAR(s) .clear = (const uint8_t *)(s), .clear_len = sizeof(s) - 1
#define CLEAR_BYTES(a) .clear = (a), .clear_len = sizeof(a)
#define OVER_TLS(s) .tls = (const uint8_t *)(s), .tls_len = sizeof(s) - 1
#define OVER_TLS_BYTES(a) .tls = (a), .tls_len = sizeof(a)
#define SENT(s) .sent = (const uint8_t *)(s), .sent_len = sizeof(s) - 1
#define SENT_BYTES(a) .sent = (a), .sent_len = sizeof(a)
#define SENT_TLS(s)                                                            \
	.sent_tls = (const uint8_t *)(s), .sent_tls_len = sizeof(s) - 1
#define SENT_TLS_BYTES(a) .sent_tls = (a), .sent_tls_len = sizeof(a)

static const struct session sessions[] = {
    /* SMTP ------------------------------------------------------------ */
    {"smtp postfix 3.7.11 starttls", SMTP, CLEAR(postfix_clear),
     OVER_TLS(postfix_tls), .step = DLG_DONE,
     .detail = "EHLO after STARTTLS: " POSTFIX_CAPS, .offered = true,
     .greeting = POSTFIX_GREETING, SENT(EHLO "STARTTLS\r\n"),
     SENT_TLS(EHLO "QUIT\r\n")},
    {"smtp postfix 3.7.11 closes after QUIT", SMTP, CLEAR(postfix_clear),
     OVER_TLS("250 mx.vpt.test\r\n"), .eof = true, .step = DLG_DONE,
     .detail = "EHLO after STARTTLS: nothing listed", .offered = true},
    {"smtps postfix 3.7.11", SMTPS, CLEAR(postfix_plain), .step = DLG_DONE,
     .detail = "EHLO: " POSTFIX_CAPS, .greeting = POSTFIX_GREETING,
     SENT(EHLO "QUIT\r\n")},
    {"smtp postfix 3.7.11 without tls", SMTP, CLEAR(postfix_plain),
     .step = DLG_DONE, .detail = "STARTTLS not offered; EHLO: " POSTFIX_CAPS,
     .greeting = POSTFIX_GREETING, SENT(EHLO "QUIT\r\n")},
    {"smtp postfix 3.7.11 refuses starttls", SMTP, CLEAR(postfix_454),
     .step = DLG_DONE,
     .detail = "STARTTLS refused: 454 4.7.0 TLS not available due to local "
	       "problem; EHLO: PIPELINING SIZE 10240000 VRFY ETRN STARTTLS*",
     SENT(EHLO "STARTTLS\r\nQUIT\r\n")},
    {"smtp multi-line greeting", SMTP, CLEAR(smtp_multiline_greeting),
     OVER_TLS(smtp_exchange_tls), .step = DLG_DONE,
     .detail = "EHLO after STARTTLS: SIZE 37748736 AUTH NTLM LOGIN CHUNKING",
     .offered = true, .greeting = "220-mx.example.com ESMTP"},
    {"smtp 554 greeting", SMTP,
     CLEAR("554 5.7.1 mx.example.com: your address is blocked\r\n"),
     .step = DLG_FAIL, .failure = UNEXPECTED,
     .detail = "554 5.7.1 mx.example.com: your address is blocked",
     .greeting = "554 5.7.1 mx.example.com: your address is blocked", SENT("")},
    {"smtp 421 greeting", SMTP,
     CLEAR("421 4.3.2 Service shutting down, closing transmission "
	   "channel\r\n"),
     .step = DLG_FAIL, .failure = UNEXPECTED, .detail = "421 4.3.2 Service*"},
    {"smtp 421 to ehlo", SMTP,
     CLEAR("220 mx ESMTP\r\n421 4.7.0 mx Error: too many connections\r\n"),
     .step = DLG_FAIL, .failure = UNEXPECTED,
     .detail = "421 4.7.0 mx Error: too many connections"},
    {"smtp 421 to ehlo over tls", SMTP, CLEAR(postfix_clear),
     OVER_TLS("421 4.3.0 collect: Cannot write ./dfx (bfcompress, uid=0, "
	      "gid=0)\r\n"),
     .step = DLG_FAIL, .failure = UNEXPECTED, .detail = "421 4.3.0 collect*",
     .offered = true},
    {"smtp ehlo refused", SMTP,
     CLEAR("220 old.example.com Sendmail 8.6\r\n"
	   "502 5.5.2 Command not recognized\r\n221 bye\r\n"),
     .step = DLG_DONE,
     .detail = "EHLO refused: 502 5.5.2 Command not recognized",
     SENT(EHLO "QUIT\r\n")},
    {"smtp ehlo without extensions", SMTP,
     CLEAR("220 mx\r\n250 mx\r\n221 bye\r\n"), .step = DLG_DONE,
     .detail = "STARTTLS not offered; EHLO: nothing listed"},
    {"smtp starttls keyword in any case", SMTP,
     CLEAR("220 mx\r\n250-mx\r\n250 starttls\r\n220 go\r\n"),
     OVER_TLS("250 mx\r\n221 bye\r\n"), .step = DLG_DONE,
     .detail = "EHLO after STARTTLS: nothing listed", .offered = true},
    {"smtp reply code changes mid-reply", SMTP,
     CLEAR("220 mx\r\n250-mx\r\n251 STARTTLS\r\n"), .step = DLG_FAIL,
     .failure = UNEXPECTED, .detail = "unexpected reply to EHLO: 251 STARTTLS"},
    {"smtp garbage reply to ehlo", SMTP, CLEAR("220 mx\r\nhello there\r\n"),
     .step = DLG_FAIL, .failure = UNEXPECTED,
     .detail = "unexpected reply to EHLO: hello there"},
    {"smtp 250 greeting", SMTP, CLEAR("250 mx\r\n"), .step = DLG_FAIL,
     .failure = UNEXPECTED, .detail = "not an SMTP greeting: 250 mx"},
    {"smtp port answered by ssh", SMTP,
     CLEAR("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n"), .step = DLG_FAIL,
     .failure = UNEXPECTED, .detail = "not an SMTP greeting: S*"},
    {"smtp port answered by http", SMTP,
     CLEAR("HTTP/1.1 400 Bad Request\r\nServer: nginx\r\n\r\n"),
     .step = DLG_FAIL, .failure = UNEXPECTED,
     .detail = "not an SMTP greeting: H*"},
    {"smtp port answered by a tls alert", SMTP,
     CLEAR("\x15\x03\x03\x00\x02\x02\x28"), .step = DLG_FAIL,
     .failure = UNEXPECTED, .detail = "not an SMTP greeting: \\x15*"},
    {"smtp nul in a line", SMTP, CLEAR("220 mx\0x\r\n"), .step = DLG_FAIL,
     .failure = UNEXPECTED, .detail = "not an SMTP greeting: 220 mx*"},
    {"smtp closed at once", SMTP, CLEAR(""), .eof = true, .step = DLG_FAIL,
     .failure = CLOSED, .detail = "closed before sending a greeting"},
    {"smtp closed mid-greeting", SMTP, CLEAR("220 mx.exa"), .eof = true,
     .step = DLG_FAIL, .failure = CLOSED,
     .detail = "closed during the greeting, mid-line: 220 mx.exa"},
    {"smtp closed mid multi-line greeting", SMTP, CLEAR("220-mx\r\n"),
     .eof = true, .step = DLG_FAIL, .failure = CLOSED,
     .detail = "closed during the greeting", .greeting = "220-mx"},
    {"smtp closed after ehlo", SMTP, CLEAR("220 mx\r\n250-mx\r\n"), .eof = true,
     .step = DLG_FAIL, .failure = CLOSED, .detail = "closed after EHLO"},
    {"smtp closed after starttls", SMTP,
     CLEAR("220 mx\r\n250-mx\r\n250 STARTTLS\r\n"), .eof = true,
     .step = DLG_FAIL, .failure = CLOSED, .detail = "closed after STARTTLS",
     SENT(EHLO "STARTTLS\r\n")},
    {"smtp closed over tls", SMTP, CLEAR(postfix_clear),
     OVER_TLS("250-mx.vpt.test\r\n250-PIPELI"), .eof = true, .step = DLG_FAIL,
     .failure = CLOSED,
     .detail = "closed after EHLO over TLS, mid-line: 250-PIPELI",
     .offered = true},
    {"smtp greeting waits", SMTP, CLEAR("220 mx ESMTP\r\n"), .step = DLG_MORE,
     .detail = "", SENT(EHLO)},

    /* IMAP ------------------------------------------------------------ */
    {"imap dovecot 2.3.19.1 starttls", IMAP, CLEAR(dovecot_imap_clear),
     OVER_TLS(dovecot_imap_tls), .step = DLG_DONE,
     .detail = "CAPABILITY after STARTTLS: " DOVECOT_IMAP_CAPS, .offered = true,
     .greeting = "* OK [CAPABILITY IMAP4rev1*", SENT("a2 STARTTLS\r\n"),
     SENT_TLS("a3 CAPABILITY\r\na4 LOGOUT\r\n")},
    {"imaps dovecot 2.3.19.1", IMAPS, CLEAR(dovecot_imap_plain),
     .step = DLG_DONE, .detail = "CAPABILITY: " DOVECOT_IMAP_CAPS,
     SENT("a4 LOGOUT\r\n")},
    {"imap dovecot 2.3.19.1 without tls", IMAP, CLEAR(dovecot_imap_plain),
     .step = DLG_DONE,
     .detail = "STARTTLS not offered; CAPABILITY: " DOVECOT_IMAP_CAPS,
     SENT("a4 LOGOUT\r\n")},
    {"imap without capabilities in the greeting", IMAP,
     CLEAR(imap_no_greeting_caps), OVER_TLS(imap_cyrus_tls), .step = DLG_DONE,
     .detail = "CAPABILITY after STARTTLS: IMAP4rev1 LITERAL+ ID AUTH=PLAIN "
	       "SASL-IR",
     .offered = true,
     .greeting = "* OK imap.example.com Cyrus IMAP server ready",
     SENT("a1 CAPABILITY\r\na2 STARTTLS\r\n"),
     SENT_TLS("a3 CAPABILITY\r\na4 LOGOUT\r\n")},
    {"imap literals in untagged data", IMAP, CLEAR(imap_literals),
     OVER_TLS("a3 OK\r\na4 OK\r\n"), .step = DLG_DONE,
     .detail = "CAPABILITY after STARTTLS: nothing listed", .offered = true,
     SENT("a1 CAPABILITY\r\na2 STARTTLS\r\n")},
    {"imap starttls refused", IMAP,
     CLEAR("* OK [CAPABILITY IMAP4rev1 STARTTLS] hi\r\n"
	   "a2 NO [UNAVAILABLE] TLS not available\r\n"
	   "* BYE\r\na4 OK\r\n"),
     .step = DLG_DONE,
     .detail = "STARTTLS refused: a2 NO [UNAVAILABLE] TLS not available; "
	       "CAPABILITY: IMAP4rev1 STARTTLS",
     SENT("a2 STARTTLS\r\na4 LOGOUT\r\n")},
    {"imap capability refused", IMAP,
     CLEAR("* OK hi\r\na1 BAD unknown command\r\na4 OK\r\n"), .step = DLG_DONE,
     .detail = "CAPABILITY refused: a1 BAD unknown command",
     SENT("a1 CAPABILITY\r\na4 LOGOUT\r\n")},
    {"imap bye greeting", IMAP,
     CLEAR("* BYE Too many connections from your address\r\n"),
     .step = DLG_FAIL, .failure = UNEXPECTED,
     .detail = "* BYE Too many connections from your address"},
    {"imap bye instead of capabilities", IMAP,
     CLEAR("* OK hi\r\n* BYE Autologout; idle for too long\r\n"),
     .step = DLG_FAIL, .failure = UNEXPECTED,
     .detail = "* BYE Autologout; idle for too long"},
    {"imap preauth greeting in the clear", IMAP,
     CLEAR("* PREAUTH [CAPABILITY IMAP4rev1 STARTTLS] logged in as "
	   "joe\r\n* BYE\r\na4 OK\r\n"),
     .step = DLG_DONE,
     .detail = "PREAUTH greeting: no STARTTLS once authenticated",
     SENT("a4 LOGOUT\r\n")},
    {"imaps preauth greeting", IMAPS,
     CLEAR("* PREAUTH logged in\r\n* CAPABILITY IMAP4rev1\r\na1 OK\r\n"
	   "a4 OK\r\n"),
     .step = DLG_DONE, .detail = "CAPABILITY: IMAP4rev1",
     SENT("a1 CAPABILITY\r\na4 LOGOUT\r\n")},
    {"imap answer for another tag", IMAP, CLEAR("* OK hi\r\na9 OK done\r\n"),
     .step = DLG_FAIL, .failure = UNEXPECTED,
     .detail = "unexpected reply to CAPABILITY: a9 OK done"},
    {"imap continuation request", IMAP, CLEAR("* OK hi\r\n+ go ahead\r\n"),
     .step = DLG_FAIL, .failure = UNEXPECTED,
     .detail = "unexpected reply to CAPABILITY: + go ahead"},
    {"imap port answered by http", IMAP,
     CLEAR("HTTP/1.1 400 Bad Request\r\n\r\n"), .step = DLG_FAIL,
     .failure = UNEXPECTED, .detail = "not an IMAP greeting: H*"},
    {"imap port answered by smtp", IMAP, CLEAR(postfix_plain), .step = DLG_FAIL,
     .failure = UNEXPECTED, .detail = "not an IMAP greeting: 2*"},
    {"imap literal over the bound", IMAP,
     CLEAR("* OK hi\r\n* ID (\"name\" {99999}\r\n"), .step = DLG_FAIL,
     .failure = TOO_LONG, .detail = "no line end in 4096 bytes: * ID*"},
    {"imap closed in a literal", IMAP, CLEAR("* OK hi\r\n* ID ({5}\r\nab"),
     .eof = true, .step = DLG_FAIL, .failure = CLOSED,
     .detail = "closed after CAPABILITY, mid-line: * ID ({5}\\x0d\\x0aab"},
    {"imap closed after starttls", IMAP,
     CLEAR("* OK [CAPABILITY IMAP4rev1 STARTTLS] hi\r\n"), .eof = true,
     .step = DLG_FAIL, .failure = CLOSED, .detail = "closed after STARTTLS"},

    /* POP3 ------------------------------------------------------------ */
    {"pop3 dovecot 2.3.19.1 stls", POP3, CLEAR(dovecot_pop3_clear),
     OVER_TLS(dovecot_pop3_tls), .step = DLG_DONE,
     .detail = "CAPA after STLS: " DOVECOT_POP3_CAPS, .offered = true,
     .greeting = "+OK Dovecot (Debian) ready.", SENT("CAPA\r\nSTLS\r\n"),
     SENT_TLS("CAPA\r\nQUIT\r\n")},
    {"pop3s dovecot 2.3.19.1", POP3S, CLEAR(dovecot_pop3_plain),
     .step = DLG_DONE, .detail = "CAPA: " DOVECOT_POP3_CAPS,
     SENT("CAPA\r\nQUIT\r\n")},
    {"pop3 dovecot 2.3.19.1 without tls", POP3, CLEAR(dovecot_pop3_plain),
     .step = DLG_DONE, .detail = "STLS not offered; CAPA: " DOVECOT_POP3_CAPS,
     SENT("CAPA\r\nQUIT\r\n")},
    {"pop3 server without capa tries stls", POP3, CLEAR(pop3_no_capa),
     OVER_TLS(pop3_no_capa_tls), .step = DLG_DONE,
     .detail = "CAPA refused: -ERR unknown command", .offered = true,
     SENT("CAPA\r\nSTLS\r\n"), SENT_TLS("CAPA\r\nQUIT\r\n")},
    {"pop3 server without capa nor stls", POP3,
     CLEAR("+OK hi\r\n-ERR what?\r\n-ERR what?\r\n+OK bye\r\n"),
     .step = DLG_DONE,
     .detail = "STLS refused: -ERR what?; CAPA refused: -ERR what?",
     SENT("CAPA\r\nSTLS\r\nQUIT\r\n")},
    {"pop3 dot-stuffed capability", POP3,
     CLEAR("+OK hi\r\n+OK\r\n..X-DOT\r\nSTLS\r\n.\r\n+OK go\r\n"),
     OVER_TLS("+OK\r\n.\r\n+OK\r\n"), .step = DLG_DONE,
     .detail = "CAPA after STLS: nothing listed", .offered = true},
    {"pop3 -ERR greeting", POP3,
     CLEAR("-ERR [SYS/TEMP] Too many connections\r\n"), .step = DLG_FAIL,
     .failure = UNEXPECTED, .detail = "-ERR [SYS/TEMP] Too many connections"},
    {"pop3 port answered by ssh", POP3, CLEAR("SSH-2.0-OpenSSH_9.2p1\r\n"),
     .step = DLG_FAIL, .failure = UNEXPECTED,
     .detail = "not a POP3 greeting: S*"},
    {"pop3 +OKAY is not +OK", POP3, CLEAR("+OKAY\r\n"), .step = DLG_FAIL,
     .failure = UNEXPECTED, .detail = "not a POP3 greeting: +OKAY"},
    {"pop3 garbage reply to stls", POP3,
     CLEAR("+OK hi\r\n+OK\r\nSTLS\r\n.\r\nwhat\r\n"), .step = DLG_FAIL,
     .failure = UNEXPECTED, .detail = "unexpected reply to STLS: what"},
    {"pop3 closed mid capa list", POP3, CLEAR("+OK hi\r\n+OK\r\nTOP\r\n"),
     .eof = true, .step = DLG_FAIL, .failure = CLOSED,
     .detail = "closed after CAPA"},

    /* LDAP ------------------------------------------------------------ */
    {"ldap slapd 2.5.13 starttls", LDAP, CLEAR_BYTES(slapd_starttls_ok),
     OVER_TLS_BYTES(slapd_rootdse), .step = DLG_DONE, .detail = SLAPD_ROOTDSE,
     .offered = true, SENT_BYTES(ldap_starttls_request),
     SENT_TLS_BYTES(ldap_search_request)},
    {"ldaps slapd 2.5.13", LDAPS, CLEAR_BYTES(slapd_rootdse), .step = DLG_DONE,
     .detail = SLAPD_ROOTDSE, SENT_BYTES(ldap_search_request)},
    {"ldap slapd 2.5.13 without tls", LDAP, CLEAR_BYTES(slapd_no_tls),
     .step = DLG_DONE,
     .detail = "StartTLS refused: resultCode 2 protocolError: unsupported "
	       "extended operation; " SLAPD_ROOTDSE,
     SENT_BYTES(ldap_both_requests)},
    {"ldap starttls unavailable", LDAP, CLEAR_BYTES(ldap_unavailable),
     .step = DLG_DONE,
     .detail = "StartTLS refused: resultCode 52 unavailable: 00000000: "
	       "LdapErr: DSID-0C0911E1; resultCode 50 "
	       "insufficientAccessRights"},
    {"ldaps search refused", LDAPS, CLEAR_BYTES(ldap_search_refused),
     .step = DLG_DONE, .detail = "resultCode 50 insufficientAccessRights"},
    {"ldap notice of disconnection", LDAP, CLEAR_BYTES(ldap_notice),
     .step = DLG_FAIL, .failure = CLOSED,
     .detail = "unsolicited notification: resultCode 52 unavailable: "
	       "server is going away"},
    {"ldap answer for another message", LDAP, CLEAR_BYTES(ldap_other_id),
     .step = DLG_FAIL, .failure = UNEXPECTED,
     .detail = "LDAP messageID 4761, expected 4660"},
    {"ldap search answered by extended response", LDAPS,
     CLEAR_BYTES(slapd_no_tls), .step = DLG_FAIL, .failure = UNEXPECTED,
     .detail = "LDAP messageID 4660, expected 4661"},
    {"ldap starttls answered by a search result", LDAP,
     CLEAR_BYTES(ldap_search_refused), .step = DLG_FAIL, .failure = UNEXPECTED,
     .detail = "LDAP messageID 4661, expected 4660"},
    {"ldaps malformed entry", LDAPS, CLEAR_BYTES(ldap_bad_entry),
     .step = DLG_FAIL, .failure = UNEXPECTED,
     .detail = "malformed SearchResultEntry"},
    {"ldap port answered by ssh", LDAP, CLEAR("SSH-2.0-OpenSSH_9.2p1\r\n"),
     .step = DLG_FAIL, .failure = UNEXPECTED,
     .detail = "not an LDAP message: S*"},
    {"ldap port answered by http", LDAP,
     CLEAR("HTTP/1.1 400 Bad Request\r\n\r\n"), .step = DLG_FAIL,
     .failure = UNEXPECTED, .detail = "not an LDAP message: H*"},
    {"ldap indefinite length", LDAP, CLEAR("\x30\x80\x02\x01\x01"),
     .step = DLG_FAIL, .failure = UNEXPECTED,
     .detail = "not an LDAP message: 0\\x80*"},
    {"ldap message over the bound", LDAP, CLEAR("\x30\x84\x00\x01\x00\x00"),
     .step = DLG_FAIL, .failure = TOO_LONG,
     .detail = "an LDAP message of 65542 bytes, over our 4096-byte bound"},
    {"ldap closed at once", LDAP, CLEAR(""), .eof = true, .step = DLG_FAIL,
     .failure = CLOSED, .detail = "closed without answering StartTLS"},
    {"ldap closed mid-message", LDAP, .clear = slapd_starttls_ok,
     .clear_len = 9, .eof = true, .step = DLG_FAIL, .failure = CLOSED,
     .detail = "closed mid-message after StartTLS"},
    {"ldap closed after refusal", LDAP, .clear = slapd_no_tls, .clear_len = 45,
     .eof = true, .step = DLG_FAIL, .failure = CLOSED,
     .detail = "StartTLS refused: resultCode 2 protocolError: unsupported "
	       "extended operation; closed before the rootDSE search "
	       "ended"},

    /* HTTP ------------------------------------------------------------ */
    {"http nginx 1.22.1", HTTP, CLEAR(nginx_200), .step = DLG_DONE,
     .detail = "HTTP/1.1 200 OK, Server: nginx/1.22.1",
     .greeting = "HTTP/1.1 200 OK", SENT(HTTP_HEAD), .http_status = 200,
     .server = "nginx/1.22.1"},
    {"https nginx 1.22.1", HTTPS, CLEAR(nginx_200), .step = DLG_DONE,
     .detail = "HTTP/1.1 200 OK, Server: nginx/1.22.1", SENT(HTTP_HEAD),
     .http_status = 200, .server = "nginx/1.22.1"},
    {"http nginx 1.22.1 as a proxy", HTTP, CLEAR(nginx_407_via),
     .step = DLG_DONE, .detail = "HTTP/1.1 407, Server: nginx/1.22.1",
     .greeting = "HTTP/1.1 407", .http_status = 407, .via = true,
     .x_cache = true, .server = "nginx/1.22.1"},
    {"http squid proxy authentication", HTTP,
     CLEAR("HTTP/1.1 407 Proxy Authentication Required\r\n"
	   "server: squid/5.7\r\n"
	   "PROXY-AUTHENTICATE: Basic realm=\"proxy\"\r\n"
	   "X-Cache-Lookup: NONE from proxy:3128\r\n"
	   "Content-Length: 3498\r\n\r\n"),
     .step = DLG_DONE,
     .detail = "HTTP/1.1 407 Proxy Authentication Required, Server: "
	       "squid/5.7",
     .http_status = 407, .x_cache = true, .proxy = true, .server = "squid/5.7"},
    {"http interim answer first", HTTP,
     CLEAR("HTTP/1.1 100 Continue\r\n\r\n"
	   "HTTP/1.0 204 No Content\r\n\r\n"),
     .step = DLG_DONE, .detail = "HTTP/1.0 204 No Content",
     .greeting = "HTTP/1.0 204 No Content", .http_status = 204, .server = ""},
    {"http body sent to head anyway", HTTP,
     CLEAR("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\n"
	   "Server: \xe2\x9c\x93 caf\xc3\xa9\r\n\r\nerror"),
     .step = DLG_DONE,
     .detail = "HTTP/1.1 500 Internal Server Error, Server: \xe2\x9c\x93 "
	       "caf\xc3\xa9",
     .http_status = 500, .server = "\xe2\x9c\x93 caf\xc3\xa9"},
    {"http long server header kept short", HTTP,
     CLEAR("HTTP/1.1 200 OK\r\nServer: "
	   "0123456789012345678901234567890123456789012345678901234567890123"
	   "456789\r\n\r\n"),
     .step = DLG_DONE, .http_status = 200,
     .detail = "HTTP/1.1 200 OK, Server: 012345678901234567890123456789*",
     .server =
	 "012345678901234567890123456789012345678901234567890123456789..."},
    {"http port answered by ssh", HTTP, CLEAR("SSH-2.0-OpenSSH_9.2p1\r\n"),
     .step = DLG_FAIL, .failure = UNEXPECTED,
     .detail = "not an HTTP answer (HPE_INVALID_CONSTANT): S*"},
    {"http port answered by smtp", HTTP, CLEAR(postfix_plain), .step = DLG_FAIL,
     .failure = UNEXPECTED, .detail = "not an HTTP answer*"},
    {"http bad header", HTTP, CLEAR("HTTP/1.1 200 OK\r\nBad Header\r\n\r\n"),
     .step = DLG_FAIL, .failure = UNEXPECTED,
     .detail = "not an HTTP answer (HPE_INVALID_HEADER_TOKEN): *"},
    {"http closed at once", HTTP, CLEAR(""), .eof = true, .step = DLG_FAIL,
     .failure = CLOSED, .detail = "closed without answering"},
    {"http closed mid-headers", HTTP, CLEAR("HTTP/1.1 200 OK\r\nServ"),
     .eof = true, .step = DLG_FAIL, .failure = CLOSED,
     .detail = "closed after 21 bytes, before the headers ended"},

    /* PostgreSQL -------------------------------------------------------- */
    {"pgsql postgresql 15.18 ssl on", PGSQL, CLEAR(pgsql_yes), .step = DLG_DONE,
     .detail = "server accepts SSL", .offered = true,
     SENT_BYTES(pgsql_ssl_request), SENT_TLS("")},
    {"pgsql postgresql 15.18 ssl off", PGSQL, CLEAR(pgsql_no), .step = DLG_DONE,
     .detail = "server refuses SSL", SENT_BYTES(pgsql_ssl_request)},
    {"pgsql protocol 2 error", PGSQL, CLEAR(pgsql_error_v2), .step = DLG_FAIL,
     .failure = UNEXPECTED,
     .detail = "ErrorResponse instead of an SSL answer: FATAL:  unsupported "
	       "frontend protocol 1.0: server supports 3.0 to 3.0"},
    {"pgsql protocol 3 error", PGSQL, CLEAR(pgsql_error_v3), .step = DLG_FAIL,
     .failure = UNEXPECTED,
     .detail = "ErrorResponse instead of an SSL answer: FATAL 28000: no "
	       "PostgreSQL user name specified in startup packet"},
    {"pgsql port answered by http", PGSQL,
     CLEAR("HTTP/1.1 400 Bad Request\r\n\r\n"), .step = DLG_FAIL,
     .failure = UNEXPECTED, .detail = "not a PostgreSQL SSL answer: H*"},
    {"pgsql error with a bad length", PGSQL, CLEAR("E\x00\xff\xff\xff"),
     .step = DLG_FAIL, .failure = UNEXPECTED,
     .detail = "not a PostgreSQL SSL answer: E\\x00\\xff\\xff\\xff"},
    {"pgsql closed at once", PGSQL, CLEAR(""), .eof = true, .step = DLG_FAIL,
     .failure = CLOSED, .detail = "closed without answering the SSLRequest"},
    {"pgsql closed mid-error", PGSQL, CLEAR("EFATAL"), .eof = true,
     .step = DLG_FAIL, .failure = CLOSED,
     .detail = "closed mid-message: EFATAL"},

    /* TDS ---------------------------------------------------------------- */
    {"tds encryption off", TDS, CLEAR_BYTES(tds_off), .step = DLG_DONE,
     .detail = "SQL Server 16.0.1000, encryption ENCRYPT_OFF",
     SENT_BYTES(tds_prelogin)},
    {"tds encryption required", TDS, CLEAR_BYTES(tds_req), .step = DLG_DONE,
     .detail = "SQL Server 16.0.1000, encryption ENCRYPT_REQ"},
    {"tds encryption not supported", TDS, CLEAR_BYTES(tds_not_sup),
     .step = DLG_DONE,
     .detail = "SQL Server 16.0.1000, encryption ENCRYPT_NOT_SUP"},
    {"tds encryption with client certificate", TDS, CLEAR_BYTES(tds_cert),
     .step = DLG_DONE,
     .detail = "SQL Server 16.0.1000, encryption ENCRYPT_ON with client "
	       "certificate"},
    {"tds option past the packet", TDS, CLEAR_BYTES(tds_past), .step = DLG_FAIL,
     .failure = UNEXPECTED,
     .detail = "malformed PRELOGIN answer: option past the packet"},
    {"tds no terminator", TDS, CLEAR_BYTES(tds_unterminated), .step = DLG_FAIL,
     .failure = UNEXPECTED,
     .detail = "malformed PRELOGIN answer: no terminator"},
    {"tds packet over the bound", TDS,
     CLEAR("\x04\x01\x20\x00\x00\x00\x01\x00"), .step = DLG_FAIL,
     .failure = TOO_LONG,
     .detail = "a TDS packet of 8192 bytes, over our 4096-byte bound"},
    {"tds port answered by ssh", TDS, CLEAR("SSH-2.0-OpenSSH_9.2p1\r\n"),
     .step = DLG_FAIL, .failure = UNEXPECTED, .detail = "not a TDS answer: S*"},
    {"tds closed mid-answer", TDS, .clear = tds_off, .clear_len = 20,
     .eof = true, .step = DLG_FAIL, .failure = CLOSED,
     .detail = "closed after 20 bytes of the PRELOGIN answer"},
    {"tds closed at once", TDS, CLEAR(""), .eof = true, .step = DLG_FAIL,
     .failure = CLOSED, .detail = "closed without answering PRELOGIN"},
};

static void session_transcript(const struct session *s, struct transcript *t)
{
	memset(t, 0, sizeof *t);
	t->check = s->check;
	t->params.id = PROBE_ID;
	t->params.host = HOST;
	t->params.helo = HOST;
	t->clear = s->clear;
	t->clear_len = s->clear_len;
	t->tls = s->tls;
	t->tls_len = s->tls_len;
	t->eof = s->eof;
}

static void check_sent(const char *name, const char *what, const uint8_t *got,
		       size_t got_len, const uint8_t *want, size_t want_len)
{
	ck_assert_msg(got_len == want_len && memcmp(got, want, got_len) == 0,
		      "%s: sent %s \"%.*s\" (%zu bytes), expected \"%.*s\" "
		      "(%zu bytes)",
		      name, what, (int)got_len, (const char *)got, got_len,
		      (int)want_len, (const char *)want, want_len);
}

static void check_session(const struct dlg *d, enum dlg_step step,
			  const struct replay_sent *sent,
			  const struct session *s, const char *how)
{
	ck_assert_msg(step == s->step, "%s (%s): step %d, expected %d (%s)",
		      s->name, how, step, s->step, d->detail);
	if (step == DLG_FAIL)
		ck_assert_msg(d->failure == s->failure,
			      "%s (%s): failure %d, expected %d (%s)", s->name,
			      how, d->failure, s->failure, d->detail);
	assert_detail(d->detail, s->detail);
	assert_safe(d->facts.greeting);
	ck_assert_msg(d->facts.starttls_offered == s->offered,
		      "%s (%s): starttls_offered %d", s->name, how,
		      d->facts.starttls_offered);
	if (s->greeting)
		assert_detail(d->facts.greeting, s->greeting);
	if (s->sent)
		check_sent(s->name, "in the clear", sent->clear,
			   sent->clear_len, s->sent, s->sent_len);
	if (s->sent_tls)
		check_sent(s->name, "over TLS", sent->tls, sent->tls_len,
			   s->sent_tls, s->sent_tls_len);
	if (s->http_status) {
		ck_assert_uint_eq(d->facts.http.status, s->http_status);
		ck_assert(d->facts.http.via == s->via);
		ck_assert(d->facts.http.x_cache == s->x_cache);
		ck_assert(d->facts.http.proxy_connection == s->proxy);
		assert_detail(d->facts.http.server, s->server);
	}
	ck_assert_uint_le(d->inlen, DLG_IN_MAX);
}

START_TEST(sessions_split_at_every_byte)
{
	const struct session *s = &sessions[_i];
	struct transcript t;
	session_transcript(s, &t);
	struct dlg *d = malloc(sizeof *d);
	struct replay_sent *sent = malloc(sizeof *sent);
	size_t total = s->clear_len + s->tls_len;
	char how[64];
	for (size_t cut = 0; cut <= total; cut++) {
		snprintf(how, sizeof how, "cut at %zu", cut);
		check_session(d, replay_transcript(d, &t, &cut, 1, sent), sent,
			      s, how);
	}
	size_t *cuts = malloc((total + 1) * sizeof *cuts);
	for (size_t i = 0; i < total; i++)
		cuts[i] = i + 1;
	check_session(d, replay_transcript(d, &t, cuts, total, sent), sent, s,
		      "one byte at a time");
	free(cuts);
	free(sent);
	free(d);
}
END_TEST

START_TEST(sessions_end_is_final)
{
	const struct session *s = &sessions[_i];
	if (s->step == DLG_MORE)
		return;
	struct transcript t;
	session_transcript(s, &t);
	struct dlg *d = malloc(sizeof *d);
	ck_assert_int_eq(replay_transcript(d, &t, NULL, 0, NULL), s->step);
	enum dlg_failure failure = d->failure;
	ck_assert_int_eq(dlg_feed(d, (const uint8_t *)"220 more\r\n", 10),
			 s->step);
	ck_assert_int_eq(dlg_eof(d), s->step);
	ck_assert_int_eq(d->failure, failure);
	assert_detail(d->detail, s->detail);
	free(d);
}
END_TEST

/* Bounds ---------------------------------------------------------------- */

/* A session whose line LINE is filled with 'a' to TOTAL bytes with its
 * CR LF, after PREFIX. */
static enum dlg_step long_line(struct dlg *d, enum catalog_check check,
			       const char *prefix, const char *head,
			       size_t total)
{
	size_t p = strlen(prefix), h = strlen(head);
	uint8_t *buf = malloc(p + total);
	memcpy(buf, prefix, p);
	memcpy(buf + p, head, h);
	memset(buf + p + h, 'a', total - h - 2);
	memcpy(buf + p + total - 2, "\r\n", 2);
	struct transcript t = {
	    .check = check,
	    .params = {.id = PROBE_ID, .host = HOST, .helo = HOST},
	    .clear = buf,
	    .clear_len = p + total};
	size_t cut = p + total / 2;
	enum dlg_step step = replay_transcript(d, &t, &cut, 1, NULL);
	free(buf);
	return step;
}

START_TEST(line_bounds_are_1024_bytes_for_smtp_and_pop3)
{
	/* RFC 5321 §4.5.3.1.5 and RFC 2449 §4 say 512; we take twice. */
	struct dlg *d = malloc(sizeof *d);
	ck_assert_int_eq(long_line(d, SMTP, "", "220 ", 1024), DLG_MORE);
	ck_assert_int_eq(long_line(d, SMTP, "", "220 ", 1025), DLG_FAIL);
	ck_assert_int_eq(d->failure, TOO_LONG);
	assert_detail(d->detail, "no line end in 1024 bytes: 220 aaaa*");
	ck_assert_int_eq(long_line(d, SMTP, "220 mx\r\n", "250-", 1025),
			 DLG_FAIL);
	ck_assert_int_eq(d->failure, TOO_LONG);
	ck_assert_int_eq(long_line(d, POP3, "", "+OK ", 1024), DLG_MORE);
	ck_assert_int_eq(long_line(d, POP3, "", "+OK ", 1025), DLG_FAIL);
	ck_assert_int_eq(d->failure, TOO_LONG);
	/* IMAP: a response with its literals fills at most the buffer. */
	ck_assert_int_eq(long_line(d, IMAP, "", "* OK ", DLG_IN_MAX), DLG_MORE);
	ck_assert_int_eq(long_line(d, IMAP, "", "* OK ", DLG_IN_MAX + 1),
			 DLG_FAIL);
	ck_assert_int_eq(d->failure, TOO_LONG);
	free(d);
}
END_TEST

START_TEST(http_headers_bound_is_16_kib)
{
	/* Headers of 16 KiB in all are read; past that the peer is too
	 * long even though no line is. The bound is checked after each
	 * piece of at most DLG_IN_MAX bytes. */
	enum { LINE = 64 };
	for (int over = 0; over < 2; over++) {
		size_t total =
		    over ? 16 * 1024 + 2 * DLG_IN_MAX : 16 * 1024 - LINE * 2;
		char *buf = malloc(total + 1);
		size_t n = (size_t)sprintf(buf, "HTTP/1.1 200 OK\r\n");
		while (n + LINE + 2 <= total) {
			n += (size_t)sprintf(buf + n, "X-Filler: %0*d\r\n",
					     LINE - 12, 0);
		}
		n += (size_t)sprintf(buf + n, "\r\n");
		struct transcript t = {.check = HTTP,
				       .params = {.host = HOST, .helo = HOST},
				       .clear = (const uint8_t *)buf,
				       .clear_len = n};
		struct dlg *d = malloc(sizeof *d);
		size_t cut = 1000;
		enum dlg_step step = replay_transcript(d, &t, &cut, 1, NULL);
		if (!over) {
			ck_assert_int_eq(step, DLG_DONE);
		} else {
			ck_assert_int_eq(step, DLG_FAIL);
			ck_assert_int_eq(d->failure, TOO_LONG);
			assert_detail(d->detail, "over 16384 bytes from the "
						 "peer and the exchange not "
						 "over");
		}
		free(d);
		free(buf);
	}
}
END_TEST

/* A peer that never stops, after PREFIX: a megabyte in reads of 4096
 * bytes. The dialogue must end within its bounds and never hold more
 * than its buffer. */
static const struct {
	enum catalog_check check;
	const char *prefix;
	const char *unit; /* repeated forever */
	enum dlg_failure failure;
} endless[] = {
    {SMTP, "", "220-x\r\n", TOO_LONG},
    {SMTP, "220 mx\r\n", "250-x\r\n", TOO_LONG},
    {SMTP, "220 mx\r\n", "a", TOO_LONG},
    {SMTPS, "", "\x00", UNEXPECTED},
    {IMAP, "* OK hi\r\n", "* OK x\r\n", TOO_LONG},
    {IMAP, "* OK hi\r\n", "* x {2}\r\n\r\n", TOO_LONG},
    {IMAPS, "", "* OK a", TOO_LONG},
    {POP3, "+OK\r\n+OK\r\n", "X\r\n", TOO_LONG},
    {POP3S, "+OK\r\n", "+OK\r\n", TOO_LONG},
    {LDAPS, "", "\x30\x0b\x02\x02\x12\x35\x73\x05\x04\x03\x6c\x3a\x2f",
     TOO_LONG},
    {LDAP, "", "\x30\x82\x10\x00", TOO_LONG},
    {HTTP, "HTTP/1.1 200 OK\r\n", "X: y\r\n", TOO_LONG},
    {HTTPS, "HTTP/1.1 200 OK\r\n", "a", TOO_LONG},
    {PGSQL, "E", "x", UNEXPECTED},
    {TDS, "", "\x04", UNEXPECTED},
};

START_TEST(stream_endless_data_stays_bounded)
{
	enum { READ = 4096, TOTAL = 1024 * 1024 };
	uint8_t *chunk = malloc(READ);
	const char *unit = endless[_i].unit;
	size_t ulen = strlen(unit) ? strlen(unit) : 1;
	/* Whole units in every read, so the stream repeats evenly. */
	size_t chunk_len = READ - READ % ulen;
	for (size_t i = 0; i < chunk_len; i++)
		chunk[i] = (uint8_t)unit[i % ulen];
	struct dlg *d = malloc(sizeof *d);
	struct dlg_params p = {.id = PROBE_ID, .host = HOST};
	ck_assert_int_eq(dlg_start(d, endless[_i].check, &p), 0);
	dlg_sent(d);
	enum dlg_step step = dlg_feed(d, (const uint8_t *)endless[_i].prefix,
				      strlen(endless[_i].prefix));
	ck_assert_int_eq(step, DLG_MORE);
	dlg_sent(d);
	size_t fed = 0;
	while (fed < TOTAL && step == DLG_MORE) {
		step = dlg_feed(d, chunk, chunk_len);
		dlg_sent(d);
		fed += chunk_len;
		ck_assert_uint_le(d->inlen, DLG_IN_MAX);
	}
	ck_assert_msg(step == DLG_FAIL, "%s: step %d after %zu bytes",
		      catalog_check_name(endless[_i].check), step, fed);
	/* The largest total bound is 32 KiB. */
	ck_assert_uint_le(fed, 32 * 1024 + 2 * READ);
	ck_assert_msg(d->failure == endless[_i].failure, "%s: failure %d (%s)",
		      catalog_check_name(endless[_i].check), d->failure,
		      d->detail);
	assert_safe(d->detail);
	free(d);
	free(chunk);
}
END_TEST

/* The kinds this suite covers, with and without TLS first. */
static const enum catalog_check kinds[] = {
    SMTP, SMTPS, IMAP, IMAPS, POP3, POP3S, LDAP, LDAPS, HTTP, HTTPS, PGSQL, TDS,
};

/* Starts that look like the real thing, so the random bytes get past the
 * greeting now and then. */
static const char *const openers[] = {
    "220 ",
    "250-",
    "* OK ",
    "a1 OK ",
    "+OK\r\n",
    "\x30\x0c\x02\x02\x12",
    "HTTP/1.1 200 OK\r\n",
    "S",
    "N",
    "E",
    "\x04\x01\x00\x2b",
};

START_TEST(stream_random_input_is_judged_in_bounds)
{
	/* A fixed LCG so a failure replays. Through STARTTLS as the engine
	 * would go. */
	uint32_t seed = 4242;
	uint8_t buf[700];
	struct dlg *d = malloc(sizeof *d);
	for (int round = 0; round < 3000; round++) {
		struct dlg_params p = {.id = PROBE_ID, .host = HOST};
		ck_assert_int_eq(dlg_start(d, kinds[round % COUNT(kinds)], &p),
				 0);
		dlg_sent(d);
		enum dlg_step step = DLG_MORE;
		for (int piece = 0; piece < 6 && step == DLG_MORE; piece++) {
			seed = seed * 1103515245 + 12345;
			size_t n = (seed >> 16) % sizeof buf;
			for (size_t i = 0; i < n; i++) {
				seed = seed * 1103515245 + 12345;
				buf[i] =
				    (seed >> 24) % 8 == 0
					? (uint8_t)(seed >> 16)
					: (uint8_t)(0x20 + (seed >> 16) % 0x5f);
				if ((seed >> 8) % 30 == 0)
					buf[i] = '\n';
			}
			const char *o = openers[(seed >> 4) % COUNT(openers)];
			if (piece == 0 && strlen(o) <= n)
				memcpy(buf, o, strlen(o));
			step = feed_piece(d, buf, 0, n);
			if (step == DLG_STARTTLS)
				step = dlg_tls_started(d);
			dlg_sent(d);
		}
		if (step == DLG_MORE)
			step = dlg_eof(d);
		ck_assert(step == DLG_DONE || step == DLG_FAIL);
		ck_assert_uint_le(d->inlen, DLG_IN_MAX);
		assert_safe(d->detail);
		assert_safe(d->facts.greeting);
		assert_safe(d->facts.http.server);
	}
	free(d);
}
END_TEST

/* The upgrade ------------------------------------------------------------- */

START_TEST(plaintext_after_the_go_ahead_is_refused)
{
	/* Bytes that come with the go-ahead for TLS, before our ClientHello
	 * went out, are not the server's ("NO STARTTLS" response injection;
	 * libpq's CVE-2021-23222). */
	static const struct {
		enum catalog_check check;
		const char *bytes;
		const char *detail;
	} cases[] = {
	    {SMTP,
	     "220 mx\r\n250-mx\r\n250 STARTTLS\r\n220 go\r\n250 AUTH PLAIN\r\n",
	     "plaintext after the go-ahead for TLS: 250 AUTH PLAIN\\x0d\\x0a"},
	    {IMAP,
	     "* OK [CAPABILITY IMAP4rev1 STARTTLS] hi\r\na2 OK go\r\n"
	     "* CAPABILITY IMAP4rev1\r\n",
	     "plaintext after the go-ahead for TLS: * CAPABILITY*"},
	    {POP3, "+OK\r\n+OK\r\nSTLS\r\n.\r\n+OK go\r\n+OK\r\n",
	     "plaintext after the go-ahead for TLS: +OK\\x0d\\x0a"},
	    {PGSQL, "SSH-2.0-OpenSSH_9.2p1\r\n",
	     "plaintext after the go-ahead for TLS: SH-2.0-OpenSSH_9.2p1*"},
	    {PGSQL, "SN", "plaintext after the go-ahead for TLS: N"},
	};
	struct dlg *d = malloc(sizeof *d);
	for (size_t i = 0; i < COUNT(cases); i++) {
		struct dlg_params p = {.id = PROBE_ID, .host = HOST};
		ck_assert_int_eq(dlg_start(d, cases[i].check, &p), 0);
		enum dlg_step step =
		    feed_piece(d, (const uint8_t *)cases[i].bytes, 0,
			       strlen(cases[i].bytes));
		ck_assert_int_eq(step, DLG_FAIL);
		ck_assert_int_eq(d->failure, UNEXPECTED);
		assert_detail(d->detail, cases[i].detail);
	}
	/* LDAP: slapd's success with its rootDSE entry glued on. */
	uint8_t both[sizeof slapd_starttls_ok + sizeof slapd_rootdse];
	memcpy(both, slapd_starttls_ok, sizeof slapd_starttls_ok);
	memcpy(both + sizeof slapd_starttls_ok, slapd_rootdse,
	       sizeof slapd_rootdse);
	struct dlg_params p = {.id = PROBE_ID};
	ck_assert_int_eq(dlg_start(d, LDAP, &p), 0);
	ck_assert_int_eq(feed_piece(d, both, 0, sizeof both), DLG_FAIL);
	assert_detail(d->detail, "plaintext after the go-ahead for TLS: 0N*");
	free(d);
}
END_TEST

START_TEST(close_while_tls_starts_is_closed_early)
{
	struct dlg d;
	struct dlg_params p = {.id = PROBE_ID};
	ck_assert_int_eq(dlg_start(&d, PGSQL, &p), 0);
	ck_assert_int_eq(dlg_feed(&d, (const uint8_t *)"S", 1), DLG_STARTTLS);
	ck_assert(d.facts.starttls_offered);
	ck_assert_int_eq(dlg_eof(&d), DLG_FAIL);
	ck_assert_int_eq(d.failure, CLOSED);
	ck_assert_str_eq(d.detail, "closed before the TLS handshake");
	ck_assert_int_eq(dlg_feed(&d, (const uint8_t *)"x", 1), DLG_FAIL);
}
END_TEST

/* Requests ------------------------------------------------------------- */

static size_t first_output(struct dlg *d, enum catalog_check check,
			   const char *host, uint16_t id, const uint8_t **out)
{
	struct dlg_params p = {.id = id, .host = host};
	ck_assert_int_eq(dlg_start(d, check, &p), 0);
	return dlg_output(d, out);
}

START_TEST(client_first_requests_layout)
{
	struct dlg d;
	const uint8_t *out;
	size_t n = first_output(&d, LDAP, HOST, PROBE_ID, &out);
	ck_assert_uint_eq(n, sizeof ldap_starttls_request);
	ck_assert_mem_eq(out, ldap_starttls_request, n);
	n = first_output(&d, LDAPS, HOST, PROBE_ID, &out);
	ck_assert_uint_eq(n, sizeof ldap_search_request);
	ck_assert_mem_eq(out, ldap_search_request, n);
	/* RFC 4511 §4.1.1.1: messageID 0 is not ours. */
	n = first_output(&d, LDAP, HOST, 0, &out);
	static const uint8_t id0[] = {0x02, 0x03, 0x01, 0x00, 0x00};
	ck_assert_mem_eq(out + 2, id0, sizeof id0);
	n = first_output(&d, PGSQL, HOST, PROBE_ID, &out);
	ck_assert_uint_eq(n, sizeof pgsql_ssl_request);
	ck_assert_mem_eq(out, pgsql_ssl_request, n);
	n = first_output(&d, TDS, HOST, PROBE_ID, &out);
	ck_assert_uint_eq(n, sizeof tds_prelogin);
	ck_assert_mem_eq(out, tds_prelogin, n);
	n = first_output(&d, HTTPS, HOST, PROBE_ID, &out);
	ck_assert_uint_eq(n, strlen(HTTP_HEAD));
	ck_assert_mem_eq(out, HTTP_HEAD, n);
	/* The server speaks first in the mail protocols. */
	ck_assert_uint_eq(first_output(&d, SMTP, HOST, 1, &out), 0);
	ck_assert_uint_eq(first_output(&d, IMAPS, HOST, 1, &out), 0);
	ck_assert_uint_eq(first_output(&d, POP3, HOST, 1, &out), 0);
}
END_TEST

START_TEST(host_names_go_into_commands_safely)
{
	static const struct {
		enum catalog_check check;
		const char *host;
		const char *line; /* NULL: refused */
	} cases[] = {
	    {SMTP, NULL, "EHLO veriport.invalid\r\n"},
	    {SMTP, "", "EHLO veriport.invalid\r\n"},
	    {SMTP, "192.0.2.25", "EHLO [192.0.2.25]\r\n"},
	    {SMTP, "2001:db8::25", "EHLO [IPv6:2001:db8::25]\r\n"},
	    {SMTP, "mx_1.example.net", "EHLO mx_1.example.net\r\n"},
	    {SMTP, "mx.example.net\r\nRCPT TO:<x>", NULL},
	    {SMTP, "a b", NULL},
	    {HTTP, NULL, "Host: veriport.invalid\r\n"},
	    {HTTP, "192.0.2.80", "Host: 192.0.2.80\r\n"},
	    {HTTP, "2001:db8::80", "Host: [2001:db8::80]\r\n"},
	    {HTTP, "www.example.net\r\nX-Evil: 1", NULL},
	    {HTTPS, "www/example", NULL},
	};
	for (size_t i = 0; i < COUNT(cases); i++) {
		struct dlg d;
		struct dlg_params p = {.host = cases[i].host,
				       .helo = cases[i].host};
		int rc = dlg_start(&d, cases[i].check, &p);
		if (!cases[i].line) {
			ck_assert_int_eq(rc, -EINVAL);
			/* An engine that goes on anyway meets a failure. */
			ck_assert_int_eq(dlg_feed(&d, (const uint8_t *)"2", 1),
					 DLG_FAIL);
			continue;
		}
		ck_assert_int_eq(rc, 0);
		if (cases[i].check == SMTP)
			ck_assert_int_eq(
			    dlg_feed(&d, (const uint8_t *)"220 mx\r\n", 8),
			    DLG_MORE);
		const uint8_t *out;
		size_t n = dlg_output(&d, &out);
		char text[DLG_OUT_MAX + 1];
		memcpy(text, out, n);
		text[n] = '\0';
		ck_assert_msg(strstr(text, cases[i].line) != NULL,
			      "\"%s\" not in \"%s\"", cases[i].line, text);
	}
	/* RFC 1035 §2.3.4: 253 characters at most. */
	char name[300];
	memset(name, 'a', sizeof name);
	name[253] = '\0';
	struct dlg d;
	struct dlg_params p = {.host = name, .helo = name};
	ck_assert_int_eq(dlg_start(&d, HTTP, &p), 0);
	ck_assert_uint_le(d.outlen, DLG_OUT_MAX);
	name[253] = 'a';
	name[254] = '\0';
	ck_assert_int_eq(dlg_start(&d, SMTP, &p), -EINVAL);
}
END_TEST

START_TEST(stream_kinds_and_tls_first)
{
	/* Every TCP check kind with a protocol has a dialogue; "tcp" and
	 * "tls" are the connect and the handshake alone. */
	for (int c = 0; c < CATALOG_CHECK_COUNT; c++) {
		bool want = catalog_check_allows(c, CATALOG_TCP) &&
			    c != CATALOG_CHECK_TCP && c != CATALOG_CHECK_TLS;
		ck_assert_msg(dlg_has_stream(c) == want, "%s",
			      catalog_check_name(c));
	}
	struct dlg d;
	/* The implicit-TLS kinds start over TLS whatever the caller says. */
	ck_assert_int_eq(dlg_start(&d, SMTPS, NULL), 0);
	ck_assert(d.params.implicit_tls);
	ck_assert_int_eq(dlg_start(&d, CATALOG_CHECK_TLS, NULL), -ENOTSUP);
	/* SSLRequest and PRELOGIN cannot run inside TLS. */
	struct dlg_params p = {.implicit_tls = true};
	ck_assert_int_eq(dlg_start(&d, PGSQL, &p), -EINVAL);
	ck_assert_int_eq(dlg_start(&d, TDS, &p), -EINVAL);
	ck_assert_int_eq(dlg_start(&d, CATALOG_CHECK_SSH, &p), -EINVAL);
	ck_assert_int_eq(dlg_start(&d, IMAP, &p), 0);
	ck_assert_uint_eq(dlg_feed(&d, (const uint8_t *)"* OK hi\r\n", 9),
			  DLG_MORE);
	ck_assert_int_eq(dlg_feed(&d, (const uint8_t *)"a1 OK\r\n", 7),
			 DLG_MORE);
	ck_assert(!d.facts.starttls_offered);
	ck_assert_mem_eq(d.out, "a1 CAPABILITY\r\na4 LOGOUT\r\n", 26);
}
END_TEST

static Suite *dlg_stream_suite(void)
{
	Suite *s = suite_create("dlg_stream");
	TCase *tc = tcase_create("sessions");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, sessions_split_at_every_byte, 0,
			    COUNT(sessions));
	tcase_add_loop_test(tc, sessions_end_is_final, 0, COUNT(sessions));
	suite_add_tcase(s, tc);

	tc = tcase_create("bounds");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, line_bounds_are_1024_bytes_for_smtp_and_pop3);
	tcase_add_test(tc, http_headers_bound_is_16_kib);
	tcase_add_loop_test(tc, stream_endless_data_stays_bounded, 0,
			    COUNT(endless));
	tcase_add_test(tc, stream_random_input_is_judged_in_bounds);
	suite_add_tcase(s, tc);

	tc = tcase_create("upgrade");
	tcase_add_test(tc, plaintext_after_the_go_ahead_is_refused);
	tcase_add_test(tc, close_while_tls_starts_is_closed_early);
	suite_add_tcase(s, tc);

	tc = tcase_create("requests");
	tcase_add_test(tc, client_first_requests_layout);
	tcase_add_test(tc, host_names_go_into_commands_safely);
	tcase_add_test(tc, stream_kinds_and_tls_first);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(dlg_stream_suite());
}
