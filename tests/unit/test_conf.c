/* Site configuration: every key parsed, every refusal with its line,
 * conf_apply against a catalog (role, map keys, optional channels, port
 * overrides), and the shipped example file against its catalog. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "veriport/conf.h"
#include "veriport/probe.h"

#include "check_run.h"

/* Three lines every test configuration starts with. */
#define BASE "[veriport]\nprofile = demo\nrole = appliance\n"

static const char catalog_text[] =
    "profile demo\ntitle T\nsource S\n"
    "role appliance A\nrole internet I\nrole portal P\n"
    "row smtp-out\n    vendor v\n    from appliance\n    to internet\n"
    "    port tcp/25 smtp-starttls\n    starttls opportunistic\n"
    "    purpose p\n"
    "row ntp\n    vendor v\n    from appliance\n    to internet\n"
    "    port udp/123 ntp\n    optional when the site uses it\n"
    "    purpose p\n"
    "row web\n    vendor v\n    from internet\n    to appliance\n"
    "    port tcp/443 https\n    purpose p\n";

static struct catalog *demo_catalog(void)
{
	struct catalog *cat;
	struct catalog_error err;
	ck_assert_msg(catalog_parse("demo", catalog_text, strlen(catalog_text),
				    &cat, &err) == 0,
		      "%s", err.msg);
	return cat;
}

static struct conf *parse_ok(const char *text)
{
	struct conf *c = NULL;
	char err[512];
	int rc =
	    conf_parse("test.conf", text, strlen(text), &c, err, sizeof err);
	ck_assert_msg(rc == 0, "refused: %s", err);
	ck_assert_ptr_nonnull(c);
	return c;
}

/* ERR must be "test.conf:LINE: ...EXPECT..." ("test.conf: ..." for 0). */
static void assert_message(const char *what, const char *err, unsigned line,
			   const char *expect)
{
	char prefix[64];
	if (line)
		snprintf(prefix, sizeof prefix, "test.conf:%u: ", line);
	else
		snprintf(prefix, sizeof prefix, "test.conf: ");
	ck_assert_msg(strncmp(err, prefix, strlen(prefix)) == 0,
		      "%s: message '%s' lacks '%s'", what, err, prefix);
	ck_assert_msg(strstr(err, expect) != NULL,
		      "%s: message '%s' lacks '%s'", what, err, expect);
}

static void refuse(const char *what, const char *text, size_t len,
		   unsigned line, const char *expect)
{
	struct conf *c = (struct conf *)1;
	char err[512];
	int rc = conf_parse("test.conf", text, len, &c, err, sizeof err);
	ck_assert_msg(rc == -EINVAL, "%s: accepted", what);
	ck_assert_ptr_null(c);
	assert_message(what, err, line, expect);
}

