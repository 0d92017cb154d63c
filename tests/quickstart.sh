#!/usr/bin/env bash
# The README's quick start, as written: its first command's run (what
# follows `make &&`) in a namespace of the test's own, as an unprivileged
# user, from a copy of the build tree's programs. The responder stands in
# for a SEPPmail appliance on 127.0.0.1, the check plays the
# administrator's PC: exit 0, both administration channels
# ok/responder-answered, the REST API skipped, and the responder's log
# says it could not open the privileged ports and was reached on the rest.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
top_srcdir=${top_srcdir:-$here}
top_builddir=${top_builddir:-$here}
. "$top_srcdir/tests/integration/lib.sh"

VPT_NET4=10.227.0.0/16 VPT_NET6=fd7e:227::/32
vpt_init quickstart qs
vpt_need_root
vpt_need_cmd setpriv:util-linux

# The command line after `make && `, from the README's first sh block.
line=$(sed -n '/^## Quick start/,/^```$/{/^sudo /p}' "$top_srcdir/README.md" | head -1)
run=${line#*make && }
[ -n "$line" ] && [ "$run" != "$line" ] ||
	vpt_error "README: no quick start line with 'make && ' found"
vpt_match "README: the quick start runs respond, then check" "$run" \
	'^\{ \./veriport respond .* & sleep 1; \./veriport check .*; \}$'

vpt_netns NS box 127.0.0.1
W=$VPT_TMP/tree
mkdir -p "$W" && cp "$top_builddir/veriport" "$W/" && chmod -R a+rwX "$VPT_TMP" ||
	vpt_error "cannot copy the program"
as_user() {
	vpt_in "$NS" setpriv --reuid=nobody --regid=nogroup --clear-groups \
		env VERIPORT_CATALOG_DIR="$VERIPORT_CATALOG_DIR" bash -c "cd '$W' && $1"
}
out=$(as_user "$run" 2>&1)
rc=$?
vpt_eq "quick start: exit status" "$rc" 0
vpt_match "quick start: admin-http ok/responder-answered" "$out" \
	'^admin-http +tcp/8080 +127\.0\.0\.1 +127\.0\.0\.1 +ok +responder-answered '
vpt_match "quick start: admin-https ok/responder-answered" "$out" \
	'^admin-https +tcp/8443 +127\.0\.0\.1 +127\.0\.0\.1 +ok +responder-answered '
vpt_match "quick start: the REST API is skipped as optional" "$out" \
	'^admin-restapi +tcp/8445 .* skipped +optional'
vpt_match "quick start: the summary" "$out" '^summary: 2 ok, 1 skipped in .*: OK \(exit 0\)$'

# The responder runs on for its ten seconds, then writes its end table.
vpt_wait_until 15 grep -q 'ports reached' "$W/respond.log" ||
	vpt_fail "quick start: the responder did not finish within 15 s"
log=$(cat "$W/respond.log" 2>/dev/null)
vpt_match "respond.log: port 25 needs root, said in words" "$log" \
	'tcp/25 on 127\.0\.0\.1: port 25 needs root or CAP_NET_BIND_SERVICE'
vpt_match "respond.log: the check's HTTPS probe is in the table" "$log" \
	'127\.0\.0\.1:[0-9]+ +tcp/8443 +TLS, HEAD /'
vpt_match "respond.log: every port it opened was reached" "$log" '^2 of 2 ports reached$'
vpt_eq "guard: packets $NS sent outside the test ranges" "$(vpt_guard_drops "$NS")" 0
vpt_finish
