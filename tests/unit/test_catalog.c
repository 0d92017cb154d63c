/* Catalog parser: the happy path, every refusal with its line number, and
 * every shipped catalog against DESIGN.md's role ids. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "veriport/catalog.h"
#include "veriport/report.h"

#include "check_run.h"
#include "golden.h"

#define HEADER                                                                 \
	"profile demo\n"                                                       \
	"title   Demo product\n"                                               \
	"source  test (seed none)\n"                                           \
	"role appliance  The appliance\n"                                      \
	"role internet   Internet\n"                                           \
	"role portal     Vendor portal\n"                                      \
	"    default update.example.com support.example.com\n"

static struct catalog *parse_ok(const char *text)
{
	struct catalog *cat = NULL;
	struct catalog_error err;
	int rc = catalog_parse("demo.catalog", text, strlen(text), &cat, &err);
	ck_assert_msg(rc == 0, "refused: %s", err.msg);
	return cat;
}

START_TEST(catalog_parses_rows_ports_and_roles)
{
	struct catalog *cat =
	    parse_ok(HEADER "\n# comment\n"
			    "row smtp-out\n"
			    "    vendor   TCP 25 | Appliance | Internet\n"
			    "    from     appliance\n"
			    "    to       internet\n"
			    "    port     tcp/25 smtp-starttls\n"
			    "    starttls required\n"
			    "    purpose  Sends mail\n"
			    "    purpose  to the Internet.\n"
			    "row dns\n"
			    "    vendor   TCP/UDP 53 | Appliance | Internet\n"
			    "    from     appliance\n"
			    "    to       internet\n"
			    "    port     udp/53 dns dns-udp\n"
			    "    port     tcp/53 dns\n"
			    "    optional depending on configuration\n"
			    "    host     ns.example.com\n"
			    "    purpose  Name resolution.\n");
	ck_assert_str_eq(cat->profile, "demo");
	ck_assert_str_eq(cat->title, "Demo product");
	ck_assert_uint_eq(cat->nroles, 3);
	ck_assert_uint_eq(cat->roles[2].ndefaults, 2);
	ck_assert_str_eq(cat->roles[2].defaults[1], "support.example.com");
	ck_assert_uint_eq(cat->nchannels, 3);

	const struct catalog_channel *c = &cat->channels[0];
	ck_assert_str_eq(c->id, "smtp-out");
	ck_assert_int_eq(c->transport, CATALOG_TCP);
	ck_assert_uint_eq(c->port, 25);
	ck_assert_uint_eq(c->vendor_port, 25);
	ck_assert_str_eq(cat->roles[c->from].id, "appliance");
	ck_assert_str_eq(cat->roles[c->to].id, "internet");
	ck_assert_int_eq(c->check, CATALOG_CHECK_SMTP_STARTTLS);
	ck_assert_int_eq(c->starttls, CATALOG_STARTTLS_REQUIRED);
	ck_assert(!c->optional);
	ck_assert_str_eq(c->purpose, "Sends mail to the Internet.");
	ck_assert_uint_eq(c->line, 14);

	c = &cat->channels[1];
	ck_assert_str_eq(c->id, "dns-udp");
	ck_assert_str_eq(c->row, "dns");
	ck_assert_int_eq(c->transport, CATALOG_UDP);
	ck_assert_int_eq(c->starttls, CATALOG_STARTTLS_NONE);
	ck_assert(c->optional);
	ck_assert_str_eq(c->condition, "depending on configuration");
	ck_assert_str_eq(c->host, "ns.example.com");
	ck_assert_str_eq(cat->channels[2].id, "dns");
	ck_assert_str_eq(cat->channels[2].purpose, "Name resolution.");
	catalog_free(cat);
}
END_TEST

START_TEST(catalog_parses_groups_and_conditions)
{
	struct catalog *cat =
	    parse_ok(HEADER "group dns  Name resolution, by configuration\n"
			    "row dns-a\n"
			    "    vendor   53 | Appliance | Internet\n"
			    "    from     appliance\n"
			    "    to       internet\n"
			    "    port     udp/53 dns dns-a-udp\n"
			    "    port     tcp/53 dns dns-a-tcp\n"
			    "    group    dns\n"
			    "    condition only behind a firewall\n"
			    "    purpose  A.\n"
			    "row dns-b\n"
			    "    vendor   53 | Appliance | Portal\n"
			    "    from     appliance\n"
			    "    to       portal\n"
			    "    port     udp/53 dns\n"
			    "    group    dns\n"
			    "    purpose  B.\n"
			    "row smtp\n"
			    "    vendor   25\n"
			    "    from     appliance\n"
			    "    to       internet\n"
			    "    port     tcp/25 smtp-starttls\n"
			    "    starttls opportunistic\n"
			    "    condition\tonly for outgoing mail\n"
			    "    purpose  C.\n"
			    "row web-a\n"
			    "    vendor   80 or 443\n"
			    "    from     internet\n"
			    "    to       appliance\n"
			    "    port     tcp/80 http web-a-http\n"
			    "    port     tcp/443 https web-a-https\n"
			    "    group    web\n"
			    "    purpose  D.\n"
			    "group web  Web access\n");
	ck_assert_uint_eq(cat->ngroups, 2);
	ck_assert_str_eq(cat->groups[0].id, "dns");
	ck_assert_str_eq(cat->groups[0].title,
			 "Name resolution, by configuration");
	ck_assert_uint_eq(cat->groups[0].line, 8);
	ck_assert_str_eq(cat->groups[1].id, "web");
	ck_assert_uint_eq(cat->groups[1].line, 41);
	ck_assert_ptr_eq(catalog_group_find(cat, "web"), &cat->groups[1]);
	ck_assert_ptr_null(catalog_group_find(cat, "dns-a"));

	const char *member[] = {"dns-a-udp", "dns-a-tcp", "dns-b", "web-a-http",
				"web-a-https"};
	const size_t in[] = {0, 0, 0, 1, 1};
	for (size_t i = 0; i < 5; i++) {
		const struct catalog_channel *c =
		    catalog_channel_find(cat, member[i]);
		ck_assert_ptr_nonnull(c);
		ck_assert_uint_eq(c->group, in[i]);
		ck_assert(!c->optional);
	}
	const struct catalog_channel *c =
	    catalog_channel_find(cat, "dns-a-tcp");
	ck_assert_str_eq(c->condition, "only behind a firewall");
	ck_assert_ptr_null(catalog_channel_find(cat, "dns-b")->condition);
	c = catalog_channel_find(cat, "smtp");
	ck_assert_uint_eq(c->group, CATALOG_NO_GROUP);
	ck_assert(!c->optional);
	ck_assert_str_eq(c->condition, "only for outgoing mail");
	catalog_free(cat);
}
END_TEST

START_TEST(catalog_port_override_is_one_field)
{
	struct catalog *cat = parse_ok(HEADER "row web\n"
					      "    vendor  443\n"
					      "    from    internet\n"
					      "    to      appliance\n"
					      "    port    tcp/443 https\n"
					      "    purpose Web.\n");
	ck_assert_int_eq(catalog_set_port(cat, "web", 8443), 0);
	ck_assert_int_eq(catalog_set_port(cat, "nope", 8443), -ENOENT);
	const struct catalog_channel *c = catalog_channel_find(cat, "web");
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->port, 8443);
	ck_assert_uint_eq(c->vendor_port, 443);
	ck_assert_ptr_null(catalog_channel_find(cat, "nope"));
	catalog_free(cat);
}
END_TEST

START_TEST(catalog_accepts_crlf_and_tabs)
{
	const char *text = "profile demo\r\ntitle T\r\nsource S\r\n"
			   "role a A\r\nrole b B\r\n"
			   "row r\r\n\tvendor v\r\n\tfrom a\r\n\tto b\r\n"
			   "\tport tcp/22 ssh\r\n\tpurpose p\r\n";
	struct catalog *cat = parse_ok(text);
	ck_assert_str_eq(cat->channels[0].purpose, "p");
	catalog_free(cat);
}
END_TEST

/* Each refusal: a catalog body after HEADER (8 lines: HEADER is 7), the
 * line the error must name, and a word the message must contain. */