START_TEST(conf_parses_every_key)
{
	struct conf *c =
	    parse_ok("[veriport]\n"
		     "profile = demo\n"
		     "role = appliance\n"
		     "catalog-dir = /srv/catalogs\n"
		     "interceptors = /etc/veriport/interceptors.list\n"
		     "optional = ntp, syslog-tls,dns-udp\n"
		     "interval = 600\n"
		     "jitter = 0\n"
		     "timeout = 0.5\n"
		     "ca-file = /etc/veriport/ca.pem\n"
		     "canary = 192.0.2.254\n"
		     "snmp-community = s3cret-community\n"
		     "proxy = http://[2001:db8::8]:3128/\n"
		     "[map]\n"
		     "internet = mx1.example.net, mx2.example.net,192.0.2.1\n"
		     "smtp-out = 2001:db8::25\n"
		     "[ports]\n"
		     "smtp-out = 2525\n"
		     "web = 8443\n"
		     "[status]\n"
		     "socket = /run/vp/status.sock\n"
		     "mode = 0640\n"
		     "listen = [::1]:9797\n"
		     "state-dir = /var/lib/vp\n");
	ck_assert_str_eq(c->path, "test.conf");
	ck_assert_str_eq(c->profile.value, "demo");
	ck_assert_uint_eq(c->profile.line, 2);
	ck_assert_str_eq(c->role.value, "appliance");
	ck_assert_uint_eq(c->role.line, 3);
	ck_assert_str_eq(c->catalog_dir, "/srv/catalogs");
	ck_assert_str_eq(c->interceptors, "/etc/veriport/interceptors.list");
	ck_assert(!c->optional_all);
	ck_assert_uint_eq(c->noptional, 3);
	ck_assert_str_eq(c->optional[0].value, "ntp");
	ck_assert_str_eq(c->optional[1].value, "syslog-tls");
	ck_assert_str_eq(c->optional[2].value, "dns-udp");
	ck_assert_uint_eq(c->optional[2].line, 6);
	ck_assert_uint_eq(c->interval_s, 600);
	ck_assert_uint_eq(c->jitter_pct, 0);
	ck_assert_double_eq_tol(c->timeout_s, 0.5, 1e-9);
	ck_assert_str_eq(c->ca_file, "/etc/veriport/ca.pem");
	ck_assert_str_eq(c->canary, "192.0.2.254");
	ck_assert_str_eq(c->snmp_community, "s3cret-community");
	ck_assert_str_eq(c->proxy.host, "2001:db8::8");
	ck_assert_uint_eq(c->proxy.port, 3128);

	ck_assert_uint_eq(c->nmaps, 2);
	ck_assert_str_eq(c->maps[0].key, "internet");
	ck_assert_uint_eq(c->maps[0].ntargets, 3);
	ck_assert_str_eq(c->maps[0].targets[0].host, "mx1.example.net");
	ck_assert_str_eq(c->maps[0].targets[1].host, "mx2.example.net");
	ck_assert_str_eq(c->maps[0].targets[2].host, "192.0.2.1");
	ck_assert_uint_eq(c->map_lines[0], 15);
	ck_assert_str_eq(c->maps[1].key, "smtp-out");
	ck_assert_str_eq(c->maps[1].targets[0].host, "2001:db8::25");
	ck_assert_uint_eq(c->map_lines[1], 16);

	ck_assert_uint_eq(c->nports, 2);
	ck_assert_str_eq(c->ports[0].channel, "smtp-out");
	ck_assert_uint_eq(c->ports[0].port, 2525);
	ck_assert_uint_eq(c->ports[0].line, 18);
	ck_assert_str_eq(c->ports[1].channel, "web");
	ck_assert_uint_eq(c->ports[1].port, 8443);

	ck_assert_str_eq(c->socket_path, "/run/vp/status.sock");
	ck_assert_uint_eq(c->socket_mode, 0640);
	ck_assert_str_eq(c->listen, "[::1]:9797");
	ck_assert_str_eq(c->state_dir, "/var/lib/vp");
	conf_free(c);
}
END_TEST

START_TEST(conf_defaults_when_keys_are_absent)
{
	struct conf *c = parse_ok(BASE);
	ck_assert_ptr_null(c->catalog_dir);
	ck_assert_ptr_null(c->interceptors);
	ck_assert(!c->optional_all);
	ck_assert_uint_eq(c->noptional, 0);
	ck_assert_uint_eq(c->interval_s, CONF_INTERVAL_DEFAULT);
	ck_assert_uint_eq(c->jitter_pct, CONF_JITTER_DEFAULT);
	ck_assert_double_eq_tol(c->timeout_s, PROBE_TIMEOUT_DEFAULT_MS / 1000.0,
				1e-9);
	ck_assert_ptr_null(c->ca_file);
	ck_assert_ptr_null(c->canary);
	ck_assert_str_eq(c->snmp_community, "public");
	ck_assert_uint_eq(c->nmaps, 0);
	ck_assert_uint_eq(c->nports, 0);
	ck_assert_str_eq(c->socket_path, CONF_SOCKET_DEFAULT);
	ck_assert_uint_eq(c->socket_mode, 0660);
	ck_assert_ptr_null(c->listen);
	ck_assert_str_eq(c->state_dir, CONF_STATE_DIR_DEFAULT);
	conf_free(c);

	c = parse_ok(BASE "optional = all\n[status]\nlisten = 127.0.0.1:9797\n"
			  "mode = 600\n");
	ck_assert(c->optional_all);
	ck_assert_uint_eq(c->noptional, 0);
	ck_assert_str_eq(c->listen, "127.0.0.1:9797");
	ck_assert_uint_eq(c->socket_mode, 0600);
	conf_free(c);
}
END_TEST

