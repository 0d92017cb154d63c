/* Dialogues: every stream dialogue replays its transcripts split at every
 * byte boundary and one byte at a time; every datagram check's request is
 * held to its RFC layout and its replies (captured from real servers where
 * one could run here) are judged whole, truncated, mutated, with another
 * id and across protocols, each from a buffer of exactly its size so ASan
 * sees any read past it. Also the BER codec and the shared line reader. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/dlg/dlg_impl.h"
#include "dlg_replay.h"
#include "veriport/ber.h"
#include "veriport/catalog.h"
#include "veriport/dlg.h"

#include "check_run.h"

#define TEXT(s) (const uint8_t *)(s), sizeof(s) - 1
#define BYTES(a) a, sizeof(a)
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Real server transcripts and replies. Each was captured on Debian 12 over
 * 127.0.0.1 with python3 sending the exact request bytes this module
 * builds (so the servers also accepted our requests). */

/* unbound 1.17.1 serving "." from an auth-zone: our query for ". SOA",
 * id 0x1234. */
static const uint8_t dns_unbound_soa[] = {
    0x12, 0x34, 0x85, 0x80, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x06, 0x00, 0x01, 0x00, 0x00, 0x06, 0x00, 0x01, 0x00, 0x01,
    0x51, 0x80, 0x00, 0x40, 0x01, 0x61, 0x0c, 0x72, 0x6f, 0x6f, 0x74, 0x2d,
    0x73, 0x65, 0x72, 0x76, 0x65, 0x72, 0x73, 0x03, 0x6e, 0x65, 0x74, 0x00,
    0x05, 0x6e, 0x73, 0x74, 0x6c, 0x64, 0x0c, 0x76, 0x65, 0x72, 0x69, 0x73,
    0x69, 0x67, 0x6e, 0x2d, 0x67, 0x72, 0x73, 0x03, 0x63, 0x6f, 0x6d, 0x00,
    0x78, 0xa3, 0xf1, 0x74, 0x00, 0x00, 0x07, 0x08, 0x00, 0x00, 0x03, 0x84,
    0x00, 0x09, 0x3a, 0x80, 0x00, 0x01, 0x51, 0x80,
};

/* unbound 1.17.1, access-control "refuse" for the source 127.0.0.2: id
 * 0x2345; REFUSED with no question section. */