/* A complete row of 6 lines plus EXTRA attributes between its port and
 * its purpose (so EXTRA starts on the row's 6th line). */
#define ROW(id, port, extra)                                                   \
	"row " id "\n    vendor v\n    from appliance\n    to internet\n"      \
	"    port tcp/" port " tcp\n" extra "    purpose p\n"

static const struct refusal {
	const char *name;
	const char *body;
	unsigned line;
	const char *expect;
} refusals[] = {
    {"unknown role",
     "row r\n    vendor v\n    from appliance\n    to nowhere\n"
     "    port tcp/22 ssh\n    purpose p\n",
     11, "unknown role 'nowhere'"},
    {"duplicate channel id",
     "row r\n    vendor v\n    from appliance\n    to internet\n"
     "    port tcp/22 ssh\n    purpose p\n"
     "row s\n    vendor v\n    from appliance\n    to internet\n"
     "    port tcp/23 tcp r\n    purpose p\n",
     18, "duplicate channel id 'r' (first at line 12)"},
    {"duplicate row id",
     "row r\n    vendor v\n    from appliance\n    to internet\n"
     "    port tcp/22 ssh\n    purpose p\nrow r\n",
     14, "duplicate row id 'r' (first at line 8)"},
    {"duplicate role id", "role internet Again\n", 8,
     "duplicate role id 'internet' (first at line 5)"},
    {"port out of range", "row r\n    port tcp/65536 ssh\n", 9,
     "bad port 'tcp/65536'"},
    {"port zero", "row r\n    port udp/0 dns\n", 9, "bad port 'udp/0'"},
    {"bad transport", "row r\n    port sctp/22 ssh\n", 9, "bad port 'sctp/22'"},
    {"port not a number", "row r\n    port tcp/2x ssh\n", 9,
     "bad port 'tcp/2x'"},
    {"unknown check kind", "row r\n    port tcp/22 telnet\n", 9,
     "unknown check kind 'telnet': expected one of tcp,"},
    {"check over wrong transport", "row r\n    port tcp/123 ntp\n", 9,
     "check 'ntp' does not run over tcp"},
    {"starttls missing",
     "row r\n    vendor v\n    from appliance\n    to internet\n"
     "    port tcp/25 smtp-starttls\n    purpose p\n",
     8, "expected 'starttls required' or 'starttls opportunistic'"},
    {"starttls without a starttls check",
     "row r\n    vendor v\n    from appliance\n    to internet\n"
     "    port tcp/465 smtps\n    starttls required\n    purpose p\n",
     13, "no port of row 'r' uses a STARTTLS check"},
    {"bad starttls word", "row r\n    starttls maybe\n", 9,
     "expected 'starttls required'"},
    {"two unnamed ports",
     "row r\n    vendor v\n    from appliance\n    to internet\n"
     "    port tcp/53 dns\n    port udp/53 dns\n    purpose p\n",
     13, "expected a channel id"},
    {"missing from",
     "row r\n    vendor v\n    to internet\n    port tcp/22 ssh\n"
     "    purpose p\n",
     8, "row 'r' has no 'from'"},
    {"missing purpose at end of file",
     "row r\n    vendor v\n    from appliance\n    to internet\n"
     "    port tcp/22 ssh\n",
     8, "row 'r' has no 'purpose'"},
    {"two source roles", "row r\n    from appliance internet\n", 9,
     "expected one role id after 'from'"},
    {"from twice", "row r\n    from appliance\n    from internet\n", 10,
     "'from' given twice (first at line 9)"},
    {"bad id", "row Bad_Id\n", 8, "bad row id 'Bad_Id'"},
    {"unknown directive", "channel x\n", 8, "unknown directive 'channel'"},
    {"unknown row attribute", "row r\n    colour blue\n", 9,
     "unknown row attribute 'colour'"},
    {"profile twice", "profile x\n", 8,
     "'profile' given twice (first at line 1)"},
    {"bad host", "row r\n    host exa mple!\n", 9, "bad host name"},
    {"role attribute", "role x X\n    colour blue\n", 9,
     "unknown role attribute 'colour'"},
    {"public twice", "role x X\n    public\n    public\n", 10,
     "'public' given twice for role 'x'"},
    {"public with a value", "role x X\n    public yes\n", 9,
     "expected 'public' alone"},
    {"no rows", "", 7, "the catalog has no rows"},
    {"unknown group on a row", ROW("r", "22", "    group nosuch\n"), 13,
     "unknown group 'nosuch': declare it with 'group nosuch TITLE'"},
    {"group declared twice",
     "group g Alternatives\n" ROW("r", "22", "    group g\n")
	 ROW("s", "23", "    group g\n") "group g Again\n",
     23, "duplicate group id 'g' (first at line 8)"},
    {"group with one member",
     ROW("r", "22", "") "group g Alone\n" ROW("s", "23", "    group g\n"), 14,
     "group 'g' has 1 member channel: expected at least two"},
    {"group with no member", "group g Nobody\n" ROW("r", "22", ""), 8,
     "group 'g' has 0 member channels"},
    {"one row, one port, is not a group",
     "group g One\n" ROW("r", "22", "    group g\n"), 8,
     "group 'g' has 1 member channel"},
    {"bad group id", "group G_1 Title\n", 8, "bad group id 'G_1'"},
    {"bad group id on a row", "row r\n    group Bad!\n", 9,
     "bad group id 'Bad!'"},
    {"group without a title", "group g\n", 8,
     "expected a title after group 'g'"},
    {"group without an id", "group\n", 8, "expected a group id"},
    {"group twice on a row", "row r\n    group a\n    group b\n", 10,
     "'group' given twice (first at line 9)"},
    {"optional member of a group",
     "group g G\n" ROW("r", "22", "    group g\n    optional maybe\n")
	 ROW("s", "23", "    group g\n"),
     15, "row 'r' is in group 'g' and optional"},
    {"optional before group",
     "group g G\n" ROW("r", "22", "    optional\n    group g\n")
	 ROW("s", "23", "    group g\n"),
     15, "row 'r' is in group 'g' and optional"},
    {"members from two source roles",
     "group g G\n" ROW(
	 "r", "22",
	 "    group g\n") "row s\n    vendor v\n    from internet\n    to "
			  "appliance\n"
			  "    port tcp/23 tcp\n    group g\n    purpose p\n",
     21,
     "group 'g': channel 's' is from role 'internet' but 'r' is from "
     "'appliance'"},
    {"condition on an optional row",
     "row r\n    optional when needed\n    condition behind a firewall\n", 10,
     "row 'r' is optional (line 9): its condition goes after 'optional'"},
    {"optional after a condition",
     "row r\n    condition behind a firewall\n    optional\n", 10,
     "row 'r' has a 'condition' (line 9)"},
    {"condition twice", "row r\n    condition a\n    condition b\n", 10,
     "'condition' given twice (first at line 9)"},
    {"empty condition", "row r\n    condition\n", 9,
     "expected text after 'condition'"},
    {"proxy with a value", "row r\n    proxy yes\n", 9,
     "expected 'proxy' alone"},
    {"proxy twice", "row r\n    proxy\n    proxy\n", 10,
     "'proxy' given twice (first at line 9)"},
    {"proxy on a udp port",
     "row r\n    vendor v\n    from appliance\n    to internet\n"
     "    proxy\n    port udp/123 ntp\n    purpose p\n",
     12, "row 'r' has a 'proxy' but port line 13 is not tcp"},
};