START_TEST(conf_accepts_indentation_comments_crlf_and_bom)
{
	/* Indented keys are keys (inih alone would read the second one as a
	 * continuation of the first); " ;" starts a comment after a value. */
	struct conf *c =
	    parse_ok("\xef\xbb\xbf# site\r\n"
		     "; also a comment\r\n"
		     "  [veriport]  ; main\r\n"
		     "\tprofile = demo\r\n"
		     "    role=appliance ; this host\r\n"
		     "    timeout = 10\r\n"
		     "\r\n"
		     "[map]\r\n"
		     "    internet = a.example.net ,b.example.net\r\n"
		     "[veriport]\r\n"
		     "jitter = 5\r\n"
		     "snmp-community = has;semicolon\r\n");
	ck_assert_str_eq(c->profile.value, "demo");
	ck_assert_uint_eq(c->profile.line, 4);
	ck_assert_str_eq(c->role.value, "appliance");
	ck_assert_uint_eq(c->role.line, 5);
	ck_assert_double_eq_tol(c->timeout_s, 10.0, 1e-9);
	ck_assert_uint_eq(c->nmaps, 1);
	ck_assert_uint_eq(c->maps[0].ntargets, 2);
	ck_assert_str_eq(c->maps[0].targets[0].host, "a.example.net");
	ck_assert_str_eq(c->maps[0].targets[1].host, "b.example.net");
	ck_assert_uint_eq(c->map_lines[0], 9);
	ck_assert_uint_eq(c->jitter_pct, 5);
	ck_assert_str_eq(c->snmp_community, "has;semicolon");
	conf_free(c);
}
END_TEST

#define LONG_PATH                                                              \
	"/run/a-folder-with-a-rather-long-name/and-another-one-below-it/"      \
	"and-a-third-one-to-be-sure/and-a-fourth/status.sock"

/* Each refusal: the whole text, the line the error must name (0: none),
 * and words the message must contain. */