static const uint8_t dns_unbound_refused[] = {
    0x23, 0x45, 0x81, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* unbound 1.17.1: "no-such-name.invalid. SOA", id 0x3456; NXDOMAIN with
 * the root SOA in the authority section, compressed. */
static const uint8_t dns_unbound_nxdomain[] = {
    0x34, 0x56, 0x85, 0x83, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
    0x0c, 0x6e, 0x6f, 0x2d, 0x73, 0x75, 0x63, 0x68, 0x2d, 0x6e, 0x61, 0x6d,
    0x65, 0x07, 0x69, 0x6e, 0x76, 0x61, 0x6c, 0x69, 0x64, 0x00, 0x00, 0x06,
    0x00, 0x01, 0xc0, 0x19, 0x00, 0x06, 0x00, 0x01, 0x00, 0x00, 0x2a, 0x30,
    0x00, 0x28, 0x09, 0x6c, 0x6f, 0x63, 0x61, 0x6c, 0x68, 0x6f, 0x73, 0x74,
    0x00, 0x06, 0x6e, 0x6f, 0x62, 0x6f, 0x64, 0x79, 0xc0, 0x19, 0x00, 0x00,
    0x00, 0x01, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x00, 0x04, 0xb0, 0x00, 0x09,
    0x3a, 0x80, 0x00, 0x00, 0x2a, 0x30,
};

/* unbound 1.17.1 over TCP: ". SOA", id 0x4567, with its length prefix. */
static const uint8_t dns_unbound_tcp[] = {
    0x00, 0x5c, 0x45, 0x67, 0x85, 0x80, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x06, 0x00, 0x01, 0x00, 0x00, 0x06, 0x00, 0x01,
    0x00, 0x01, 0x51, 0x80, 0x00, 0x40, 0x01, 0x61, 0x0c, 0x72, 0x6f, 0x6f,
    0x74, 0x2d, 0x73, 0x65, 0x72, 0x76, 0x65, 0x72, 0x73, 0x03, 0x6e, 0x65,
    0x74, 0x00, 0x05, 0x6e, 0x73, 0x74, 0x6c, 0x64, 0x0c, 0x76, 0x65, 0x72,
    0x69, 0x73, 0x69, 0x67, 0x6e, 0x2d, 0x67, 0x72, 0x73, 0x03, 0x63, 0x6f,
    0x6d, 0x00, 0x78, 0xa3, 0xf1, 0x74, 0x00, 0x00, 0x07, 0x08, 0x00, 0x00,
    0x03, 0x84, 0x00, 0x09, 0x3a, 0x80, 0x00, 0x01, 0x51, 0x80,
};

/* chrony 4.3 ("local stratum 10", not controlling the clock): our mode 3
 * packet for id 0x1234. */
static const uint8_t ntp_chrony[] = {
    0x24, 0x0a, 0x00, 0xe6, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x7f, 0x7f, 0x01, 0x01, 0xee, 0xae, 0x84, 0xba, 0x25, 0x9a, 0xb8, 0x16,
    0x30, 0x0e, 0x59, 0x41, 0x5b, 0x32, 0xba, 0x55, 0xee, 0xae, 0x84, 0xbb,
    0x5a, 0x1f, 0xdf, 0xd7, 0xee, 0xae, 0x84, 0xbb, 0x5a, 0x29, 0xeb, 0xdc,
};

/* chrony 4.3 with no reference at all: id 0x3000; stratum 0, leap 3. */
static const uint8_t ntp_chrony_unsync[] = {
    0xe4, 0x00, 0x00, 0xe6, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x64, 0x9a, 0x46, 0xa5, 0x4c, 0x98, 0xfd, 0x85, 0xee, 0xae, 0x84, 0xfc,
    0xb1, 0x98, 0xf5, 0xeb, 0xee, 0xae, 0x84, 0xfc, 0xb1, 0x9d, 0x74, 0x7a,
};

/* NTPsec 1.2.2 ntpd with no sources: id 0x4000; stratum 0, kiss code
 * INIT. */
static const uint8_t ntp_ntpsec_init[] = {
    0xe4, 0x00, 0x00, 0xe8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
    0x49, 0x4e, 0x49, 0x54, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xc7, 0x98, 0xb0, 0x8d, 0x9d, 0x41, 0x01, 0x4d, 0xee, 0xae, 0x85, 0x17,
    0x34, 0xc3, 0xde, 0x64, 0xee, 0xae, 0x85, 0x17, 0x34, 0xc6, 0xc8, 0x98,
};

/* Net-SNMP 5.9.3 snmpd, community "public" with a view on system: sysDescr.0
 * for request-id 0x1234. */
static const uint8_t snmp_netsnmp[] = {
    0x30, 0x58, 0x02, 0x01, 0x01, 0x04, 0x06, 0x70, 0x75, 0x62, 0x6c, 0x69,
    0x63, 0xa2, 0x4b, 0x02, 0x02, 0x12, 0x34, 0x02, 0x01, 0x00, 0x02, 0x01,
    0x00, 0x30, 0x3f, 0x30, 0x3d, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01,
    0x01, 0x01, 0x00, 0x04, 0x31, 0x76, 0x65, 0x72, 0x69, 0x70, 0x6f, 0x72,
    0x74, 0x20, 0x74, 0x65, 0x73, 0x74, 0x20, 0x61, 0x67, 0x65, 0x6e, 0x74,
    0x20, 0x28, 0x4e, 0x65, 0x74, 0x2d, 0x53, 0x4e, 0x4d, 0x50, 0x20, 0x35,
    0x2e, 0x39, 0x2e, 0x33, 0x20, 0x6f, 0x6e, 0x20, 0x44, 0x65, 0x62, 0x69,
    0x61, 0x6e, 0x20, 0x31, 0x32, 0x29,
};

/* Net-SNMP 5.9.3, community "limited" whose view excludes system: request-id
 * 0x2345, noSuchObject. */
static const uint8_t snmp_netsnmp_nosuch[] = {
    0x30, 0x28, 0x02, 0x01, 0x01, 0x04, 0x07, 0x6c, 0x69, 0x6d, 0x69,
    0x74, 0x65, 0x64, 0xa2, 0x1a, 0x02, 0x02, 0x23, 0x45, 0x02, 0x01,
    0x00, 0x02, 0x01, 0x00, 0x30, 0x0e, 0x30, 0x0c, 0x06, 0x08, 0x2b,
    0x06, 0x01, 0x02, 0x01, 0x01, 0x01, 0x00, 0x80, 0x00,
};

/* Samba 4.17.12 as an Active Directory DC ("cldap port" moved to 11389):
 * our rootDSE search, messageID 0x1234. Entry and done in one datagram, as
 * MS-ADTS 3.1.1.3.1.11 says. */
static const uint8_t cldap_samba[] = {
    0x30, 0x81, 0xab, 0x02, 0x02, 0x12, 0x34, 0x64, 0x81, 0xa4, 0x04, 0x00,
    0x30, 0x81, 0x9f, 0x30, 0x1e, 0x04, 0x14, 0x73, 0x75, 0x70, 0x70, 0x6f,
    0x72, 0x74, 0x65, 0x64, 0x4c, 0x44, 0x41, 0x50, 0x56, 0x65, 0x72, 0x73,
    0x69, 0x6f, 0x6e, 0x31, 0x06, 0x04, 0x01, 0x32, 0x04, 0x01, 0x33, 0x30,
    0x7d, 0x04, 0x0e, 0x6e, 0x61, 0x6d, 0x69, 0x6e, 0x67, 0x43, 0x6f, 0x6e,
    0x74, 0x65, 0x78, 0x74, 0x73, 0x31, 0x6b, 0x04, 0x13, 0x44, 0x43, 0x3d,
    0x76, 0x65, 0x72, 0x69, 0x70, 0x6f, 0x72, 0x74, 0x2c, 0x44, 0x43, 0x3d,
    0x74, 0x65, 0x73, 0x74, 0x04, 0x24, 0x43, 0x4e, 0x3d, 0x43, 0x6f, 0x6e,
    0x66, 0x69, 0x67, 0x75, 0x72, 0x61, 0x74, 0x69, 0x6f, 0x6e, 0x2c, 0x44,
    0x43, 0x3d, 0x76, 0x65, 0x72, 0x69, 0x70, 0x6f, 0x72, 0x74, 0x2c, 0x44,
    0x43, 0x3d, 0x74, 0x65, 0x73, 0x74, 0x04, 0x2e, 0x43, 0x4e, 0x3d, 0x53,
    0x63, 0x68, 0x65, 0x6d, 0x61, 0x2c, 0x43, 0x4e, 0x3d, 0x43, 0x6f, 0x6e,
    0x66, 0x69, 0x67, 0x75, 0x72, 0x61, 0x74, 0x69, 0x6f, 0x6e, 0x2c, 0x44,
    0x43, 0x3d, 0x76, 0x65, 0x72, 0x69, 0x70, 0x6f, 0x72, 0x74, 0x2c, 0x44,
    0x43, 0x3d, 0x74, 0x65, 0x73, 0x74, 0x30, 0x0d, 0x02, 0x02, 0x12, 0x34,
    0x65, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00,
};

/* Samba 4.17.12: the same search for id 0, so messageID 0x10000. */
static const uint8_t cldap_samba_id0[] = {
    0x30, 0x81, 0xac, 0x02, 0x03, 0x01, 0x00, 0x00, 0x64, 0x81, 0xa4, 0x04,
    0x00, 0x30, 0x81, 0x9f, 0x30, 0x1e, 0x04, 0x14, 0x73, 0x75, 0x70, 0x70,
    0x6f, 0x72, 0x74, 0x65, 0x64, 0x4c, 0x44, 0x41, 0x50, 0x56, 0x65, 0x72,
    0x73, 0x69, 0x6f, 0x6e, 0x31, 0x06, 0x04, 0x01, 0x32, 0x04, 0x01, 0x33,
    0x30, 0x7d, 0x04, 0x0e, 0x6e, 0x61, 0x6d, 0x69, 0x6e, 0x67, 0x43, 0x6f,
    0x6e, 0x74, 0x65, 0x78, 0x74, 0x73, 0x31, 0x6b, 0x04, 0x13, 0x44, 0x43,
    0x3d, 0x76, 0x65, 0x72, 0x69, 0x70, 0x6f, 0x72, 0x74, 0x2c, 0x44, 0x43,
    0x3d, 0x74, 0x65, 0x73, 0x74, 0x04, 0x24, 0x43, 0x4e, 0x3d, 0x43, 0x6f,
    0x6e, 0x66, 0x69, 0x67, 0x75, 0x72, 0x61, 0x74, 0x69, 0x6f, 0x6e, 0x2c,
    0x44, 0x43, 0x3d, 0x76, 0x65, 0x72, 0x69, 0x70, 0x6f, 0x72, 0x74, 0x2c,
    0x44, 0x43, 0x3d, 0x74, 0x65, 0x73, 0x74, 0x04, 0x2e, 0x43, 0x4e, 0x3d,
    0x53, 0x63, 0x68, 0x65, 0x6d, 0x61, 0x2c, 0x43, 0x4e, 0x3d, 0x43, 0x6f,
    0x6e, 0x66, 0x69, 0x67, 0x75, 0x72, 0x61, 0x74, 0x69, 0x6f, 0x6e, 0x2c,
    0x44, 0x43, 0x3d, 0x76, 0x65, 0x72, 0x69, 0x70, 0x6f, 0x72, 0x74, 0x2c,
    0x44, 0x43, 0x3d, 0x74, 0x65, 0x73, 0x74, 0x30, 0x0e, 0x02, 0x03, 0x01,
    0x00, 0x00, 0x65, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00,
};

/* OpenLDAP slapd 2.5.13: Debian builds it without CLDAP, so this is our
 * request's exact bytes sent over TCP, messageID 0x1234; the LDAPMessages
 * are the ones an LDAPv3 server sends over UDP. */
static const uint8_t ldap_slapd_tcp[] = {
    0x30, 0x4e, 0x02, 0x02, 0x12, 0x34, 0x64, 0x48, 0x04, 0x00, 0x30, 0x44,
    0x30, 0x25, 0x04, 0x0e, 0x6e, 0x61, 0x6d, 0x69, 0x6e, 0x67, 0x43, 0x6f,
    0x6e, 0x74, 0x65, 0x78, 0x74, 0x73, 0x31, 0x13, 0x04, 0x11, 0x64, 0x63,
    0x3d, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x2c, 0x64, 0x63, 0x3d,
    0x63, 0x6f, 0x6d, 0x30, 0x1b, 0x04, 0x14, 0x73, 0x75, 0x70, 0x70, 0x6f,
    0x72, 0x74, 0x65, 0x64, 0x4c, 0x44, 0x41, 0x50, 0x56, 0x65, 0x72, 0x73,
    0x69, 0x6f, 0x6e, 0x31, 0x03, 0x04, 0x01, 0x33, 0x30, 0x0d, 0x02, 0x02,
    0x12, 0x34, 0x65, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00,
};

/* pyzord of pyzor 1.0.0 (gdbm engine): our ping for id 0x1234, Thread
 * 5684. */
static const char pyzor_pyzord[] = "Code: 200\nDiag: OK\nPV: 2.1\n"
				   "Thread: 5684\n\n";

/* Built by hand from a specification, no server to run here. */

/* NTPsec's INIT packet with the kiss code RATE of RFC 5905 §7.4. */
static const uint8_t ntp_kod_rate[] = {
    0xe4, 0x00, 0x00, 0xe8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
    0x52, 0x41, 0x54, 0x45, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xc7, 0x98, 0xb0, 0x8d, 0x9d, 0x41, 0x01, 0x4d, 0xee, 0xae, 0x85, 0x17,
    0x34, 0xc3, 0xde, 0x64, 0xee, 0xae, 0x85, 0x17, 0x34, 0xc6, 0xc8, 0x98,
};

/* A primary server (RFC 5905 §7.3: stratum 1, refid "GPS"), id 0x1234. */
static const uint8_t ntp_stratum1_gps[] = {
    0x24, 0x01, 0x06, 0xec, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x47, 0x50, 0x53, 0x00, 0xee, 0xae, 0x84, 0xba, 0x25, 0x9a, 0xb8, 0x16,
    0x30, 0x0e, 0x59, 0x41, 0x5b, 0x32, 0xba, 0x55, 0xee, 0xae, 0x84, 0xbb,
    0x5a, 0x1f, 0xdf, 0xd7, 0xee, 0xae, 0x84, 0xbb, 0x5a, 0x29, 0xeb, 0xdc,
};

/* A name whose compression pointer points at itself (RFC 1035 §4.1.4). */
static const uint8_t dns_loop[] = {
    0x12, 0x34, 0x81, 0x80, 0x00, 0x01, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0xc0, 0x0c, 0x00, 0x06, 0x00, 0x01,
};

/* A question name pointing forward, past itself. */
static const uint8_t dns_forward[] = {
    0x12, 0x34, 0x81, 0x80, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0xc0, 0x12, 0x00, 0x06, 0x00, 0x01, 0x00,
};

/* An answer record whose RDLENGTH (255) runs past the datagram. */
static const uint8_t dns_rdlen[] = {
    0x12, 0x34, 0x81, 0x80, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x06, 0x00, 0x01, 0x00, 0x00, 0x06, 0x00, 0x01,
    0x00, 0x00, 0x0e, 0x10, 0x00, 0xff, 0x61, 0x62, 0x63, 0x64,
};

/* TC set (RFC 1035 §4.1.1), the question and no records. */
static const uint8_t dns_tc[] = {
    0x12, 0x34, 0x83, 0x80, 0x00, 0x01, 0x00, 0x01, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x00, 0x01,
};

/* A Response with error-status tooBig (RFC 3416 §4.2.1). */
static const uint8_t snmp_toobig[] = {
    0x30, 0x27, 0x02, 0x01, 0x01, 0x04, 0x06, 0x70, 0x75, 0x62, 0x6c,
    0x69, 0x63, 0xa2, 0x1a, 0x02, 0x02, 0x12, 0x34, 0x02, 0x01, 0x01,
    0x02, 0x01, 0x00, 0x30, 0x0e, 0x30, 0x0c, 0x06, 0x08, 0x2b, 0x06,
    0x01, 0x02, 0x01, 0x01, 0x01, 0x00, 0x05, 0x00,
};

/* The same Response in an SNMPv1 message (version 0). */
static const uint8_t snmp_v1[] = {
    0x30, 0x27, 0x02, 0x01, 0x00, 0x04, 0x06, 0x70, 0x75, 0x62, 0x6c,
    0x69, 0x63, 0xa2, 0x1a, 0x02, 0x02, 0x12, 0x34, 0x02, 0x01, 0x00,
    0x02, 0x01, 0x00, 0x30, 0x0e, 0x30, 0x0c, 0x06, 0x08, 0x2b, 0x06,
    0x01, 0x02, 0x01, 0x01, 0x01, 0x00, 0x05, 0x00,
};

/* Net-SNMP's Response with a byte after the message. */
static const uint8_t snmp_trailing[] = {
    0x30, 0x58, 0x02, 0x01, 0x01, 0x04, 0x06, 0x70, 0x75, 0x62, 0x6c, 0x69,
    0x63, 0xa2, 0x4b, 0x02, 0x02, 0x12, 0x34, 0x02, 0x01, 0x00, 0x02, 0x01,
    0x00, 0x30, 0x3f, 0x30, 0x3d, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01,
    0x01, 0x01, 0x00, 0x04, 0x31, 0x76, 0x65, 0x72, 0x69, 0x70, 0x6f, 0x72,
    0x74, 0x20, 0x74, 0x65, 0x73, 0x74, 0x20, 0x61, 0x67, 0x65, 0x6e, 0x74,
    0x20, 0x28, 0x4e, 0x65, 0x74, 0x2d, 0x53, 0x4e, 0x4d, 0x50, 0x20, 0x35,
    0x2e, 0x39, 0x2e, 0x33, 0x20, 0x6f, 0x6e, 0x20, 0x44, 0x65, 0x62, 0x69,
    0x61, 0x6e, 0x20, 0x31, 0x32, 0x29, 0x00,
};

/* Net-SNMP's Response with an indefinite outer length (X.690 §8.1.3.6),
 * which RFC 3417 §8 rules out. */
static const uint8_t snmp_indefinite[] = {
    0x30, 0x80, 0x02, 0x01, 0x01, 0x04, 0x06, 0x70, 0x75, 0x62, 0x6c, 0x69,
    0x63, 0xa2, 0x4b, 0x02, 0x02, 0x12, 0x34, 0x02, 0x01, 0x00, 0x02, 0x01,
    0x00, 0x30, 0x3f, 0x30, 0x3d, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01,
    0x01, 0x01, 0x00, 0x04, 0x31, 0x76, 0x65, 0x72, 0x69, 0x70, 0x6f, 0x72,
    0x74, 0x20, 0x74, 0x65, 0x73, 0x74, 0x20, 0x61, 0x67, 0x65, 0x6e, 0x74,
    0x20, 0x28, 0x4e, 0x65, 0x74, 0x2d, 0x53, 0x4e, 0x4d, 0x50, 0x20, 0x35,
    0x2e, 0x39, 0x2e, 0x33, 0x20, 0x6f, 0x6e, 0x20, 0x44, 0x65, 0x62, 0x69,
    0x61, 0x6e, 0x20, 0x31, 0x32, 0x29, 0x00, 0x00,
};

/* RFC 1798 framing: messageID, the empty user DN, then searchResponse as a
 * SEQUENCE OF results. */
static const uint8_t cldap_rfc1798[] = {
    0x30, 0x11, 0x02, 0x02, 0x12, 0x34, 0x04, 0x00, 0x30, 0x09,
    0x65, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00,
};

/* RFC 4511 §4.4 unsolicited notification, messageID 0: protocolError. */
static const uint8_t cldap_notice[] = {
    0x30, 0x20, 0x02, 0x01, 0x00, 0x78, 0x1b, 0x0a, 0x01, 0x02, 0x04, 0x00,
    0x04, 0x14, 0x55, 0x44, 0x50, 0x20, 0x69, 0x73, 0x20, 0x6e, 0x6f, 0x74,
    0x20, 0x73, 0x75, 0x70, 0x70, 0x6f, 0x72, 0x74, 0x65, 0x64,
};

/* A SearchResultDone, unwillingToPerform (53). */
static const uint8_t cldap_unwilling[] = {
    0x30, 0x19, 0x02, 0x02, 0x12, 0x34, 0x65, 0x13, 0x0a,
    0x01, 0x35, 0x04, 0x00, 0x04, 0x0c, 0x72, 0x6f, 0x6f,
    0x74, 0x44, 0x53, 0x45, 0x20, 0x6f, 0x6e, 0x6c, 0x79,
};

/* slapd's entry (messageID 0x1234) followed by a done for 0x1235. */
static const uint8_t cldap_mixed_ids[] = {
    0x30, 0x4e, 0x02, 0x02, 0x12, 0x34, 0x64, 0x48, 0x04, 0x00, 0x30, 0x44,
    0x30, 0x25, 0x04, 0x0e, 0x6e, 0x61, 0x6d, 0x69, 0x6e, 0x67, 0x43, 0x6f,
    0x6e, 0x74, 0x65, 0x78, 0x74, 0x73, 0x31, 0x13, 0x04, 0x11, 0x64, 0x63,
    0x3d, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x2c, 0x64, 0x63, 0x3d,
    0x63, 0x6f, 0x6d, 0x30, 0x1b, 0x04, 0x14, 0x73, 0x75, 0x70, 0x70, 0x6f,
    0x72, 0x74, 0x65, 0x64, 0x4c, 0x44, 0x41, 0x50, 0x56, 0x65, 0x72, 0x73,
    0x69, 0x6f, 0x6e, 0x31, 0x03, 0x04, 0x01, 0x33, 0x30, 0x0d, 0x02, 0x02,
    0x12, 0x35, 0x65, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00,
};

/* DCC 2.3 dccd's DCC_OK as work.c send_ok() and send_resp() build it for
 * our anonymous version-9 NOP (id 0x1234): our op_nums copied, server-ID
 * 1001, brand "veriport-test", zero signature (version > 8, no password). */
static const uint8_t dcc_ok[] = {
    0x00, 0x6c, 0x09, 0x06, 0x00, 0x00, 0x03, 0xe9, 0x00, 0x00, 0x00, 0x00,
    0x76, 0x72, 0x70, 0x74, 0x00, 0x00, 0x12, 0x34, 0x00, 0x00, 0x00, 0x00,
    0x09, 0x00, 0x00, 0x00, 0x76, 0x65, 0x72, 0x69, 0x70, 0x6f, 0x72, 0x74,
    0x2d, 0x74, 0x65, 0x73, 0x74, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* DCC_ERROR as work.c send_error() builds it. */
static const uint8_t dcc_error[] = {
    0x00, 0x4f, 0x09, 0x07, 0x00, 0x00, 0x03, 0xe9, 0x00, 0x00, 0x00, 0x00,
    0x76, 0x72, 0x70, 0x74, 0x00, 0x00, 0x12, 0x34, 0x00, 0x00, 0x00, 0x00,
    0x61, 0x6e, 0x6f, 0x6e, 0x79, 0x6d, 0x6f, 0x75, 0x73, 0x20, 0x63, 0x6c,
    0x69, 0x65, 0x6e, 0x74, 0x73, 0x20, 0x61, 0x72, 0x65, 0x20, 0x6e, 0x6f,
    0x74, 0x20, 0x77, 0x65, 0x6c, 0x63, 0x6f, 0x6d, 0x65, 0x20, 0x68, 0x65,
    0x72, 0x65, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* The DCC_OK with a length field one short of the datagram. */
static const uint8_t dcc_badlen[] = {
    0x00, 0x6b, 0x09, 0x06, 0x00, 0x00, 0x03, 0xe9, 0x00, 0x00, 0x00, 0x00,
    0x76, 0x72, 0x70, 0x74, 0x00, 0x00, 0x12, 0x34, 0x00, 0x00, 0x00, 0x00,
    0x09, 0x00, 0x00, 0x00, 0x76, 0x65, 0x72, 0x69, 0x70, 0x6f, 0x72, 0x74,
    0x2d, 0x74, 0x65, 0x73, 0x74, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* Pyzor replies as pyzor's server.py handle_error() words them. */
static const char pyzor_unauthorized[] =
    "Code: 401\nDiag: Unauthorized: Signature Error: Invalid "
    "signature.\nPV: 2.1\nThread: 5684\n\n";
static const char pyzor_folded[] = "Code: 200\nDiag: OK\n but folded\nPV: "
				   "2.1\nThread: 5684\n\n";

/* Our requests, decoded field by field. */

/* RFC 1035 §4.1.1-§4.1.2, id 0x1234, ". SOA IN". */
static const uint8_t dns_request_root[] = {
    0x12, 0x34,             /* ID */
    0x01, 0x00,             /* QR 0, OPCODE 0, RD 1 */
    0x00, 0x01,             /* QDCOUNT */
    0x00, 0x00,             /* ANCOUNT */
    0x00, 0x00,             /* NSCOUNT */
    0x00, 0x00,             /* ARCOUNT */
    0x00,                   /* QNAME: the root */
    0x00, 0x06, 0x00, 0x01, /* QTYPE SOA, QCLASS IN */
};

/* RFC 3416 §3 GetRequest-PDU in an RFC 1901 message, request-id 0x1234. */
static const uint8_t snmp_request[] = {
    0x30, 0x27,                                    /* Message SEQUENCE */
    0x02, 0x01, 0x01,                              /* version 1: v2c */
    0x04, 0x06, 'p',  'u',  'b',  'l',  'i',  'c', /* community */
    0xa0, 0x1a,                                    /* GetRequest-PDU */
    0x02, 0x02, 0x12, 0x34,                        /* request-id */
    0x02, 0x01, 0x00,                              /* error-status */
    0x02, 0x01, 0x00,                              /* error-index */
    0x30, 0x0e,                                    /* variable-bindings */
    0x30, 0x0c,                                    /* VarBind */
    0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x01, 0x00, /* OID */
    0x05, 0x00, /* unSpecified NULL */
};

/* RFC 4511 §4.5.1 searchRequest for the rootDSE, messageID 0x1234. */
static const uint8_t cldap_request[] =
    {
	0x30, 0x4c,             /* LDAPMessage */
	0x02, 0x02, 0x12, 0x34, /* messageID */
	0x63, 0x46,             /* [APPLICATION 3] searchRequest */
	0x04, 0x00,             /* baseObject "" */
	0x0a, 0x01, 0x00,       /* scope baseObject */
	0x0a, 0x01, 0x00,       /* derefAliases neverDerefAliases */
	0x02, 0x01, 0x00,       /* sizeLimit 0 */
	0x02, 0x01, 0x00,       /* timeLimit 0 */
	0x01, 0x01, 0x00,       /* typesOnly FALSE */
	0x87, 0x0b, 'o',  'b',  'j', 'e', 'c', 't', 'C', 'l',
	'a',  's',  's', /* filter: present [7] objectClass */
	0x30, 0x26,      /* attributes */
	0x04, 0x14, 's',  'u',  'p', 'p', 'o', 'r', 't', 'e',
	'd',  'L',  'D',  'A',  'P', 'V', 'e', 'r', 's', 'i',
	'o',  'n',  0x04, 0x0e, 'n', 'a', 'm', 'i', 'n', 'g',
	'C',  'o',  'n',  't',  'e', 'x', 't', 's',
};

/* RFC 5905 §7.3 client packet (mode 3), the transmit timestamp left out. */
static const uint8_t ntp_client_packet[48] = {0x23};

/* dcc_proto.h DCC_NOP for id 0x1234. */
static const uint8_t dcc_request[] = {
    0x00, 0x28,                                     /* len 40 */
    0x09,                                           /* pkt_vers 9 */
    0x01,                                           /* op DCC_OP_NOP */
    0x00, 0x00, 0x00, 0x01,                         /* sender DCC_ID_ANON */
    0x00, 0x00, 0x00, 0x00,                         /* op_nums.h */
    0x76, 0x72, 0x70, 0x74,                         /* op_nums.p "vrpt" */
    0x00, 0x00, 0x12, 0x34,                         /* op_nums.r: the id */
    0x00, 0x00, 0x00, 0x00,                         /* op_nums.t */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* signature */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

static const char pyzor_request[] = "Op: ping\nThread: 5684\nPV: 2.1\n"
				    "User: anonymous\n\n";

/* Stream dialogues -------------------------------------------------------- */

struct stream_case {
	const char *name;
	enum catalog_check check;
	uint16_t id;
	const char *qname;
	const uint8_t *bytes;
	size_t len;
	bool eof; /* the peer closes after the bytes */
	enum dlg_step step;
	enum dlg_failure failure;
	const char *detail;
};

#define SSH CATALOG_CHECK_SSH
#define RSYNC CATALOG_CHECK_RSYNC
#define RAZOR CATALOG_CHECK_RAZOR
#define DNS CATALOG_CHECK_DNS
#define NONE DLG_FAIL_NONE
#define UNEXPECTED DLG_FAIL_UNEXPECTED
#define CLOSED DLG_FAIL_CLOSED_EARLY
#define TOO_LONG DLG_FAIL_TOO_LONG

static const struct stream_case streams[] = {
    /* OpenSSH 9.2p1 (Debian 12) sshd -D on 127.0.0.1:11022: its first
     * bytes; it sends nothing more until the client's identification. */
    {"ssh openssh 9.2p1", SSH, 0, NULL,
     TEXT("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n"), false, DLG_DONE, NONE,
     "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10"},
    {"ssh binary packet after the identification", SSH, 0, NULL,
     TEXT("SSH-2.0-OpenSSH_9.2p1\r\n"
	  "\x00\x00\x04\x4c\x0a\x14"),
     false, DLG_DONE, NONE, "SSH-2.0-OpenSSH_9.2p1"},
    {"ssh lines before the identification", SSH, 0, NULL,
     TEXT("Welcome to the jump host\r\nBe nice\r\n"
	  "SSH-2.0-dropbear_2022.83\r\n"),
     false, DLG_DONE, NONE, "SSH-2.0-dropbear_2022.83"},
    {"ssh 1.99 compatibility version", SSH, 0, NULL,
     TEXT("SSH-1.99-Cisco-1.25\r\n"), false, DLG_DONE, NONE,
     "SSH-1.99-Cisco-1.25"},
    {"ssh LF-only line end", SSH, 0, NULL, TEXT("SSH-2.0-Go\n"), false,
     DLG_DONE, NONE, "SSH-2.0-Go"},
    {"ssh comments kept", SSH, 0, NULL,
     TEXT("SSH-2.0-billsSSH_3.6.3q3 comment \xc3\xa9\r\n"), false, DLG_DONE,
     NONE, "SSH-2.0-billsSSH_3.6.3q3 comment \xc3\xa9"},
    {"ssh smtp greeting is unexpected", SSH, 0, NULL,
     TEXT("220 mx.example.com ESMTP Postfix\r\n"), false, DLG_FAIL, UNEXPECTED,
     "220 mx.example.com ESMTP Postfix"},
    {"ssh imap greeting is unexpected", SSH, 0, NULL,
     TEXT("* OK [CAPABILITY IMAP4rev1] Dovecot ready.\r\n"), false, DLG_FAIL,
     UNEXPECTED, "* OK [CAPABILITY IMAP4rev1] Dovecot ready."},
    {"ssh tls alert is binary", SSH, 0, NULL,
     TEXT("\x15\x03\x03\x00\x02\x02\x28"), false, DLG_FAIL, UNEXPECTED,
     "binary data: \\x15*"},
    {"ssh nul in the identification", SSH, 0, NULL,
     TEXT("SSH-2.0-Open\0SSH\r\n"), false, DLG_FAIL, UNEXPECTED,
     "binary data: SSH-2.0-Open*"},
    {"ssh identification without versions", SSH, 0, NULL, TEXT("SSH-2.0\r\n"),
     false, DLG_FAIL, UNEXPECTED, "SSH-2.0"},
    {"ssh identification without software version", SSH, 0, NULL,
     TEXT("SSH-2.0-\r\n"), false, DLG_FAIL, UNEXPECTED, "SSH-2.0-"},
    {"ssh closed at once", SSH, 0, NULL, TEXT(""), true, DLG_FAIL, CLOSED,
     "closed before sending a greeting"},
    {"ssh closed mid-identification", SSH, 0, NULL, TEXT("SSH-2.0-Open"), true,
     DLG_FAIL, CLOSED, "closed mid-line: SSH-2.0-Open"},
    {"ssh closed after a notice", SSH, 0, NULL,
     TEXT("Not allowed at this time\r\n"), true, DLG_FAIL, CLOSED,
     "closed after: Not allowed at this time"},
    {"ssh notice then silence waits", SSH, 0, NULL,
     TEXT("Not allowed at this time\r\n"), false, DLG_MORE, NONE,
     "Not allowed at this time"},
    {"ssh nothing yet waits", SSH, 0, NULL, TEXT("SSH-2.0-Ope"), false,
     DLG_MORE, NONE, ""},

    /* rsync 3.5.0 (protocol 32, Debian 12) rsync --daemon on
     * 127.0.0.1:11873: its greeting. */
    {"rsync 3.5.0 daemon", RSYNC, 0, NULL,
     TEXT("@RSYNCD: 32.0 sha512 sha256 sha1 md5 md4\n"), false, DLG_DONE, NONE,
     "@RSYNCD: 32.0 sha512 sha256 sha1 md5 md4"},
    {"rsync protocol 29 daemon", RSYNC, 0, NULL, TEXT("@RSYNCD: 29.0\n"), false,
     DLG_DONE, NONE, "@RSYNCD: 29.0"},
    {"rsync daemon refusing", RSYNC, 0, NULL,
     TEXT("@ERROR: max connections (1) reached -- try again later\n"), false,
     DLG_DONE, NONE, "@ERROR: max connections (1) reached -- try again later"},
    {"rsync port answered by ssh", RSYNC, 0, NULL,
     TEXT("SSH-2.0-OpenSSH_9.2p1\r\n"), false, DLG_FAIL, UNEXPECTED, "S*"},
    {"rsync bad protocol version", RSYNC, 0, NULL, TEXT("@RSYNCD: x\n"), false,
     DLG_FAIL, UNEXPECTED, "@RSYNCD: x"},
    {"rsync binary", RSYNC, 0, NULL, TEXT("\x00\x01\x02"), false, DLG_FAIL,
     UNEXPECTED, "\\x00*"},
    {"rsync nul inside the greeting", RSYNC, 0, NULL, TEXT("@RSYNCD: 31.0\0\n"),
     false, DLG_FAIL, UNEXPECTED, "@RSYNCD: 31.0\\x00"},
    {"rsync closed at once", RSYNC, 0, NULL, TEXT(""), true, DLG_FAIL, CLOSED,
     "closed before sending a greeting"},
    {"rsync closed mid-greeting", RSYNC, 0, NULL, TEXT("@RSYNCD: 3"), true,
     DLG_FAIL, CLOSED, "closed mid-line: @RSYNCD: 3"},

    /* Razor2: built from Razor2::Client::Core (connect/parse_greeting),
     * no server can run here. */
    {"razor greeting", RAZOR, 0, NULL,
     TEXT("sn=C&srl=1234&ep4=7542-10&a=l&\r\n"), false, DLG_DONE, NONE,
     "sn=C&srl=1234&ep4=7542-10&a=l&"},
    {"razor smtp greeting", RAZOR, 0, NULL, TEXT("220 razor? no\r\n"), false,
     DLG_FAIL, UNEXPECTED, "2*"},
    {"razor closed at once", RAZOR, 0, NULL, TEXT(""), true, DLG_FAIL, CLOSED,
     "closed before sending a greeting"},
    {"razor closed mid-greeting", RAZOR, 0, NULL, TEXT("sn=C&sr"), true,
     DLG_FAIL, CLOSED, "closed mid-line: sn=C&sr"},

    /* DNS over TCP, id 0x4567, ". SOA". */
    {"dns tcp unbound 1.17.1", DNS, 0x4567, NULL, BYTES(dns_unbound_tcp), false,
     DLG_DONE, NONE, "rcode NOERROR, 1 answer"},
    {"dns tcp answer then close", DNS, 0x4567, NULL, BYTES(dns_unbound_tcp),
     true, DLG_DONE, NONE, "rcode NOERROR, 1 answer"},
    {"dns tcp closed mid-answer", DNS, 0x4567, NULL, dns_unbound_tcp, 40, true,
     DLG_FAIL, CLOSED, "closed after 40 bytes of the answer"},
    {"dns tcp partial answer waits", DNS, 0x4567, NULL, dns_unbound_tcp, 40,
     false, DLG_MORE, NONE, ""},
    {"dns tcp closed at once", DNS, 0x4567, NULL, TEXT(""), true, DLG_FAIL,
     CLOSED, "closed without answering"},
    {"dns tcp port answered by ssh", DNS, 0x4567, NULL,
     TEXT("SSH-2.0-OpenSSH_9.2p1\r\n"), false, DLG_FAIL, UNEXPECTED,
     "not a DNS answer to our query: SSH-2.0-OpenSS"},
    {"dns tcp another id", DNS, 0x4567, NULL,
     TEXT("\x00\x0c\x45\x68\x81\x80\x00\x00\x00\x00\x00\x00\x00\x00"), false,
     DLG_FAIL, UNEXPECTED, "not a DNS answer to our query*"},
    {"dns tcp our query echoed", DNS, 0x4567, NULL,
     TEXT("\x00\x11\x45\x67\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00"
	  "\x00\x06\x00\x01"),
     false, DLG_FAIL, UNEXPECTED, "not a DNS answer to our query*"},
    {"dns tcp answer without question", DNS, 0x4567, NULL,
     TEXT("\x00\x0c\x45\x67\x81\x80\x00\x00\x00\x00\x00\x00\x00\x00"), false,
     DLG_FAIL, UNEXPECTED, "a NOERROR answer without a question"},
    {"dns tcp answer over the bound", DNS, 0x4567, NULL,
     TEXT("\x20\x00\x45\x67\x81\x80\x00\x01\x00\x00\x00\x00\x00\x00"), false,
     DLG_FAIL, TOO_LONG, "a 8192-byte DNS answer, over our 4094-byte bound"},
};

static void check_end(const struct dlg *d, enum dlg_step step,
		      const struct stream_case *c, const char *how)
{
	ck_assert_msg(step == c->step, "%s (%s): step %d, expected %d (%s)",
		      c->name, how, step, c->step, d->detail);
	if (step == DLG_FAIL)
		ck_assert_msg(d->failure == c->failure,
			      "%s (%s): failure %d, expected %d (%s)", c->name,
			      how, d->failure, c->failure, d->detail);
	assert_detail(d->detail, c->detail);
	ck_assert_uint_le(d->inlen, DLG_IN_MAX);
}

/* Replay C cut after every byte position CUTS[i]; the peer closes after the
 * last piece when C says so. */
static enum dlg_step replay(struct dlg *d, const struct stream_case *c,
			    const size_t *cuts, size_t ncuts)
{
	struct transcript t = {
	    .check = c->check,
	    .params = {.id = c->id, .dns_qname = c->qname},
	    .clear = c->bytes,
	    .clear_len = c->len,
	    .eof = c->eof,
	};
	return replay_transcript(d, &t, cuts, ncuts, NULL);
}

START_TEST(stream_transcripts_split_at_every_byte)
{
	const struct stream_case *c = &streams[_i];
	struct dlg *d = malloc(sizeof *d);
	char how[64];
	for (size_t cut = 0; cut <= c->len; cut++) {
		snprintf(how, sizeof how, "cut at %zu", cut);
		check_end(d, replay(d, c, &cut, 1), c, how);
	}
	size_t *cuts = malloc((c->len + 1) * sizeof *cuts);
	for (size_t i = 0; i < c->len; i++)
		cuts[i] = i + 1;
	check_end(d, replay(d, c, cuts, c->len), c, "one byte at a time");
	free(cuts);
	free(d);
}
END_TEST

START_TEST(stream_end_is_final)
{
	const struct stream_case *c = &streams[_i];
	if (c->step == DLG_MORE)
		return;
	struct dlg *d = malloc(sizeof *d);
	ck_assert_int_eq(replay(d, c, NULL, 0), c->step);
	enum dlg_failure failure = d->failure;
	ck_assert_int_eq(dlg_feed(d, TEXT("SSH-2.0-more\r\n")), c->step);
	ck_assert_int_eq(dlg_eof(d), c->step);
	ck_assert_int_eq(d->failure, failure);
	assert_detail(d->detail, c->detail);
	free(d);
}
END_TEST

/* Lines of exactly the bound and one byte over it, built at run time. */
static void bound_case(enum catalog_check check, const char *head, size_t total,
		       enum dlg_step step, enum dlg_failure failure,
		       const char *detail)
{
	uint8_t *buf = malloc(total);
	size_t h = strlen(head);
	memcpy(buf, head, h);
	memset(buf + h, 'a', total - h - 2);
	memcpy(buf + total - 2, "\r\n", 2);
	struct stream_case c = {"bound", check, 0,    NULL,    buf,
				total,   false, step, failure, detail};
	struct dlg *d = malloc(sizeof *d);
	size_t cut = total / 2;
	check_end(d, replay(d, &c, &cut, 1), &c, "bound");
	free(d);
	free(buf);
}

START_TEST(ssh_identification_bound_is_255_bytes)
{
	/* RFC 4253 §4.2: 255 characters including CR LF. */
	bound_case(SSH, "SSH-2.0-", 255, DLG_DONE, NONE, "SSH-2.0-aaaa*");
	bound_case(SSH, "SSH-2.0-", 256, DLG_FAIL, TOO_LONG,
		   "no line end in 255 bytes: SSH-2.0-aaaa*");
	bound_case(RSYNC, "@RSYNCD: 31.0 ", 1024, DLG_DONE, NONE,
		   "@RSYNCD: 31.0 aaa*");
	bound_case(RSYNC, "@RSYNCD: 31.0 ", 1025, DLG_FAIL, TOO_LONG,
		   "no line end in 1024 bytes: @RSYNCD: 31.0 aaa*");
	bound_case(RAZOR, "sn=C&", 1025, DLG_FAIL, TOO_LONG,
		   "no line end in 1024 bytes: sn=C&aaa*");
}
END_TEST

START_TEST(ssh_notice_lines_are_bounded)
{
	/* 32 notices and then the identification is still SSH; a 33rd
	 * notice is not. */
	char text[33 * 3 + 16] = "";
	for (int i = 0; i < 32; i++)
		strcat(text, "x\r\n");
	strcat(text, "SSH-2.0-y\r\n");
	struct stream_case ok = {
	    "32 notices", SSH,   0,        NULL, (const uint8_t *)text,
	    strlen(text), false, DLG_DONE, NONE, "SSH-2.0-y"};
	struct dlg *d = malloc(sizeof *d);
	check_end(d, replay(d, &ok, NULL, 0), &ok, "whole");
	text[0] = '\0';
	for (int i = 0; i < 33; i++)
		strcat(text, "x\r\n");
	struct stream_case bad = {"33 notices",
				  SSH,
				  0,
				  NULL,
				  (const uint8_t *)text,
				  strlen(text),
				  false,
				  DLG_FAIL,
				  UNEXPECTED,
				  "32 lines and no SSH identification"};
	check_end(d, replay(d, &bad, NULL, 0), &bad, "whole");
	free(d);
}
END_TEST

/* A peer that never stops: a megabyte in reads of 4096 bytes. The
 * dialogue must end within its buffer and never hold more than it. */
static const struct {
	enum catalog_check check;
	const char *unit; /* repeated forever */
	enum dlg_failure failure;
} endless[] = {
    {SSH, "a", TOO_LONG},
    {SSH, "x\r\n", UNEXPECTED},
    {RSYNC, "@RSYNCD: 31.0 ", TOO_LONG},
    {RAZOR, "sn=", TOO_LONG},
    {DNS, "\x45\x67\x45\x67\x81\x80", TOO_LONG}, /* length, id, QR */
    {DNS, "a", UNEXPECTED},
};

START_TEST(stream_endless_data_stays_bounded)
{
	enum { READ = 4096, TOTAL = 1024 * 1024 };
	uint8_t *chunk = malloc(READ);
	size_t ulen = strlen(endless[_i].unit);
	for (size_t i = 0; i < READ; i++)
		chunk[i] = (uint8_t)endless[_i].unit[i % ulen];
	struct dlg *d = malloc(sizeof *d);
	struct dlg_params p = {.id = 0x4567};
	ck_assert_int_eq(dlg_start(d, endless[_i].check, &p), 0);
	dlg_sent(d);
	enum dlg_step step = DLG_MORE;
	size_t fed = 0;
	while (fed < TOTAL && step == DLG_MORE) {
		step = dlg_feed(d, chunk, READ);
		fed += READ;
		ck_assert_uint_le(d->inlen, DLG_IN_MAX);
	}
	ck_assert_int_eq(step, DLG_FAIL);
	ck_assert_uint_le(fed, 2 * DLG_IN_MAX);
	ck_assert_int_eq(d->failure, endless[_i].failure);
	assert_safe(d->detail);
	free(d);
	free(chunk);
}
END_TEST

START_TEST(stream_random_input_is_judged_in_bounds)
{
	/* A fixed LCG so a failure replays. */
	static const enum catalog_check checks[] = {SSH, RSYNC, RAZOR, DNS};
	uint32_t seed = 12345;
	uint8_t buf[700];
	struct dlg *d = malloc(sizeof *d);
	for (int round = 0; round < 2000; round++) {
		struct dlg_params p = {.id = 0x4567};
		ck_assert_int_eq(dlg_start(d, checks[round % 4], &p), 0);
		dlg_sent(d);
		enum dlg_step step = DLG_MORE;
		for (int piece = 0; piece < 4 && step == DLG_MORE; piece++) {
			seed = seed * 1103515245 + 12345;
			size_t n = (seed >> 16) % sizeof buf;
			for (size_t i = 0; i < n; i++) {
				seed = seed * 1103515245 + 12345;
				/* Mostly text, sometimes anything. */
				buf[i] =
				    (seed >> 24) % 8 == 0
					? (uint8_t)(seed >> 16)
					: (uint8_t)(0x20 + (seed >> 16) % 0x5f);
				if ((seed >> 8) % 50 == 0)
					buf[i] = '\n';
			}
			step = feed_piece(d, buf, 0, n);
		}
		if (step == DLG_MORE)
			step = dlg_eof(d);
		ck_assert(step == DLG_DONE || step == DLG_FAIL);
		ck_assert_uint_le(d->inlen, DLG_IN_MAX);
		assert_safe(d->detail);
	}
	free(d);
}
END_TEST

START_TEST(dns_tcp_request_has_length_prefix)
{
	struct dlg d;
	struct dlg_params p = {.id = 0x1234};
	ck_assert_int_eq(dlg_start(&d, DNS, &p), 0);
	const uint8_t *out;
	size_t n = dlg_output(&d, &out);
	/* RFC 1035 §4.2.2: two bytes of length, then the message. */
	ck_assert_uint_eq(n, 2 + sizeof dns_request_root);
	ck_assert_uint_eq(out[0], 0);
	ck_assert_uint_eq(out[1], sizeof dns_request_root);
	ck_assert_mem_eq(out + 2, dns_request_root, sizeof dns_request_root);
	dlg_sent(&d);
	ck_assert_uint_eq(dlg_output(&d, &out), 0);
}
END_TEST

START_TEST(banner_dialogues_send_nothing)
{
	static const enum catalog_check checks[] = {SSH, RSYNC, RAZOR};
	for (size_t i = 0; i < COUNT(checks); i++) {
		struct dlg d;
		const uint8_t *out;
		ck_assert_int_eq(dlg_start(&d, checks[i], NULL), 0);
		ck_assert_uint_eq(dlg_output(&d, &out), 0);
		ck_assert_int_eq(dlg_feed(&d, TEXT("SSH-2.0-x\r\n")),
				 checks[i] == SSH ? DLG_DONE : DLG_FAIL);
		ck_assert_uint_eq(dlg_output(&d, &out), 0);
	}
}
END_TEST

/* Dispatch ----------------------------------------------------------------- */

START_TEST(dlg_kinds_match_the_catalog)
{
	for (int c = 0; c < CATALOG_CHECK_COUNT; c++) {
		/* Every check kind that runs over UDP has a datagram
		 * dialogue, and no other does. */
		ck_assert_msg(dlg_udp_supported(c) ==
				  catalog_check_allows(c, CATALOG_UDP),
			      "%s", catalog_check_name(c));
		if (dlg_has_stream(c))
			ck_assert(catalog_check_allows(c, CATALOG_TCP));
		ck_assert(dlg_udp_expects_reply(c) ==
			  (dlg_udp_supported(c) && c != CATALOG_CHECK_SYSLOG));
	}
	ck_assert(dlg_has_stream(SSH) && dlg_has_stream(RSYNC) &&
		  dlg_has_stream(RAZOR) && dlg_has_stream(DNS));
	ck_assert(!dlg_has_stream(CATALOG_CHECK_TCP));
	ck_assert(!dlg_has_stream(CATALOG_CHECK_NTP));
	ck_assert(!dlg_udp_supported(CATALOG_CHECK_COUNT));
	ck_assert(!dlg_has_stream((enum catalog_check) - 1));
	struct dlg d;
	struct dlg_udp u;
	ck_assert_int_eq(dlg_start(&d, CATALOG_CHECK_TCP, NULL), -ENOTSUP);
	ck_assert_int_eq(dlg_udp_start(&u, SSH, NULL), -ENOTSUP);
}
END_TEST

START_TEST(dlg_refuses_bad_parameters)
{
	static const char *const bad_names[] = {
	    "a..b",
	    ".a",
	    "..",
	    "with space.example",
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    ".example",
	};
	struct dlg_udp u;
	struct dlg d;
	for (size_t i = 0; i < COUNT(bad_names); i++) {
		struct dlg_params p = {.dns_qname = bad_names[i]};
		ck_assert_int_eq(dlg_udp_start(&u, DNS, &p), -EINVAL);
		ck_assert_int_eq(dlg_start(&d, DNS, &p), -EINVAL);
	}
	/* RFC 1035 §3.1: 255 octets in wire form. 63 + 63 + 63 + 61 labels
	 * and their lengths make 254, and the root octet 255. */
	char name[300];
	memset(name, 'a', sizeof name);
	name[63] = name[127] = name[191] = '.';
	name[253] = '\0';
	struct dlg_params p = {.dns_qname = name};
	ck_assert_int_eq(dlg_udp_start(&u, DNS, &p), 0);
	ck_assert_uint_eq(u.reqlen, 12 + 255 + 4);
	name[253] = 'a';
	name[254] = '\0';
	ck_assert_int_eq(dlg_udp_start(&u, DNS, &p), -EINVAL);

	char community[300];
	memset(community, 'c', sizeof community);
	community[256] = '\0';
	struct dlg_params s = {.snmp_community = community};
	ck_assert_int_eq(dlg_udp_start(&u, CATALOG_CHECK_SNMP, &s), -EINVAL);
	community[255] = '\0';
	ck_assert_int_eq(dlg_udp_start(&u, CATALOG_CHECK_SNMP, &s), 0);
	ck_assert_uint_le(u.reqlen, DLG_OUT_MAX);
}
END_TEST

/* Datagram requests -------------------------------------------------------- */

static void request(struct dlg_udp *u, enum catalog_check check, uint16_t id,
		    const char *qname, const char *community)
{
	struct dlg_params p = {
	    .id = id, .dns_qname = qname, .snmp_community = community};
	ck_assert_int_eq(dlg_udp_start(u, check, &p), 0);
	ck_assert_uint_le(u->reqlen, DLG_OUT_MAX);
}

START_TEST(dns_request_layout)
{
	struct dlg_udp u;
	request(&u, DNS, 0x1234, NULL, NULL);
	ck_assert_uint_eq(u.reqlen, sizeof dns_request_root);
	ck_assert_mem_eq(u.req, dns_request_root, sizeof dns_request_root);
	/* A name in labels, with or without the trailing dot. */
	static const uint8_t qname[] = {7,   'e', 'x', 'a', 'm', 'p', 'l',
					'e', 3,   'c', 'o', 'm', 0};
	request(&u, DNS, 0x1234, "example.com", NULL);
	ck_assert_uint_eq(u.reqlen, 12 + sizeof qname + 4);
	ck_assert_mem_eq(u.req + 12, qname, sizeof qname);
	request(&u, DNS, 0x1234, "example.com.", NULL);
	ck_assert_mem_eq(u.req + 12, qname, sizeof qname);
	request(&u, DNS, 0x1234, "", NULL);
	ck_assert_mem_eq(u.req, dns_request_root, sizeof dns_request_root);
}
END_TEST

START_TEST(ntp_request_layout)
{
	struct dlg_udp a, b;
	request(&a, CATALOG_CHECK_NTP, 0x1234, NULL, NULL);
	/* RFC 5905 §7.3: 48 bytes; LI 0, VN 4, mode 3 (client). */
	ck_assert_uint_eq(a.reqlen, 48);
	ck_assert_uint_eq(a.req[0], 0x23);
	static const uint8_t zero[40];
	ck_assert_mem_eq(a.req + 1, zero, 39);
	/* The transmit timestamp: the nonce chrony echoed back above. */
	ck_assert_mem_eq(a.req + 40, ntp_chrony + 24, 8);
	request(&b, CATALOG_CHECK_NTP, 0x1235, NULL, NULL);
	ck_assert(memcmp(a.req + 40, b.req + 40, 8) != 0);
	request(&b, CATALOG_CHECK_NTP, 0, NULL, NULL);
	ck_assert(memcmp(b.req + 40, zero, 8) != 0);
}
END_TEST

START_TEST(snmp_request_layout)
{
	struct dlg_udp u;
	request(&u, CATALOG_CHECK_SNMP, 0x1234, NULL, NULL);
	ck_assert_uint_eq(u.reqlen, sizeof snmp_request);
	ck_assert_mem_eq(u.req, snmp_request, sizeof snmp_request);
	/* Request-ids from 0x8000 need a leading zero octet to stay
	 * positive (X.690 §8.3.2). */
	request(&u, CATALOG_CHECK_SNMP, 0x8000, NULL, "public");
	static const uint8_t reqid[] = {0x02, 0x03, 0x00, 0x80, 0x00};
	ck_assert_mem_eq(u.req + 15, reqid, sizeof reqid);
	/* A community over 127 bytes takes a long-form length. */
	char community[200];
	memset(community, 'c', 199);
	community[199] = '\0';
	request(&u, CATALOG_CHECK_SNMP, 1, NULL, community);
	ck_assert_uint_eq(u.req[0], 0x30);
	ck_assert_uint_eq(u.req[1], 0x81);
	ck_assert_uint_eq(u.req[2], u.reqlen - 3);
	ck_assert_uint_eq(u.req[6], 0x04);
	ck_assert_uint_eq(u.req[7], 0x81);
	ck_assert_uint_eq(u.req[8], 199);
}
END_TEST

START_TEST(cldap_request_layout)
{
	struct dlg_udp u;
	request(&u, CATALOG_CHECK_CLDAP, 0x1234, NULL, NULL);
	ck_assert_uint_eq(u.reqlen, sizeof cldap_request);
	ck_assert_mem_eq(u.req, cldap_request, sizeof cldap_request);
	/* RFC 4511 §4.1.1.1: messageID 0 is not ours to use. */
	request(&u, CATALOG_CHECK_CLDAP, 0, NULL, NULL);
	static const uint8_t id[] = {0x02, 0x03, 0x01, 0x00, 0x00};
	ck_assert_mem_eq(u.req + 2, id, sizeof id);
}
END_TEST

START_TEST(pyzor_request_layout)
{
	struct dlg_udp u;
	request(&u, CATALOG_CHECK_PYZOR, 0x1234, NULL, NULL);
	ck_assert_uint_eq(u.reqlen, strlen(pyzor_request));
	ck_assert_mem_eq(u.req, pyzor_request, u.reqlen);
	/* Threads 0-1023 are reserved (pyzor message.py ThreadId). */
	request(&u, CATALOG_CHECK_PYZOR, 0, NULL, NULL);
	ck_assert(strstr((const char *)u.req, "Thread: 1024\n") != NULL);
	request(&u, CATALOG_CHECK_PYZOR, 65535, NULL, NULL);
	ck_assert(strstr((const char *)u.req, "Thread: 2047\n") != NULL);
}
END_TEST

START_TEST(dcc_request_layout)
{
	struct dlg_udp u;
	request(&u, CATALOG_CHECK_DCC, 0x1234, NULL, NULL);
	ck_assert_uint_eq(u.reqlen, sizeof dcc_request);
	ck_assert_mem_eq(u.req, dcc_request, sizeof dcc_request);
}
END_TEST

START_TEST(syslog_request_layout)
{
	struct dlg_udp u;
	request(&u, CATALOG_CHECK_SYSLOG, 4660, NULL, NULL);
	/* RFC 5424 §6: <PRI>VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP
	 * PROCID SP MSGID SP STRUCTURED-DATA SP MSG; PRI 14 = user.info. */
	static const char msg[] =
	    "<14>1 - - veriport - - - veriport reachability probe id=4660";
	ck_assert_uint_eq(u.reqlen, strlen(msg));
	ck_assert_mem_eq(u.req, msg, u.reqlen);
	ck_assert(!dlg_udp_expects_reply(CATALOG_CHECK_SYSLOG));
}
END_TEST

/* Datagram replies --------------------------------------------------------- */

struct udp_case {
	const char *name;
	enum catalog_check check;
	uint16_t id;
	const char *qname;
	const char *community;
	const uint8_t *reply;
	size_t len;
	enum dlg_udp_match match;
	const char *detail;
};

#define NTP CATALOG_CHECK_NTP
#define SNMP CATALOG_CHECK_SNMP
#define CLDAP CATALOG_CHECK_CLDAP
#define PYZOR CATALOG_CHECK_PYZOR
#define DCC CATALOG_CHECK_DCC
#define SYSLOG CATALOG_CHECK_SYSLOG
#define MATCH DLG_UDP_MATCH
#define FOREIGN DLG_UDP_FOREIGN
#define BAD DLG_UDP_BAD

static const struct udp_case replies[] = {
    {"dns unbound 1.17.1 root SOA", DNS, 0x1234, NULL, NULL,
     BYTES(dns_unbound_soa), MATCH, "rcode NOERROR, 1 answer"},
    {"dns unbound refused", DNS, 0x2345, NULL, NULL, BYTES(dns_unbound_refused),
     MATCH, "rcode REFUSED"},
    {"dns unbound nxdomain", DNS, 0x3456, "no-such-name.invalid", NULL,
     BYTES(dns_unbound_nxdomain), MATCH, "rcode NXDOMAIN"},
    {"dns question compared without case", DNS, 0x3456, "No-Such-Name.INVALID.",
     NULL, BYTES(dns_unbound_nxdomain), MATCH, "rcode NXDOMAIN"},
    {"dns answer to another question", DNS, 0x3456, NULL, NULL,
     BYTES(dns_unbound_nxdomain), FOREIGN, "an answer to another question"},
    {"dns our query echoed", DNS, 0x1234, NULL, NULL, BYTES(dns_request_root),
     BAD, "a DNS query, not an answer (echoed?)"},
    {"dns compression loop", DNS, 0x1234, NULL, NULL, BYTES(dns_loop), BAD,
     "malformed question section"},
    {"dns forward pointer", DNS, 0x1234, NULL, NULL, BYTES(dns_forward), BAD,
     "malformed question section"},
    {"dns record past the end", DNS, 0x1234, NULL, NULL, BYTES(dns_rdlen), BAD,
     "malformed record 1 of 1"},
    {"dns truncated answer", DNS, 0x1234, NULL, NULL, BYTES(dns_tc), MATCH,
     "rcode NOERROR, 1 answer, truncated"},
    {"dns garbage", DNS, 0x1234, NULL, NULL, TEXT("hello"), BAD,
     "5 bytes, shorter than a DNS header"},

    {"ntp chrony 4.3", NTP, 0x1234, NULL, NULL, BYTES(ntp_chrony), MATCH,
     "stratum 10, refid 127.127.1.1"},
    {"ntp chrony 4.3 unsynchronized", NTP, 0x3000, NULL, NULL,
     BYTES(ntp_chrony_unsync), MATCH, "stratum 0, clock not synchronized"},
    {"ntp ntpsec 1.2.2 kiss code INIT", NTP, 0x4000, NULL, NULL,
     BYTES(ntp_ntpsec_init), MATCH,
     "stratum 0, kiss code INIT, clock not synchronized"},
    {"ntp kiss-o'-death RATE", NTP, 0x4000, NULL, NULL, BYTES(ntp_kod_rate),
     MATCH, "stratum 0, kiss code RATE, clock not synchronized"},
    {"ntp primary server", NTP, 0x1234, NULL, NULL, BYTES(ntp_stratum1_gps),
     MATCH, "stratum 1, refid GPS"},
    {"ntp our request echoed", NTP, 0x1234, NULL, NULL,
     BYTES(ntp_client_packet), BAD, "NTP version 4 mode 3, not a server reply"},

    {"snmp net-snmp 5.9.3 sysDescr", SNMP, 0x1234, NULL, NULL,
     BYTES(snmp_netsnmp), MATCH,
     "veriport test agent (Net-SNMP 5.9.3 on Debian 12)"},
    {"snmp net-snmp 5.9.3 noSuchObject", SNMP, 0x2345, NULL, "limited",
     BYTES(snmp_netsnmp_nosuch), MATCH, "sysDescr.0: noSuchObject"},
    {"snmp error-status", SNMP, 0x1234, NULL, NULL, BYTES(snmp_toobig), MATCH,
     "error-status tooBig (1)"},
    {"snmp our request echoed", SNMP, 0x1234, NULL, NULL, BYTES(snmp_request),
     BAD, "SNMP PDU 0xa0, not a Response"},
    {"snmp v1 message", SNMP, 0x1234, NULL, NULL, BYTES(snmp_v1), BAD,
     "SNMP message version 0, not SNMPv2c"},
    {"snmp byte after the message", SNMP, 0x1234, NULL, NULL,
     BYTES(snmp_trailing), BAD, "not an SNMP message: no message SEQUENCE"},
    {"snmp indefinite length", SNMP, 0x1234, NULL, NULL, BYTES(snmp_indefinite),
     BAD, "not an SNMP message: no message SEQUENCE"},

    {"cldap samba 4.17.12 rootDSE", CLDAP, 0x1234, NULL, NULL,
     BYTES(cldap_samba), MATCH,
     "supportedLDAPVersion: 2 3; namingContexts: DC=veriport,DC=test "
     "CN=Configuration,DC=veriport,DC=test "
     "CN=Schema,CN=Configuration,DC=veriport,DC=test; resultCode 0 "
     "success"},
    {"cldap samba 4.17.12 messageID 0x10000", CLDAP, 0, NULL, NULL,
     BYTES(cldap_samba_id0), MATCH, "supportedLDAPVersion: 2 3;*"},
    {"cldap openldap 2.5.13 messages", CLDAP, 0x1234, NULL, NULL,
     BYTES(ldap_slapd_tcp), MATCH,
     "namingContexts: dc=example,dc=com; supportedLDAPVersion: 3; "
     "resultCode 0 success"},
    {"cldap rfc 1798 framing", CLDAP, 0x1234, NULL, NULL, BYTES(cldap_rfc1798),
     MATCH, "resultCode 0 success"},
    {"cldap unsolicited notification", CLDAP, 0x1234, NULL, NULL,
     BYTES(cldap_notice), MATCH,
     "resultCode 2 protocolError: UDP is not supported"},
    {"cldap search refused", CLDAP, 0x1234, NULL, NULL, BYTES(cldap_unwilling),
     MATCH, "resultCode 53 unwillingToPerform: rootDSE only"},
    {"cldap our request echoed", CLDAP, 0x1234, NULL, NULL,
     BYTES(cldap_request), BAD, "LDAP operation 0x63, not a search result"},
    {"cldap messages for two ids", CLDAP, 0x1234, NULL, NULL,
     BYTES(cldap_mixed_ids), BAD, "not an LDAP message: messageIDs differ"},

    {"pyzor 1.0.0 pyzord", PYZOR, 0x1234, NULL, NULL, TEXT(pyzor_pyzord), MATCH,
     "Code: 200 OK"},
    {"pyzor refusal", PYZOR, 0x1234, NULL, NULL, TEXT(pyzor_unauthorized),
     MATCH, "Code: 401 Unauthorized: Signature Error: Invalid signature."},
    {"pyzor folded header", PYZOR, 0x1234, NULL, NULL, TEXT(pyzor_folded),
     MATCH, "Code: 200 OK"},
    {"pyzor our ping echoed", PYZOR, 0x1234, NULL, NULL, TEXT(pyzor_request),
     BAD, "not a Pyzor response: Op: ping*"},
    {"pyzor garbage", PYZOR, 0x1234, NULL, NULL, TEXT("\x00\x01garbage"), BAD,
     "not a Pyzor response: \\x00\\x01garbage"},

    {"dcc ok", DCC, 0x1234, NULL, NULL, BYTES(dcc_ok), MATCH,
     "DCC OK from server-ID 1001, version 9, brand veriport-test"},
    {"dcc error", DCC, 0x1234, NULL, NULL, BYTES(dcc_error), MATCH,
     "DCC error from server-ID 1001: anonymous clients are not welcome "
     "here"},
    {"dcc our nop echoed", DCC, 0x1234, NULL, NULL, BYTES(dcc_request), BAD,
     "DCC operation 1 (40 bytes) in answer to a NOP: our own NOP echoed"},
    {"dcc length field disagrees", DCC, 0x1234, NULL, NULL, BYTES(dcc_badlen),
     BAD, "not a DCC packet (108 bytes)"},

    {"syslog never answers", SYSLOG, 0x1234, NULL, NULL, TEXT("hello\n"), BAD,
     "6 bytes came back from a syslog port, which never answers: "
     "hello\\x0a"},
};

/* Shorter lengths at which a reply is still a whole one: a message
 * boundary (the CLDAP entry before its done, the SNMP message without the
 * stray byte) or the end of a text line (Pyzor). */
static const struct {
	const void *reply;
	size_t len;
} still_whole[] = {
    {cldap_samba, 174},
    {cldap_samba_id0, 175},
    {ldap_slapd_tcp, 80},
    {cldap_mixed_ids, 80},
    {snmp_trailing, sizeof snmp_trailing - 1},
    {pyzor_pyzord, sizeof pyzor_pyzord - 3},
    {pyzor_pyzord, sizeof pyzor_pyzord - 2},
    {pyzor_unauthorized, sizeof pyzor_unauthorized - 3},
    {pyzor_unauthorized, sizeof pyzor_unauthorized - 2},
    {pyzor_folded, sizeof pyzor_folded - 3},
    {pyzor_folded, sizeof pyzor_folded - 2},
};

static bool is_still_whole(const void *reply, size_t len)
{
	for (size_t i = 0; i < COUNT(still_whole); i++)
		if (still_whole[i].reply == reply && still_whole[i].len == len)
			return true;
	return false;
}

/* Judge N bytes of BYTES from a buffer of exactly N bytes. */
static enum dlg_udp_match judge(struct dlg_udp *u, const uint8_t *bytes,
				size_t n)
{
	uint8_t *copy = malloc(n ? n : 1);
	memcpy(copy, bytes, n);
	enum dlg_udp_match m = dlg_udp_reply(u, copy, n);
	free(copy);
	assert_safe(u->detail);
	return m;
}

static void start_case(struct dlg_udp *u, const struct udp_case *c, uint16_t id)
{
	request(u, c->check, id, c->qname, c->community);
}

START_TEST(udp_replies_are_judged)
{
	const struct udp_case *c = &replies[_i];
	struct dlg_udp u;
	start_case(&u, c, c->id);
	enum dlg_udp_match m = judge(&u, c->reply, c->len);
	ck_assert_msg(m == c->match, "%s: %d, expected %d (%s)", c->name, m,
		      c->match, u.detail);
	assert_detail(u.detail, c->detail);
	/* The same datagram again: a reply is judged on its own. */
	ck_assert_int_eq(judge(&u, c->reply, c->len), m);
}
END_TEST

START_TEST(udp_reply_for_another_id_is_foreign)
{
	const struct udp_case *c = &replies[_i];
	if (c->match != MATCH || c->check == SYSLOG)
		return;
	struct dlg_udp u;
	start_case(&u, c, (uint16_t)(c->id + 1));
	enum dlg_udp_match m = judge(&u, c->reply, c->len);
	/* An unsolicited notification answers nobody in particular. */
	if (c->reply == cldap_notice)
		ck_assert_int_eq(m, MATCH);
	else
		ck_assert_msg(m == FOREIGN, "%s: %d (%s)", c->name, m,
			      u.detail);
}
END_TEST

START_TEST(udp_truncated_reply_is_not_a_match)
{
	const struct udp_case *c = &replies[_i];
	struct dlg_udp u;
	start_case(&u, c, c->id);
	for (size_t n = 0; n < c->len; n++) {
		if (is_still_whole(c->reply, n))
			continue;
		enum dlg_udp_match m = judge(&u, c->reply, n);
		ck_assert_msg(m != MATCH, "%s cut to %zu bytes: %s", c->name, n,
			      u.detail);
	}
}
END_TEST

START_TEST(udp_mutated_reply_stays_in_bounds)
{
	/* Every byte replaced by a few values: whatever the verdict, no read
	 * outside the datagram and a printable detail. */
	const struct udp_case *c = &replies[_i];
	struct dlg_udp u;
	start_case(&u, c, c->id);
	uint8_t *copy = malloc(c->len ? c->len : 1);
	for (size_t i = 0; i < c->len; i++) {
		static const uint8_t values[] = {0x00, 0x01, 0x7f, 0x80,
						 0x81, 0x84, 0xc0, 0xff};
		for (size_t v = 0; v < COUNT(values) + 1; v++) {
			memcpy(copy, c->reply, c->len);
			copy[i] = v < COUNT(values) ? values[v]
						    : (uint8_t)(copy[i] + 1);
			judge(&u, copy, c->len);
		}
	}
	free(copy);
}
END_TEST

START_TEST(udp_other_protocols_are_not_a_match)
{
	/* Each real reply fed to every other datagram check. */
	const struct udp_case *c = &replies[_i];
	if (c->match != MATCH)
		return;
	for (int check = 0; check < CATALOG_CHECK_COUNT; check++) {
		if (check == (int)c->check || !dlg_udp_supported(check))
			continue;
		struct dlg_udp u;
		request(&u, check, c->id, NULL, NULL);
		ck_assert_msg(judge(&u, c->reply, c->len) != MATCH,
			      "%s judged as %s: %s", c->name,
			      catalog_check_name(check), u.detail);
	}
}
END_TEST

START_TEST(udp_random_datagrams_are_not_a_match)
{
	uint32_t seed = 777 + (uint32_t)_i;
	uint8_t buf[DLG_IN_MAX];
	struct dlg_udp u;
	int check = -1;
	for (int c = 0, seen = 0; c < CATALOG_CHECK_COUNT; c++)
		if (dlg_udp_supported(c) && seen++ == _i)
			check = c;
	ck_assert_int_ge(check, 0);
	request(&u, check, 0x1234, NULL, NULL);
	for (int round = 0; round < 3000; round++) {
		seed = seed * 1103515245 + 12345;
		size_t n = (seed >> 12) % 700;
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245 + 12345;
			buf[i] = (uint8_t)(seed >> 16);
		}
		/* Half the time, start like the real thing. */
		if (round % 2 && n >= u.reqlen / 2)
			memcpy(buf, u.req, u.reqlen / 2);
		ck_assert(judge(&u, buf, n) != MATCH);
	}
}
END_TEST

START_TEST(udp_null_and_empty_datagrams_are_bad)
{
	for (int c = 0; c < CATALOG_CHECK_COUNT; c++) {
		if (!dlg_udp_supported(c))
			continue;
		struct dlg_udp u;
		request(&u, c, 1, NULL, NULL);
		ck_assert_int_eq(dlg_udp_reply(&u, NULL, 0), BAD);
		assert_safe(u.detail);
		ck_assert_int_eq(dlg_udp_reply(&u, (const uint8_t *)"", 0),
				 BAD);
	}
}
END_TEST

START_TEST(udp_defaults_apply)
{
	struct dlg_udp u;
	ck_assert_int_eq(dlg_udp_start(&u, CATALOG_CHECK_SNMP, NULL), 0);
	ck_assert_str_eq(u.params.snmp_community, "public");
	ck_assert_str_eq(u.params.dns_qname, ".");
	ck_assert_uint_eq(u.params.id, 0);
	ck_assert_int_eq(dlg_udp_start(&u, DNS, NULL), 0);
	ck_assert_uint_eq(u.reqlen, sizeof dns_request_root);
}
END_TEST

/* BER --------------------------------------------------------------------- */

START_TEST(ber_integers_take_the_fewest_octets)
{
	static const struct {
		int64_t v;
		uint8_t len;
		uint8_t bytes[9];
	} ints[] = {
	    {0, 1, {0x00}},
	    {127, 1, {0x7f}},
	    {128, 2, {0x00, 0x80}},
	    {255, 2, {0x00, 0xff}},
	    {256, 2, {0x01, 0x00}},
	    {-1, 1, {0xff}},
	    {-128, 1, {0x80}},
	    {-129, 2, {0xff, 0x7f}},
	    {65535, 3, {0x00, 0xff, 0xff}},
	    {INT64_MAX, 8, {0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
	    {INT64_MIN, 8, {0x80, 0, 0, 0, 0, 0, 0, 0}},
	};
	for (size_t i = 0; i < COUNT(ints); i++) {
		uint8_t buf[16];
		struct ber_writer w;
		size_t len;
		ber_writer_init(&w, buf, sizeof buf);
		ber_put_int(&w, BER_INTEGER, ints[i].v);
		ck_assert_int_eq(ber_finish(&w, &len), 0);
		ck_assert_uint_eq(len, 2u + ints[i].len);
		ck_assert_uint_eq(buf[1], ints[i].len);
		ck_assert_mem_eq(buf + 2, ints[i].bytes, ints[i].len);
		struct ber_reader r;
		struct ber_tlv t;
		int64_t back;
		ber_reader_init(&r, buf, len);
		ck_assert_int_eq(ber_read_tag(&r, BER_INTEGER, &t), 0);
		ck_assert_int_eq(ber_get_int(&t, &back), 0);
		ck_assert(back == ints[i].v);
	}
}
END_TEST

START_TEST(ber_long_lengths_round_trip)
{
	static const size_t sizes[] = {0, 127, 128, 255, 256, 1000};
	for (size_t i = 0; i < COUNT(sizes); i++) {
		uint8_t content[1000], buf[1100];
		memset(content, 'x', sizeof content);
		struct ber_writer w;
		size_t len;
		ber_writer_init(&w, buf, sizeof buf);
		ber_begin(&w, BER_SEQUENCE);
		ber_put_bytes(&w, BER_OCTET_STRING, content, sizes[i]);
		ber_end(&w);
		ck_assert_int_eq(ber_finish(&w, &len), 0);
		struct ber_reader r, in;
		struct ber_tlv seq, s;
		ber_reader_init(&r, buf, len);
		ck_assert_int_eq(ber_read_tag(&r, BER_SEQUENCE, &seq), 0);
		ck_assert(ber_reader_empty(&r));
		ber_reader_enter(&in, &seq);
		ck_assert_int_eq(ber_read_tag(&in, BER_OCTET_STRING, &s), 0);
		ck_assert_uint_eq(s.len, sizes[i]);
		ck_assert(ber_reader_empty(&in));
	}
	/* X.690 §8.1.3.5: 300 is 0x82 0x01 0x2c. */
	uint8_t buf[400], content[300] = {0};
	struct ber_writer w;
	size_t len;
	ber_writer_init(&w, buf, sizeof buf);
	ber_put_bytes(&w, BER_OCTET_STRING, content, sizeof content);
	ck_assert_int_eq(ber_finish(&w, &len), 0);
	ck_assert_uint_eq(buf[1], 0x82);
	ck_assert_uint_eq(buf[2], 0x01);
	ck_assert_uint_eq(buf[3], 0x2c);
}
END_TEST

START_TEST(ber_writer_refuses_overflow_and_open_values)
{
	uint8_t buf[8];
	struct ber_writer w;
	size_t len;
	ber_writer_init(&w, buf, sizeof buf);
	ber_put_string(&w, BER_OCTET_STRING, "too long for eight");
	ck_assert_int_eq(ber_finish(&w, &len), -EMSGSIZE);
	/* Widening the length of a closed value must fit too. */
	uint8_t small[130];
	uint8_t content[126] = {0};
	ber_writer_init(&w, small, sizeof small);
	ber_begin(&w, BER_SEQUENCE);
	ber_put_bytes(&w, BER_OCTET_STRING, content, sizeof content);
	ber_end(&w);
	ck_assert_int_eq(ber_finish(&w, &len), -EMSGSIZE);
	ber_writer_init(&w, buf, sizeof buf);
	ber_begin(&w, BER_SEQUENCE);
	ck_assert_int_eq(ber_finish(&w, &len), -EINVAL);
	ber_writer_init(&w, buf, sizeof buf);
	ber_end(&w);
	ck_assert_int_eq(ber_finish(&w, &len), -EINVAL);
	uint8_t deep[64];
	ber_writer_init(&w, deep, sizeof deep);
	for (int i = 0; i <= BER_NEST_MAX; i++)
		ber_begin(&w, BER_SEQUENCE);
	for (int i = 0; i <= BER_NEST_MAX; i++)
		ber_end(&w);
	ck_assert_int_eq(ber_finish(&w, &len), -EINVAL);
}
END_TEST

START_TEST(ber_reader_refuses_what_snmp_and_ldap_forbid)
{
	static const struct {
		const char *name;
		uint8_t bytes[8];
		size_t len;
		int rc;
	} cases[] = {
	    {"short form", {0x04, 0x01, 'x'}, 3, 0},
	    {"long form", {0x04, 0x81, 0x01, 'x'}, 4, 0},
	    {"four length octets (AD)", {0x04, 0x84, 0, 0, 0, 1, 'x'}, 7, 0},
	    {"five length octets",
	     {0x04, 0x85, 0, 0, 0, 0, 1, 'x'},
	     8,
	     -EBADMSG},
	    {"indefinite", {0x30, 0x80, 0x00, 0x00}, 4, -EBADMSG},
	    {"high tag number", {0x1f, 0x20, 0x01, 'x'}, 4, -EBADMSG},
	    {"length past the end", {0x04, 0x05, 'x'}, 3, -EBADMSG},
	    {"long length past the end", {0x04, 0x82, 0x01}, 3, -EBADMSG},
	    {"no length", {0x04}, 1, -EBADMSG},
	    {"nothing", {0}, 0, -EBADMSG},
	};
	for (size_t i = 0; i < COUNT(cases); i++) {
		uint8_t *copy = malloc(cases[i].len ? cases[i].len : 1);
		memcpy(copy, cases[i].bytes, cases[i].len);
		struct ber_reader r;
		struct ber_tlv t;
		ber_reader_init(&r, copy, cases[i].len);
		ck_assert_msg(ber_read(&r, &t) == cases[i].rc, "%s",
			      cases[i].name);
		if (cases[i].rc == 0) {
			ck_assert_uint_eq(t.len, 1);
			ck_assert_uint_eq(t.val[0], 'x');
			ck_assert(ber_reader_empty(&r));
		}
		free(copy);
	}
	struct ber_tlv t = {BER_INTEGER,
			    (const uint8_t *)"\x01\x02\x03\x04"
					     "\x05\x06\x07\x08\x09",
			    9};
	int64_t v;
	ck_assert_int_eq(ber_get_int(&t, &v), -EBADMSG);
	t.len = 0;
	ck_assert_int_eq(ber_get_int(&t, &v), -EBADMSG);
	/* A wrong tag leaves the reader where it was. */
	struct ber_reader r;
	ber_reader_init(&r, (const uint8_t *)"\x02\x01\x05", 3);
	ck_assert_int_eq(ber_read_tag(&r, BER_OCTET_STRING, &t), -EBADMSG);
	ck_assert_int_eq(ber_read_tag(&r, BER_INTEGER, &t), 0);
	ck_assert_int_eq(ber_get_int(&t, &v), 0);
	ck_assert(v == 5);
}
END_TEST

/* Shared line reader and evidence text ------------------------------------ */

static void put_input(struct dlg *d, const char *s, size_t n)
{
	memset(d, 0, sizeof *d);
	memcpy(d->in, s, n);
	d->inlen = n;
}

START_TEST(line_reader_takes_crlf_and_lf_lines)
{
	struct dlg *d = malloc(sizeof *d);
	char line[8];
	size_t len;
	put_input(d, "ab\r\ncd\nrest", 11);
	ck_assert_int_eq(dlg_line_take(d, line, sizeof line, &len),
			 DLG_LINE_OK);
	ck_assert_str_eq(line, "ab");
	ck_assert_uint_eq(len, 2);
	ck_assert_int_eq(dlg_line_take(d, line, sizeof line, &len),
			 DLG_LINE_OK);
	ck_assert_str_eq(line, "cd");
	ck_assert_int_eq(dlg_line_take(d, line, sizeof line, &len),
			 DLG_LINE_PARTIAL);
	ck_assert_uint_eq(d->inlen, 4);
	ck_assert_mem_eq(d->in, "rest", 4);
	/* A bare CR stays in the line; a NUL is kept, and counted. */
	put_input(d, "a\rb\0c\n", 6);
	ck_assert_int_eq(dlg_line_take(d, line, sizeof line, &len),
			 DLG_LINE_OK);
	ck_assert_uint_eq(len, 5);
	ck_assert_mem_eq(line, "a\rb\0c", 6);
	free(d);
}
END_TEST

START_TEST(line_reader_bound_counts_the_terminator)
{
	struct dlg *d = malloc(sizeof *d);
	char line[8];
	size_t len;
	/* MAX 8: seven bytes and LF fit, six and CR LF fit. */
	put_input(d, "1234567\n", 8);
	ck_assert_int_eq(dlg_line_take(d, line, sizeof line, &len),
			 DLG_LINE_OK);
	ck_assert_str_eq(line, "1234567");
	put_input(d, "123456\r\n", 8);
	ck_assert_int_eq(dlg_line_take(d, line, sizeof line, &len),
			 DLG_LINE_OK);
	ck_assert_str_eq(line, "123456");
	put_input(d, "1234567\r\n", 9);
	ck_assert_int_eq(dlg_line_take(d, line, sizeof line, &len),
			 DLG_LINE_TOO_LONG);
	ck_assert_uint_eq(d->inlen, 9);
	put_input(d, "12345678", 8);
	ck_assert_int_eq(dlg_line_take(d, line, sizeof line, &len),
			 DLG_LINE_TOO_LONG);
	put_input(d, "1234567", 7);
	ck_assert_int_eq(dlg_line_take(d, line, sizeof line, &len),
			 DLG_LINE_PARTIAL);
	free(d);
}
END_TEST

START_TEST(dlg_may_start_matches_prefixes)
{
	ck_assert(dlg_may_start("SSH-", 2, "SSH-2.0-"));
	ck_assert(!dlg_may_start("SSX", 3, "SSH-2.0-"));
	ck_assert(dlg_may_start("SSH-2.0-x", 9, "SSH-"));
}
END_TEST

static Suite *dlg_suite(void)
{
	Suite *s = suite_create("dlg");
	TCase *tc = tcase_create("stream");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, stream_transcripts_split_at_every_byte, 0,
			    COUNT(streams));
	tcase_add_loop_test(tc, stream_end_is_final, 0, COUNT(streams));
	tcase_add_test(tc, ssh_identification_bound_is_255_bytes);
	tcase_add_test(tc, ssh_notice_lines_are_bounded);
	tcase_add_loop_test(tc, stream_endless_data_stays_bounded, 0,
			    COUNT(endless));
	tcase_add_test(tc, stream_random_input_is_judged_in_bounds);
	tcase_add_test(tc, dns_tcp_request_has_length_prefix);
	tcase_add_test(tc, banner_dialogues_send_nothing);
	suite_add_tcase(s, tc);

	tc = tcase_create("dispatch");
	tcase_add_test(tc, dlg_kinds_match_the_catalog);
	tcase_add_test(tc, dlg_refuses_bad_parameters);
	tcase_add_test(tc, udp_defaults_apply);
	suite_add_tcase(s, tc);

	tc = tcase_create("requests");
	tcase_add_test(tc, dns_request_layout);
	tcase_add_test(tc, ntp_request_layout);
	tcase_add_test(tc, snmp_request_layout);
	tcase_add_test(tc, cldap_request_layout);
	tcase_add_test(tc, pyzor_request_layout);
	tcase_add_test(tc, dcc_request_layout);
	tcase_add_test(tc, syslog_request_layout);
	suite_add_tcase(s, tc);

	tc = tcase_create("replies");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, udp_replies_are_judged, 0, COUNT(replies));
	tcase_add_loop_test(tc, udp_reply_for_another_id_is_foreign, 0,
			    COUNT(replies));
	tcase_add_loop_test(tc, udp_truncated_reply_is_not_a_match, 0,
			    COUNT(replies));
	tcase_add_loop_test(tc, udp_mutated_reply_stays_in_bounds, 0,
			    COUNT(replies));
	tcase_add_loop_test(tc, udp_other_protocols_are_not_a_match, 0,
			    COUNT(replies));
	tcase_add_loop_test(tc, udp_random_datagrams_are_not_a_match, 0, 7);
	tcase_add_test(tc, udp_null_and_empty_datagrams_are_bad);
	suite_add_tcase(s, tc);

	tc = tcase_create("ber");
	tcase_add_test(tc, ber_integers_take_the_fewest_octets);
	tcase_add_test(tc, ber_long_lengths_round_trip);
	tcase_add_test(tc, ber_writer_refuses_overflow_and_open_values);
	tcase_add_test(tc, ber_reader_refuses_what_snmp_and_ldap_forbid);
	suite_add_tcase(s, tc);

	tc = tcase_create("text");
	tcase_add_test(tc, line_reader_takes_crlf_and_lf_lines);
	tcase_add_test(tc, line_reader_bound_counts_the_terminator);
	tcase_add_test(tc, dlg_may_start_matches_prefixes);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(dlg_suite());
}