START_TEST(catalog_refusals_name_the_line)
{
	const struct refusal *r = &refusals[_i];
	char *text = NULL;
	if (asprintf(&text, "%s%s", HEADER, r->body) < 0)
		ck_abort_msg("asprintf");
	struct catalog *cat = (struct catalog *)1;
	struct catalog_error err;
	int rc = catalog_parse("demo.catalog", text, strlen(text), &cat, &err);
	free(text);
	ck_assert_msg(rc == -EINVAL, "%s: accepted", r->name);
	ck_assert_ptr_null(cat);
	ck_assert_msg(err.line == r->line, "%s: line %u, expected %u (%s)",
		      r->name, err.line, r->line, err.msg);
	char prefix[64];
	snprintf(prefix, sizeof prefix, "demo.catalog:%u: ", r->line);
	ck_assert_msg(strncmp(err.msg, prefix, strlen(prefix)) == 0,
		      "%s: message '%s' lacks '%s'", r->name, err.msg, prefix);
	ck_assert_msg(strstr(err.msg, r->expect) != NULL,
		      "%s: message '%s' lacks '%s'", r->name, err.msg,
		      r->expect);
}
END_TEST

static void refuse(const char *name, const char *text, size_t len,
		   unsigned line, const char *expect)
{
	struct catalog *cat;
	struct catalog_error err;
	ck_assert_int_eq(catalog_parse(name, text, len, &cat, &err), -EINVAL);
	ck_assert_msg(err.line == line, "line %u, expected %u: %s", err.line,
		      line, err.msg);
	ck_assert_msg(strstr(err.msg, expect) != NULL, "'%s' lacks '%s'",
		      err.msg, expect);
}