static const struct refusal {
	const char *name;
	const char *text;
	unsigned line;
	const char *expect;
} refusals[] = {
    {"relative CA file in trust", BASE "[trust]\nportal = ca.pem\n", 5,
     "'portal = ca.pem': expected the absolute path of a CA file"},
    {"trust role twice", BASE "[trust]\nportal = /a.pem\nportal = /b.pem\n", 6,
     "'portal' given twice in [trust] (first at line 5)"},
    {"unknown section", BASE "[colours]\n", 4,
     "unknown section '[colours]': expected [veriport], [map], [ports], "
     "[trust] or [status]"},
    {"unclosed section", BASE "[map\n", 4, "expected ']'"},
    {"text after a section", BASE "[map] hosts\n", 4,
     "unexpected text after '[map]'"},
    {"key outside a section", "profile = demo\n" BASE, 1,
     "'profile' outside a section"},
    {"unknown key", BASE "colour = blue\n", 4,
     "unknown key 'colour' in [veriport]: expected profile, role, "
     "catalog-dir"},
    {"unknown status key", BASE "[status]\nsock = /x\n", 5,
     "unknown key 'sock' in [status]: expected socket, mode, listen, "
     "state-dir"},
    {"key of another section", BASE "socket = /run/x.sock\n", 4,
     "unknown key 'socket' in [veriport]"},
    {"duplicate key", BASE "role = internet\n", 4,
     "'role' given twice (first at line 3)"},
    {"duplicate key in a repeated section",
     BASE "[status]\nmode = 0600\n[status]\nmode = 0640\n", 7,
     "'mode' given twice (first at line 5)"},
    {"duplicate map key",
     BASE "[map]\ninternet = a.example\ninternet = b.example\n", 6,
     "'internet' given twice in [map] (first at line 5)"},
    {"duplicate port", BASE "[ports]\nweb = 8443\nweb = 9443\n", 6,
     "'web' given twice in [ports] (first at line 5)"},
    {"no equals sign", BASE "just words\n", 4, "expected 'KEY = VALUE'"},
    {"no key", BASE "= value\n", 4, "expected a key before '='"},
    {"empty value", BASE "canary =\n", 4, "expected a value after 'canary ='"},
    {"hash comment after a value", BASE "interval = 300 # five minutes\n", 4,
     "'#' in the value of 'interval'"},
    {"control character", BASE "snmp-community = a\tb\n", 4,
     "control character in the value of 'snmp-community'"},
    {"bad profile id", "[veriport]\nprofile = Demo\n", 2, "bad profile 'Demo'"},
    {"missing role", "[veriport]\nprofile = demo\n", 0,
     "no 'role' in [veriport]"},
    {"missing profile", "[veriport]\nrole = appliance\n", 0,
     "no 'profile' in [veriport]"},
    {"empty file", "", 0, "no 'profile'"},
    {"interval too short", BASE "interval = 9\n", 4,
     "bad interval '9': expected whole seconds from 10 to 86400"},
    {"interval too long", BASE "interval = 86401\n", 4, "bad interval"},
    {"interval with a unit", BASE "interval = 5m\n", 4, "bad interval '5m'"},
    {"interval negative", BASE "interval = -5\n", 4, "bad interval '-5'"},
    {"interval overflow", BASE "interval = 99999999999999999999\n", 4,
     "bad interval"},
    {"jitter too large", BASE "jitter = 51\n", 4,
     "bad jitter '51': expected a whole percentage from 0 to 50"},
    {"timeout too short", BASE "timeout = 0.04\n", 4,
     "bad timeout '0.04': expected seconds from 0.05 to 300"},
    {"timeout too long", BASE "timeout = 300.5\n", 4, "bad timeout"},
    {"timeout exponent", BASE "timeout = 1e2\n", 4, "bad timeout '1e2'"},
    {"timeout infinite", BASE "timeout = inf\n", 4, "bad timeout 'inf'"},
    {"timeout bare fraction", BASE "timeout = .5\n", 4, "bad timeout"},
    {"relative catalog-dir", BASE "catalog-dir = catalogs\n", 4,
     "'catalog-dir = catalogs': expected an absolute path"},
    {"relative ca-file", BASE "ca-file = ca.pem\n", 4,
     "expected an absolute path"},
    {"two canaries", BASE "canary = 192.0.2.1 192.0.2.2\n", 4,
     "expected one host name or address"},
    {"proxy without a scheme", BASE "proxy = proxy.example:3128\n", 4,
     "bad proxy 'proxy.example:3128': expected http://HOST:PORT"},
    {"proxy over TLS", BASE "proxy = https://proxy.example:3128\n", 4,
     "a TLS connection to the proxy is not supported"},
    {"proxy without a port", BASE "proxy = http://proxy.example\n", 4,
     "bad proxy 'http://proxy.example': expected http://HOST:PORT: the "
     "port is required"},
    {"proxy with credentials", BASE "proxy = http://u:pw@proxy.example:3128\n",
     4, "credentials in the URL are not supported"},
    {"proxy with a path", BASE "proxy = http://proxy.example:3128/x\n", 4,
     "bad proxy"},
    {"proxy v6 without brackets", BASE "proxy = http://2001:db8::8:3128\n", 4,
     "bad proxy"},
    {"proxy with a pipe", BASE "proxy = http://a|b:3128\n", 4, "bad proxy"},
    {"relative socket", BASE "[status]\nsocket = status.sock\n", 5,
     "expected an absolute path"},
    {"socket path too long", BASE "[status]\nsocket = " LONG_PATH "\n", 5,
     "'socket' is longer than a Unix socket path may be (107 bytes)"},
    {"relative state-dir", BASE "[status]\nstate-dir = state\n", 5,
     "expected an absolute path"},
    {"mode not octal", BASE "[status]\nmode = 0999\n", 5,
     "bad mode '0999': expected octal permissions"},
    {"mode too wide", BASE "[status]\nmode = 01000\n", 5, "bad mode"},
    {"mode as letters", BASE "[status]\nmode = rw-rw----\n", 5, "bad mode"},
    {"listen on a name", BASE "[status]\nlisten = localhost:9797\n", 5,
     "bad listen 'localhost:9797': expected ADDRESS:PORT"},
    {"listen without a port", BASE "[status]\nlisten = 127.0.0.1\n", 5,
     "bad listen"},
    {"listen on port 0", BASE "[status]\nlisten = 127.0.0.1:0\n", 5,
     "bad listen"},
    {"listen v6 without brackets", BASE "[status]\nlisten = ::1:9797\n", 5,
     "bad listen"},
    {"listen v6 port too large", BASE "[status]\nlisten = [::1]:70000\n", 5,
     "bad listen"},
    {"listen v6 no colon", BASE "[status]\nlisten = [::1]9797\n", 5,
     "bad listen"},
    {"port zero", BASE "[ports]\nweb = 0\n", 5,
     "bad port '0' for 'web': expected a number from 1 to 65535"},
    {"port too large", BASE "[ports]\nweb = 65536\n", 5, "bad port '65536'"},
    {"port not a number", BASE "[ports]\nweb = https\n", 5, "bad port 'https'"},
    {"bad channel id in ports", BASE "[ports]\nWeb = 443\n", 5,
     "bad channel id 'Web' in [ports]"},
    {"bad key in map", BASE "[map]\nThe_Internet = a.example\n", 5,
     "bad role or channel id 'The_Internet' in [map]"},
    {"empty host in map", BASE "[map]\ninternet = a.example,,b.example\n", 5,
     "'internet': bad target ''"},
    {"trailing comma in map", BASE "[map]\ninternet = a.example,\n", 5,
     "'internet': bad target ''"},
    {"missing comma in map", BASE "[map]\ninternet = a.example b.example\n", 5,
     "'internet': bad target 'a.example b.example'"},
    {"port 0 in map", BASE "[map]\ninternet = a.example:0\n", 5,
     "'internet': bad target 'a.example:0'"},
    {"port too large in map", BASE "[map]\ninternet = [2001:db8::1]:65536\n", 5,
     "'internet': bad target '[2001:db8::1]:65536'"},
    {"empty item in optional", BASE "optional = ntp,, web\n", 4,
     "'optional': empty item"},
    {"all among channels", BASE "optional = all, ntp\n", 4,
     "'optional = all' stands alone"},
    {"optional twice", BASE "optional = ntp, ntp\n", 4,
     "channel 'ntp' listed twice"},
    {"bad optional id", BASE "optional = NTP\n", 4, "bad channel id 'NTP'"},
    {"first error wins", BASE "colour = blue\nshade = dark\n", 4,
     "unknown key 'colour'"},
    {"inih's error first", BASE "just words\ncolour = blue\n", 4,
     "expected 'KEY = VALUE'"},
    {"ours before inih's", BASE "colour = blue\njust words\n", 4,
     "unknown key 'colour'"},
    {"line count with comments and crlf",
     "[veriport]\r\n# c\r\n\r\n; c\r\n  profile = demo\r\ncolour = x\r\n", 6,
     "unknown key 'colour'"},
};

START_TEST(conf_refusals_name_the_line)
{
	const struct refusal *r = &refusals[_i];
	refuse(r->name, r->text, strlen(r->text), r->line, r->expect);
}
END_TEST

/* inih would cut a long line and read the rest as a line of its own. */
START_TEST(conf_refuses_long_lines_instead_of_cutting)
{
	char text[1024];
	char hosts[400];
	/* "internet = " is 11 bytes; 186 more make a line of 197. */
	memset(hosts, 'a', 186);
	hosts[186] = '\0';
	/* labels of at most 63 bytes (RFC 1123) */
	hosts[60] = hosts[121] = hosts[182] = '.';
	snprintf(text, sizeof text, BASE "[map]\ninternet = %s\n", hosts);
	struct conf *c = parse_ok(text);
	ck_assert_uint_eq(strlen(c->maps[0].targets[0].host), 186);
	conf_free(c);

	/* The same with CRLF: the CR does not count. */
	snprintf(text, sizeof text, BASE "[map]\r\ninternet = %s\r\n", hosts);
	c = parse_ok(text);
	conf_free(c);

	hosts[186] = 'a';
	hosts[187] = '\0';
	snprintf(text, sizeof text, BASE "[map]\ninternet = %s\nweb = x\n",
		 hosts);
	refuse("198 bytes", text, strlen(text), 5,
	       "line longer than 197 bytes");

	/* A line that inih would split into a valid key and a valid value. */
	memset(hosts, 'b', 300);
	memcpy(hosts + 250, "=c", 2);
	hosts[300] = '\0';
	snprintf(text, sizeof text, BASE "snmp-community = %s\n", hosts);
	refuse("split", text, strlen(text), 4, "line longer than 197 bytes");
}
END_TEST