START_TEST(catalog_refuses_profile_not_matching_file)
{
	const char *text = HEADER "row r\n    vendor v\n    from appliance\n"
				  "    to internet\n    port tcp/22 ssh\n"
				  "    purpose p\n";
	refuse("dir/other.catalog", text, strlen(text), 1,
	       "profile 'demo' does not match the file name 'other.catalog'");
}
END_TEST

START_TEST(catalog_refuses_binary_and_long_lines)
{
	const char nul[] = "profile demo\ntitle a\0b\n";
	refuse("x", nul, sizeof nul - 1, 2, "NUL byte");
	char *longline = malloc(3000);
	memset(longline, 'a', 2999);
	longline[2999] = '\0';
	memcpy(longline, "title ", 6);
	refuse("x", longline, strlen(longline), 1, "line longer than");
	free(longline);
}
END_TEST

/* Issue 13: a byte that is not UTF-8 text, anywhere (even in a comment),
 * refuses the catalog with its line, instead of reaching JSON output. */
START_TEST(catalog_refuses_text_that_is_not_utf8)
{
	static const struct {
		const char *what, *line;
	} bad[] = {
	    {"a stray continuation byte", "    purpose caf\x80\n"},
	    {"a Latin-1 byte", "    purpose Zugriff f\xfcr alle\n"},
	    {"a truncated sequence", "    purpose \xe2\x82\n"},
	    {"an overlong slash", "    purpose a\xc0\xaf"
				  "b\n"},
	    {"a surrogate", "    purpose \xed\xa0\x80\n"},
	    {"a control character", "    purpose a\x1b[2Jb\n"},
	    {"a bidirectional override", "    purpose a\xe2\x80\xae"
					 "b\n"},
	    {"a byte-order mark", "    purpose \xef\xbb\xbfp\n"},
	    {"a bad byte in a comment", "# caf\xe9\n"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *text = NULL;
		if (asprintf(&text,
			     "%srow r\n    vendor v\n    from appliance\n"
			     "    to internet\n    port tcp/22 ssh\n%s"
			     "    purpose p\n",
			     HEADER, bad[i].line) < 0)
			ck_abort_msg("asprintf");
		struct catalog *cat;
		struct catalog_error err;
		ck_assert_msg(catalog_parse("demo.catalog", text, strlen(text),
					    &cat, &err) == -EINVAL,
			      "%s: accepted", bad[i].what);
		ck_assert_msg(err.line == 13, "%s: line %u: %s", bad[i].what,
			      err.line, err.msg);
		ck_assert_msg(strstr(err.msg, "demo.catalog:13: not UTF-8 "
					      "text") != NULL,
			      "%s: %s", bad[i].what, err.msg);
		free(text);
	}
	struct catalog *cat = parse_ok(
	    HEADER "row r\n    vendor Lizenz\xc3\xa4nderungen | \xe2\x82\xac\n"
		   "    from appliance\n    to internet\n    port tcp/22 ssh\n"
		   "    purpose \xf0\x9f\x93\xa7 \\ p\n");
	ck_assert_str_eq(cat->channels[0].vendor,
			 "Lizenz\xc3\xa4nderungen | \xe2\x82\xac");
	catalog_free(cat);
}
END_TEST

START_TEST(catalog_refuses_missing_header)
{
	const char *text = "title T\nsource S\nrole a A\n";
	refuse("x", text, strlen(text), 3, "no 'profile' directive");
	const char *stray = "profile demo\n    from a\n";
	refuse("x", stray, strlen(stray), 2,
	       "indented 'from' outside a role or row");
}
END_TEST

START_TEST(catalog_load_file_reports_missing_file)
{
	struct catalog *cat;
	struct catalog_error err;
	ck_assert_int_eq(
	    catalog_load_file("/nonexistent/x.catalog", &cat, &err), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/x.catalog"));
	ck_assert_int_eq(catalog_load_profile("/nonexistent", "x", &cat, &err),
			 -ENOENT);
	ck_assert_ptr_nonnull(strstr(err.msg, "unknown profile 'x'"));
	ck_assert_int_eq(catalog_load_profile("/tmp", "../etc", &cat, &err),
			 -EINVAL);
}
END_TEST

/* Every shipped catalog: its role ids exactly as DESIGN.md lists them, its
 * channel count, and every vendor row present. */
static const struct shipped {
	const char *profile;
	const char *roles;
	size_t rows;
	size_t channels;
} shipped[] = {
    {"mailstore-server",
     "server any adm letsencrypt ca mssql postgresql mailstore-portal", 20, 20},
    {"mailstore-spe", "cas ih mgmt adm any ca mailstore-portal", 25, 25},
    {"mailstore-gateway", "gtw any adm", 11, 11},
    {"seppmail",
     "appliance mail-server internet smarthost dns-internal dns-external "
     "admin-pc internal-net syslog-server ldap-internal ntp-internal "
     "frontend backend gina-frontend seppmail-support firewall",
     32, 62},
    {"sx-mailcrypt",
     "appliance internet mail-server dns-internal dns-external admin-pc", 16,
     20},
};

static const char *catalog_folder(void)
{
	const char *top = getenv("top_srcdir");
	static char dir[4096];
	snprintf(dir, sizeof dir, "%s/catalogs", top ? top : ".");
	return dir;
}

START_TEST(catalog_shipped_catalogs_load)
{
	const struct shipped *s = &shipped[_i];
	struct catalog *cat;
	struct catalog_error err;
	int rc = catalog_load_profile(catalog_folder(), s->profile, &cat, &err);
	ck_assert_msg(rc == 0, "%s", err.msg);
	char roles[512] = "";
	for (size_t i = 0; i < cat->nroles; i++) {
		if (i)
			strcat(roles, " ");
		strcat(roles, cat->roles[i].id);
	}
	ck_assert_str_eq(roles, s->roles);
	ck_assert_uint_eq(cat->nchannels, s->channels);
	size_t rows = 0;
	for (size_t i = 0; i < cat->nchannels; i++)
		if (i == 0 ||
		    strcmp(cat->channels[i].row, cat->channels[i - 1].row) != 0)
			rows++;
	ck_assert_uint_eq(rows, s->rows);
	catalog_free(cat);
}
END_TEST

START_TEST(catalog_lists_the_folder)
{
	char **names;
	size_t n;
	ck_assert_int_eq(catalog_list_dir(catalog_folder(), &names, &n), 0);
	ck_assert_uint_eq(n, sizeof shipped / sizeof shipped[0]);
	const char *sorted[] = {"mailstore-gateway", "mailstore-server",
				"mailstore-spe", "seppmail", "sx-mailcrypt"};
	for (size_t i = 0; i < n; i++) {
		ck_assert_str_eq(names[i], sorted[i]);
		free(names[i]);
	}
	free(names);
}
END_TEST

START_TEST(catalog_vendor_hosts_are_role_defaults)
{
	struct catalog *cat;
	struct catalog_error err;
	ck_assert_int_eq(
	    catalog_load_profile(catalog_folder(), "seppmail", &cat, &err), 0);
	const struct catalog_role *r =
	    catalog_role_find(cat, "seppmail-support");
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->ndefaults, 2);
	ck_assert_str_eq(r->defaults[0], "update.seppmail.ch");
	ck_assert_str_eq(r->defaults[1], "support.seppmail.ch");
	catalog_free(cat);
	ck_assert_int_eq(catalog_load_profile(catalog_folder(),
					      "mailstore-server", &cat, &err),
			 0);
	r = catalog_role_find(cat, "mailstore-portal");
	ck_assert_str_eq(r->defaults[0], "my.mailstore.com");
	catalog_free(cat);
}
END_TEST

/* Issue 14: the groups of alternatives of the shipped catalogs, as
 * "GROUP: CHANNEL CHANNEL...; ..." in catalog order, and the rows whose
 * condition or check kind it corrected. */
static const struct shipped_groups {
	const char *profile;
	const char *groups;
} shipped_groups[] = {
    {"mailstore-server", ""},
    {"mailstore-spe", ""},
    {"mailstore-gateway", ""},
    {"seppmail", "dns: dns-internal-tcp dns-internal-udp dns-external-tcp "
		 "dns-external-udp dns-internet-tcp dns-internet-udp; "
		 "admin: admin-http admin-https"},
    {"sx-mailcrypt", "dns: dns-internal-udp dns-internal-tcp dns-external-udp "
		     "dns-external-tcp dns-internet-udp dns-internet-tcp; "
		     "admin: admin-http admin-https"},
};

START_TEST(catalog_shipped_groups)
{
	const struct shipped_groups *s = &shipped_groups[_i];
	struct catalog *cat;
	struct catalog_error err;
	int rc = catalog_load_profile(catalog_folder(), s->profile, &cat, &err);
	ck_assert_msg(rc == 0, "%s", err.msg);
	char got[1024] = "";
	for (size_t g = 0; g < cat->ngroups; g++) {
		snprintf(got + strlen(got), sizeof got - strlen(got),
			 "%s%s:", g ? "; " : "", cat->groups[g].id);
		for (size_t i = 0; i < cat->nchannels; i++) {
			const struct catalog_channel *c = &cat->channels[i];
			if (c->group != g)
				continue;
			ck_assert_msg(!c->optional, "%s is optional", c->id);
			snprintf(got + strlen(got), sizeof got - strlen(got),
				 " %s", c->id);
		}
	}
	ck_assert_str_eq(got, s->groups);
	catalog_free(cat);
}
END_TEST

static const struct catalog_channel *
shipped_channel(struct catalog **cat, const char *profile, const char *id)
{
	struct catalog_error err;
	catalog_free(*cat);
	int rc = catalog_load_profile(catalog_folder(), profile, cat, &err);
	ck_assert_msg(rc == 0, "%s", err.msg);
	const struct catalog_channel *c = catalog_channel_find(*cat, id);
	ck_assert_msg(c != NULL, "%s has no %s", profile, id);
	return c;
}

START_TEST(catalog_shipped_corrections)
{
	struct catalog *cat = NULL;
	const struct catalog_channel *c;
	/* Kerio Connect's API on 4040 is JSON-RPC over HTTPS. */
	c = shipped_channel(&cat, "mailstore-server", "kerio-api-to-any");
	ck_assert_int_eq(c->check, CATALOG_CHECK_HTTPS);
	c = shipped_channel(&cat, "mailstore-spe", "kerio-api-to-any");
	ck_assert_int_eq(c->check, CATALOG_CHECK_HTTPS);
	/* SX-MailCrypt "**": where a firewall rule goes, not an unused
	 * channel. */
	c = shipped_channel(&cat, "sx-mailcrypt", "smtp-to-mail-server");
	ck_assert(!c->optional);
	ck_assert_uint_eq(c->group, CATALOG_NO_GROUP);
	ck_assert_ptr_nonnull(strstr(c->condition, "vendor mark **"));
	c = catalog_channel_find(cat, "ssh-cluster");
	ck_assert(c->optional);
	ck_assert_ptr_nonnull(strstr(c->condition, "only in a cluster"));
	/* ASPSMS's XML interface: HTTP on xml1.aspsms.com:5061. */
	c = catalog_channel_find(cat, "sms-aspsms");
	ck_assert_int_eq(c->check, CATALOG_CHECK_HTTP);
	ck_assert_uint_eq(c->port, 5061);
	ck_assert_str_eq(c->host, "xml1.aspsms.com");
	c = shipped_channel(&cat, "seppmail", "sspm-sms");
	ck_assert_int_eq(c->check, CATALOG_CHECK_HTTP);
	ck_assert_ptr_null(c->host);
	catalog_free(cat);
}
END_TEST

/* The rows whose seed says a proxy may carry the channel, and only
 * those. */
START_TEST(catalog_shipped_proxy_rows)
{
	static const struct {
		const char *profile, *channel;
		bool proxy;
	} rows[] = {
	    {"seppmail", "ssh-to-seppmail-support", true},
	    {"seppmail", "mpki", true},
	    {"seppmail", "ocsp-crl-https", true},
	    {"seppmail", "ocsp-crl-http", true},
	    {"seppmail", "sspm-sms", false},
	    {"mailstore-spe", "https-to-mailstore-portal", true},
	    {"mailstore-server", "https-to-mailstore-portal", false},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct catalog *cat = NULL;
		const struct catalog_channel *c =
		    shipped_channel(&cat, rows[i].profile, rows[i].channel);
		ck_assert_msg(c->proxy == rows[i].proxy, "%s %s",
			      rows[i].profile, rows[i].channel);
		catalog_free(cat);
	}
}
END_TEST

START_TEST(catalog_check_names_round_trip)
{
	for (int i = 0; i < CATALOG_CHECK_COUNT; i++)
		ck_assert_int_eq(catalog_check_from_name(catalog_check_name(i)),
				 i);
	ck_assert_int_eq(catalog_check_from_name("nope"), -1);
	ck_assert(catalog_check_allows(CATALOG_CHECK_DNS, CATALOG_UDP));
	ck_assert(catalog_check_allows(CATALOG_CHECK_DNS, CATALOG_TCP));
	ck_assert(!catalog_check_allows(CATALOG_CHECK_SSH, CATALOG_UDP));
}
END_TEST

/* `catalog show` of a catalog with a group, a required row with a
 * condition, a row allowed through a proxy and an optional one, against
 * golden files under tests/unit/golden/ (VERIPORT_UPDATE_GOLDEN=1 rewrites
 * them). */
static const char show_text[] =
    "profile demo\ntitle Demo\nsource S (seed none)\n"
    "role appliance The appliance\nrole internet Internet\n"
    "    default ns.example.net\nrole admin-pc Admin PC\n"
    "group admin  Administration: 8080 and/or 8443\n"
    "row admin-web\n    vendor 8080 und/oder 8443\n    from admin-pc\n"
    "    to appliance\n    port tcp/8080 http admin-http\n"
    "    port tcp/8443 https admin-https\n    group admin\n"
    "    condition only behind a firewall (vendor mark **)\n"
    "    purpose Administration.\n"
    "row smtp\n    vendor 25\n    from appliance\n    to internet\n"
    "    port tcp/25 smtp-starttls\n    starttls opportunistic\n"
    "    condition only behind a firewall (vendor mark **)\n"
    "    purpose Mail.\n"
    "row ssh\n    vendor 22\n    from appliance\n    to internet\n"
    "    port tcp/22 ssh\n    proxy\n    purpose Support.\n"
    "row ntp\n    vendor 123*\n    from appliance\n    to internet\n"
    "    port udp/123 ntp\n    optional depending on configuration\n"
    "    purpose Time.\n";

START_TEST(catalog_show_reports_groups_and_conditions)
{
	struct catalog *cat = NULL;
	struct catalog_error err;
	ck_assert_int_eq(catalog_parse("demo.catalog", show_text,
				       strlen(show_text), &cat, &err),
			 0);
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	ck_assert_int_eq(report_catalog_show_json(out, cat), 0);
	fclose(out);
	golden_compare("catalog-show.json", buf, len);
	free(buf);
	out = open_memstream(&buf, &len);
	report_catalog_show_table(out, cat, 100);
	fclose(out);
	golden_compare("catalog-show.table", buf, len);
	free(buf);
	catalog_free(cat);
}
END_TEST

static Suite *catalog_suite(void)
{
	Suite *s = suite_create("catalog");
	TCase *tc = tcase_create("parser");
	tcase_add_test(tc, catalog_parses_rows_ports_and_roles);
	tcase_add_test(tc, catalog_parses_groups_and_conditions);
	tcase_add_test(tc, catalog_port_override_is_one_field);
	tcase_add_test(tc, catalog_accepts_crlf_and_tabs);
	tcase_add_loop_test(tc, catalog_refusals_name_the_line, 0,
			    sizeof refusals / sizeof refusals[0]);
	tcase_add_test(tc, catalog_refuses_profile_not_matching_file);
	tcase_add_test(tc, catalog_refuses_binary_and_long_lines);
	tcase_add_test(tc, catalog_refuses_text_that_is_not_utf8);
	tcase_add_test(tc, catalog_refuses_missing_header);
	tcase_add_test(tc, catalog_load_file_reports_missing_file);
	tcase_add_test(tc, catalog_check_names_round_trip);
	tcase_add_test(tc, catalog_show_reports_groups_and_conditions);
	suite_add_tcase(s, tc);
	tc = tcase_create("shipped");
	tcase_add_loop_test(tc, catalog_shipped_catalogs_load, 0,
			    sizeof shipped / sizeof shipped[0]);
	tcase_add_test(tc, catalog_lists_the_folder);
	tcase_add_test(tc, catalog_vendor_hosts_are_role_defaults);
	tcase_add_loop_test(tc, catalog_shipped_groups, 0,
			    sizeof shipped_groups / sizeof shipped_groups[0]);
	tcase_add_test(tc, catalog_shipped_corrections);
	tcase_add_test(tc, catalog_shipped_proxy_rows);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(catalog_suite());
}