START_TEST(conf_refuses_large_and_binary_files)
{
	const char nul[] = BASE "canary = a\0b\n";
	refuse("NUL", nul, sizeof nul - 1, 4, "NUL byte");

	size_t len = 256 * 1024 + 1;
	char *big = malloc(len);
	ck_assert_ptr_nonnull(big);
	memset(big, '\n', len);
	memcpy(big, BASE, strlen(BASE));
	refuse("large", big, len, 0, "larger than 262144 bytes");
	/* Exactly the limit is fine. */
	struct conf *c;
	char err[256];
	ck_assert_int_eq(
	    conf_parse("test.conf", big, len - 1, &c, err, sizeof err), 0);
	conf_free(c);
	free(big);
}
END_TEST

START_TEST(conf_load_reads_a_file_and_names_a_missing_one)
{
	struct conf *c;
	char err[256];
	ck_assert_int_eq(
	    conf_load("/nonexistent/veriport.conf", &c, err, sizeof err),
	    -ENOENT);
	ck_assert_ptr_null(c);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/veriport.conf: "));

	char path[] = "/tmp/test_config.XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	const char text[] = BASE "interval = 7\n";
	ck_assert_int_eq(write(fd, text, sizeof text - 1),
			 (ssize_t)(sizeof text - 1));
	close(fd);
	ck_assert_int_eq(conf_load(path, &c, err, sizeof err), -EINVAL);
	char prefix[64];
	snprintf(prefix, sizeof prefix, "%s:4: bad interval '7'", path);
	ck_assert_msg(strncmp(err, prefix, strlen(prefix)) == 0, "%s", err);
	unlink(path);
}
END_TEST

START_TEST(conf_apply_overrides_only_the_port)
{
	struct catalog *cat = demo_catalog();
	struct conf *c = parse_ok(BASE "optional = ntp\n"
				       "[map]\ninternet = mx.example.net\n"
				       "smtp-out = relay.example.net\n"
				       "[ports]\nsmtp-out = 2525\n");
	char err[256];
	ck_assert_msg(conf_apply(c, cat, err, sizeof err) == 0, "%s", err);
	const struct catalog_channel *ch =
	    catalog_channel_find(cat, "smtp-out");
	ck_assert_uint_eq(ch->port, 2525);
	ck_assert_uint_eq(ch->vendor_port, 25);
	ch = catalog_channel_find(cat, "web");
	ck_assert_uint_eq(ch->port, 443);
	ck_assert_uint_eq(ch->vendor_port, 443);
	conf_free(c);
	catalog_free(cat);
}
END_TEST

/* Each refusal of conf_apply: the configuration, the line its error
 * names, and words of the message. */
static const struct refusal apply_refusals[] = {
    {"unknown role in trust", BASE "[trust]\nnobody = /etc/ca.pem\n", 5,
     "[trust]: no role 'nobody' in profile demo"},
    {"unknown role", "[veriport]\nprofile = demo\nrole = nobody\n", 3,
     "unknown role 'nobody' in profile demo (roles: appliance, internet, "
     "portal)"},
    {"other profile", "[veriport]\nprofile = other\nrole = appliance\n", 2,
     "profile 'other' but the catalog is 'demo'"},
    {"unknown map key",
     BASE "[map]\ninternet = a.example\nnowhere = b.example\n", 6,
     "'nowhere' is neither a role nor a channel of profile demo"},
    {"unknown optional channel", BASE "optional = ntp, sms\n", 4,
     "optional: no channel 'sms' in profile demo"},
    {"required channel in optional", BASE "optional = smtp-out\n", 4,
     "channel 'smtp-out' of profile demo is required, not optional"},
    {"unknown channel in ports", BASE "[ports]\nweb = 8443\nsmtp = 2525\n", 6,
     "no channel 'smtp' in profile demo"},
};

START_TEST(conf_apply_refusals_name_the_line)
{
	const struct refusal *r = &apply_refusals[_i];
	struct catalog *cat = demo_catalog();
	struct conf *c = parse_ok(r->text);
	char err[512];
	ck_assert_msg(conf_apply(c, cat, err, sizeof err) == -EINVAL,
		      "%s: accepted", r->name);
	assert_message(r->name, err, r->line, r->expect);
	/* A refused configuration changes no port. */
	for (size_t i = 0; i < cat->nchannels; i++)
		ck_assert_uint_eq(cat->channels[i].port,
				  cat->channels[i].vendor_port);
	conf_free(c);
	catalog_free(cat);
}
END_TEST

START_TEST(conf_trust_names_a_ca_file_per_role)
{
	struct conf *c =
	    parse_ok(BASE "ca-file = /etc/veriport/internal.pem\n"
			  "[trust]\nportal = /etc/veriport/portal.pem\n");
	ck_assert_str_eq(c->ca_file, "/etc/veriport/internal.pem");
	ck_assert_uint_eq(c->ntrust, 1);
	ck_assert_str_eq(c->trust[0].role, "portal");
	ck_assert_str_eq(c->trust[0].file, "/etc/veriport/portal.pem");
	struct catalog *cat = demo_catalog();
	char err[512];
	ck_assert_int_eq(conf_apply(c, cat, err, sizeof err), 0);
	conf_free(c);
	catalog_free(cat);
}
END_TEST

static char *top_path(const char *rel)
{
	const char *top = getenv("top_srcdir");
	static char path[4096];
	snprintf(path, sizeof path, "%s/%s", top ? top : ".", rel);
	return path;
}

static void apply_to_its_catalog(struct conf *c)
{
	struct catalog *cat;
	struct catalog_error cerr;
	ck_assert_msg(catalog_load_profile(top_path("catalogs"),
					   c->profile.value, &cat, &cerr) == 0,
		      "%s", cerr.msg);
	char err[512];
	ck_assert_msg(conf_apply(c, cat, err, sizeof err) == 0, "%s", err);
	const char **optional = calloc(c->noptional + 1, sizeof *optional);
	for (size_t i = 0; i < c->noptional; i++)
		optional[i] = c->optional[i].value;
	struct plan_options po = {
	    .role = c->role.value,
	    .maps = c->maps,
	    .nmaps = c->nmaps,
	    .optional = c->optional_all,
	    .optional_in_use = optional,
	    .noptional_in_use = c->noptional,
	};
	struct plan plan;
	ck_assert_msg(plan_build(cat, &po, &plan, err, sizeof err) == 0, "%s",
		      err);
	ck_assert_uint_gt(plan.nitems, 0);
	plan_free(&plan);
	free(optional);
	const struct catalog_channel *ch =
	    catalog_channel_find(cat, "smtp-to-smarthost");
	ck_assert_ptr_nonnull(ch);
	ck_assert_uint_eq(ch->port, 587);
	ck_assert_uint_eq(ch->vendor_port, 25);
	catalog_free(cat);
}

START_TEST(conf_shipped_example_parses_and_applies)
{
	struct conf *c;
	char err[512];
	const char *path = top_path("systemd/veriport.conf.example");
	ck_assert_msg(conf_load(path, &c, err, sizeof err) == 0, "%s", err);
	ck_assert_str_eq(c->profile.value, "seppmail");
	ck_assert_str_eq(c->role.value, "appliance");
	ck_assert_uint_gt(c->nmaps, 0);
	ck_assert_uint_gt(c->noptional, 0);
	ck_assert_ptr_null(c->listen);
	apply_to_its_catalog(c);
	conf_free(c);
}
END_TEST

/* The example's "#key = value" lines, uncommented, are valid too: an
 * admin who removes a '#' gets a working setting. */
START_TEST(conf_shipped_example_commented_settings_parse)
{
	FILE *f = fopen(top_path("systemd/veriport.conf.example"), "r");
	ck_assert_ptr_nonnull(f);
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	char line[512];
	unsigned uncommented = 0;
	while (fgets(line, sizeof line, f) != NULL) {
		bool setting =
		    line[0] == '#' && line[1] >= 'a' && line[1] <= 'z';
		fputs(setting ? line + 1 : line, out);
		uncommented += setting;
	}
	fclose(f);
	fclose(out);
	ck_assert_uint_ge(uncommented, 8);
	struct conf *c;
	char err[512];
	int rc = conf_parse("uncommented", text, size, &c, err, sizeof err);
	ck_assert_msg(rc == 0, "%s", err);
	free(text);
	ck_assert_ptr_nonnull(c->ca_file);
	ck_assert_ptr_nonnull(c->canary);
	ck_assert_ptr_nonnull(c->catalog_dir);
	ck_assert_ptr_nonnull(c->interceptors);
	ck_assert_str_eq(c->listen, "127.0.0.1:9797");
	ck_assert_str_eq(c->socket_path, CONF_SOCKET_DEFAULT);
	ck_assert_str_eq(c->state_dir, CONF_STATE_DIR_DEFAULT);
	ck_assert_uint_eq(c->socket_mode, 0660);
	apply_to_its_catalog(c);
	conf_free(c);
}
END_TEST

static Suite *conf_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("parser");
	tcase_add_test(tc, conf_parses_every_key);
	tcase_add_test(tc, conf_defaults_when_keys_are_absent);
	tcase_add_test(tc, conf_accepts_indentation_comments_crlf_and_bom);
	tcase_add_loop_test(tc, conf_refusals_name_the_line, 0,
			    sizeof refusals / sizeof refusals[0]);
	tcase_add_test(tc, conf_refuses_long_lines_instead_of_cutting);
	tcase_add_test(tc, conf_refuses_large_and_binary_files);
	tcase_add_test(tc, conf_load_reads_a_file_and_names_a_missing_one);
	suite_add_tcase(s, tc);
	tc = tcase_create("apply");
	tcase_add_test(tc, conf_apply_overrides_only_the_port);
	tcase_add_test(tc, conf_trust_names_a_ca_file_per_role);
	tcase_add_loop_test(tc, conf_apply_refusals_name_the_line, 0,
			    sizeof apply_refusals / sizeof apply_refusals[0]);
	tcase_add_test(tc, conf_shipped_example_parses_and_applies);
	tcase_add_test(tc, conf_shipped_example_commented_settings_parse);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(conf_suite());
}
