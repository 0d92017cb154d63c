#!/bin/bash
# The Debian package (issue 13) as an admin meets it, on this machine:
# built with `dpkg-buildpackage -us -uc -b` from the release tarball
# (`make dist`, so debian/ is shipped), lintian without an error or a
# warning, installed with apt-get, then: the programs, catalogs, man pages,
# unit (enabled, not started), sysusers.d file and bash completion are where
# Debian puts them; the installed veriport lists the catalogs and checks
# mailstore-server against loopback (every role mapped to 127.0.0.1); the
# installed veriportd accepts the installed configuration; the veriport
# user and group exist; /etc/veriport/veriport.conf is a conffile; the unit
# skips the unedited example and starts an edited one. Purged, nothing is
# left of it. No systemctl: the service manager is not needed.
#
# Not in make check's TESTS: it installs a package on the machine (root)
# and builds from a configured tree's `make dist`. .ci/run calls it after
# make check, on CI's clean machine.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
top_srcdir=${top_srcdir:-$here}
top_builddir=${top_builddir:-$here}
passes=0 fails=0

pass() { passes=$((passes + 1)); }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
# check_eq WHAT GOT WANT
check_eq() { if [ "$2" = "$3" ]; then pass; else fail "$1: got '$2', expected '$3'"; fi; }
# check_match WHAT TEXT ERE: a line of TEXT matches ERE.
check_match() { if printf '%s\n' "$2" | grep -qE -- "$3"; then pass; else fail "$1: no line matches /$3/"; fi; }
# finish: the closing line CI reads, and the exit status.
finish() {
	echo "package: $passes passed, $fails failed"
	[ "$fails" -eq 0 ]
	exit
}
# abort WHY: a step the rest needs failed.
abort() {
	fail "$*"
	finish
}

if [ "$(id -u)" -ne 0 ]; then
	[ -n "${CI:-}" ] && abort "not root, and CI must not skip"
	echo "SKIP: package: not root: the package was not built, installed or purged" >&2
	exit 77
fi
for c in dpkg-buildpackage lintian apt-get dpkg-query jq make; do
	command -v "$c" >/dev/null 2>&1 || abort "$c is missing (.ci/install-deps installs it)"
done
[ -f "$top_builddir/Makefile" ] || abort "no Makefile in $top_builddir (configure first)"

PKG=veriport
CONF=/etc/veriport/veriport.conf
EXAMPLE=/usr/share/doc/veriport/examples/veriport.conf.example
UNIT=/lib/systemd/system/veriportd.service
PROFILE=mailstore-server ROLE=server
tmp=$(mktemp -d "${TMPDIR:-/tmp}/package.XXXXXX") || abort "mktemp"
trap 'rm -rf "$tmp"' EXIT
# What make check sets would point the installed programs at the tree.
unset VERIPORT_CATALOG_DIR
apt_get() { DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 "$@"; }

# A clean machine has no veriport package; a previous run's is purged.
if dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q 'installed'; then
	echo "# $PKG was installed before this test: purging it first"
	apt_get purge -y -qq "$PKG" >"$tmp/prepurge.log" 2>&1 || abort "cannot purge the $PKG installed before"
fi

# Build ---------------------------------------------------------------------

version=$(sed -n 's/^PACKAGE_VERSION = //p' "$top_builddir/Makefile")
[ -n "$version" ] || abort "no PACKAGE_VERSION in $top_builddir/Makefile"
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$top_builddir" dist >"$tmp/dist.log" 2>&1 ||
	{ tail -n 20 "$tmp/dist.log" | sed 's/^/# /'; abort "make dist failed"; }
mv "$top_builddir/veriport-$version.tar.xz" "$tmp/" || abort "no veriport-$version.tar.xz after make dist"
tar -C "$tmp" -xf "$tmp/veriport-$version.tar.xz" || abort "cannot unpack the tarball"
src=$tmp/veriport-$version
# The tests already ran on this very source in make check; as root
# dh_auto_test would run the integration tests a second time.
t0=$(date +%s)
(cd "$src" && DEB_BUILD_OPTIONS=nocheck dpkg-buildpackage -us -uc -b) >"$tmp/build.log" 2>&1
rc=$?
echo "# dpkg-buildpackage -us -uc -b: exit $rc, $(($(date +%s) - t0)) s"
check_eq "dpkg-buildpackage -us -uc -b: exit status" "$rc" 0
[ "$rc" -eq 0 ] || { tail -n 30 "$tmp/build.log" | sed 's/^/# /'; finish; }
deb=$(ls "$tmp"/${PKG}_"$version"_*.deb 2>/dev/null | head -n 1)
changes=$(ls "$tmp"/${PKG}_"$version"_*.changes 2>/dev/null | head -n 1)
[ -n "$deb" ] && [ -n "$changes" ] || abort "no .deb or .changes in $tmp: $(ls "$tmp")"
echo "# built $(basename "$deb")"

# lintian: errors and warnings fail, the rest is shown.
lintian --fail-on error,warning --display-info "$changes" "$deb" >"$tmp/lintian.log" 2>&1
rc=$?
echo "# lintian $(lintian --print-version) on $(basename "$changes") and $(basename "$deb"): exit $rc"
sed 's/^/#   /' "$tmp/lintian.log"
check_eq "lintian: exit status (1: an error or a warning, 2: lintian failed)" "$rc" 0
check_eq "lintian: no error and no warning" \
	"$(grep -E '^[EW]: ' "$tmp/lintian.log" | tr '\n' ' ')" ""

# Install -------------------------------------------------------------------

apt_get install -y -qq "$deb" >"$tmp/install.log" 2>&1
rc=$?
check_eq "apt-get install -y ./$(basename "$deb"): exit status" "$rc" 0
[ "$rc" -eq 0 ] || { tail -n 20 "$tmp/install.log" | sed 's/^/# /'; finish; }
check_eq "dpkg: $PKG is installed" "$(dpkg-query -W -f='${Status}' "$PKG" 2>&1)" "install ok installed"

# installed FILE [-x]: FILE is in the package and on disk (executable).
installed() {
	if ! dpkg-query -L "$PKG" | grep -qxF -- "$1"; then
		fail "installed: $1 is not in the package"
	elif [ "${2:-}" = -x ] && ! [ -x "$1" ]; then
		fail "installed: $1 is not executable"
	elif ! [ -s "$1" ]; then
		fail "installed: no $1"
	else
		pass
	fi
}
installed /usr/bin/veriport -x
installed /usr/sbin/veriportd -x
for p in mailstore-gateway mailstore-server mailstore-spe seppmail sx-mailcrypt; do
	installed "/usr/share/veriport/catalogs/$p.catalog"
done
installed /usr/share/veriport/catalogs/interceptors.list
for m in man1/veriport.1 man5/veriport.conf.5 man5/veriport.catalog.5 man8/veriportd.8; do
	installed "/usr/share/man/$m.gz"
done
installed "$UNIT"
installed /usr/lib/sysusers.d/veriport.conf
installed /usr/share/bash-completion/completions/veriport
installed "$CONF"
installed "$EXAMPLE"
for f in README.md prometheus/veriport.rules.yml prometheus/veriport.rules.test.yml \
	grafana/veriport.json icinga2/veriport.conf nrpe/veriport.cfg \
	zabbix/userparameter_veriport.conf zabbix/veriport_template.yaml; do
	installed "/usr/share/doc/veriport/examples/$f"
done
installed /usr/share/doc/veriport/copyright

# The unit: enabled (the symlink deb-systemd-helper makes), not started
# by the maintainer scripts, on the configuration the package ships.
check_eq "unit: enabled (multi-user.target.wants)" \
	"$(readlink /etc/systemd/system/multi-user.target.wants/veriportd.service)" "$UNIT"
check_eq "postinst: never starts veriportd" \
	"$(grep -cE 'deb-systemd-invoke (start|\$_dh_action)' /var/lib/dpkg/info/$PKG.postinst)" 0
check_eq "unit: ExecStart" "$(sed -n 's/^ExecStart=//p' "$UNIT")" \
	"/usr/sbin/veriportd --foreground -c $CONF"
check_eq "unit: ConditionPathExists" "$(sed -n 's/^ConditionPathExists=//p' "$UNIT")" "$CONF"
if command -v systemd-analyze >/dev/null 2>&1; then
	out=$(systemd-analyze verify --man=no "$UNIT" 2>&1)
	check_eq "systemd-analyze verify $UNIT: exit status ($out)" "$?" 0
	check_eq "systemd-analyze verify $UNIT: nothing to say" "$out" ""
else
	fail "systemd-analyze is missing (Debian package systemd)"
fi

# The conffile is the example, and dpkg knows it as a conffile.
check_eq "$CONF is the example" "$(cmp "$CONF" "$EXAMPLE" 2>&1 && echo same)" same
conffiles=$(dpkg-query -W -f='${Conffiles}' "$PKG" 2>&1)
check_eq "dpkg: $CONF is a conffile, with the example's md5" \
	"$(printf '%s\n' "$conffiles" | awk -v f="$CONF" '$1 == f { print $2 }')" \
	"$(md5sum <"$EXAMPLE" | cut -d' ' -f1)"

# The user and the group, made by systemd-sysusers in the postinst.
check_match "getent group veriport" "$(getent group veriport)" '^veriport:x:[0-9]+:'
pw=$(getent passwd veriport)
check_match "getent passwd veriport" "$pw" '^veriport:x:[0-9]+:[0-9]+:'
IFS=: read -r _ _ uid gid _ home shell <<<"$pw"
check_eq "veriport: primary group veriport" "$(getent group "$gid" | cut -d: -f1)" veriport
if [ -n "$uid" ] && [ "$uid" -lt 1000 ]; then pass; else fail "veriport: uid '$uid' is no system uid"; fi
check_eq "veriport: no login shell" "$shell" /usr/sbin/nologin
echo "# $pw (home $home)"

# The installed programs, on the installed catalogs and configuration.
out=$(veriport catalog list 2>&1)
check_eq "veriport catalog list: exit status" "$?" 0
check_eq "veriport catalog list: the five profiles" \
	"$(printf '%s\n' "$out" | awk 'NR > 1 { print $1 }' | tr '\n' ' ')" \
	"mailstore-gateway mailstore-server mailstore-spe seppmail sx-mailcrypt "
# Every role but the host's own is mapped to loopback: no probe leaves the
# machine, none goes to a vendor's host.
maps=()
for r in $(veriport catalog show "$PROFILE" --json | jq -r '.roles[].id'); do
	[ "$r" = "$ROLE" ] || maps+=(--map "$r=127.0.0.1")
done
check_match "veriport catalog show $PROFILE: roles to map" "${#maps[@]}" '^[1-9][0-9]*$'
out=$(veriport check --profile "$PROFILE" --role "$ROLE" "${maps[@]}" --timeout 1 2>&1)
rc=$?
echo "# veriport check --profile $PROFILE --role $ROLE ${maps[*]}: exit $rc"
printf '%s\n' "$out" | head -n 8 | sed 's/^/#   /'
case $rc in 0 | 1 | 2) pass ;; *) fail "veriport check: exit $rc, expected 0, 1 or 2 ($out)" ;; esac
check_match "veriport check: the table" "$out" '^CHANNEL +PORT +TARGET +ADDRESS +VERDICT'
check_match "veriport check: a row towards loopback" "$out" '^[a-z0-9-]+ +tcp/[0-9]+ +127\.0\.0\.1 +127\.0\.0\.1 +[a-z-]+'
out=$(veriportd --check-config 2>&1)
check_eq "veriportd --check-config (the default $CONF): exit status ($out)" "$?" 0
out=$(veriportd --check-config -c "$CONF" 2>&1)
check_eq "veriportd --check-config -c $CONF: exit status ($out)" "$?" 0

# bash-completion finds the installed completion by the command's name.
out=$(bash -c '. /usr/share/bash-completion/bash_completion && _completion_loader veriport; complete -p veriport' 2>&1)
check_eq "bash-completion loads the installed completion" "$out" "complete -F _veriport veriport"

# The unit's ExecCondition, run as systemd would: the unedited example
# is skipped (exit 1, saying why); an edited configuration starts.
cond=$(sed -n 's/^ExecCondition=//p' "$UNIT")
out=$(eval "$cond" 2>&1)
rc=$?
check_eq "unit: ExecCondition on the unedited example: exit status" "$rc" 1
check_match "unit: ExecCondition says why" "$out" "$CONF is the unedited example"
echo "# the site's own line" >>"$CONF"
out=$(eval "$cond" 2>&1)
check_eq "unit: ExecCondition on an edited $CONF: exit status ($out)" "$?" 0

# Purge ---------------------------------------------------------------------

# What veriportd would have remembered (the unit's StateDirectory).
mkdir -p /var/lib/private/veriport && ln -sfn private/veriport /var/lib/veriport &&
	echo pins >/var/lib/private/veriport/pins || fail "cannot make a state folder"
apt_get purge -y -qq "$PKG" >"$tmp/purge.log" 2>&1
rc=$?
check_eq "apt-get purge -y $PKG: exit status" "$rc" 0
[ "$rc" -eq 0 ] || tail -n 20 "$tmp/purge.log" | sed 's/^/# /'
check_eq "dpkg: $PKG is gone" "$(dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null)" ""
for f in /usr/share/veriport /etc/veriport /var/lib/veriport /var/lib/private/veriport \
	/usr/bin/veriport /usr/sbin/veriportd "$UNIT" /usr/lib/sysusers.d/veriport.conf \
	/usr/share/bash-completion/completions/veriport /usr/share/doc/veriport \
	/etc/systemd/system/multi-user.target.wants/veriportd.service; do
	if [ -e "$f" ] || [ -L "$f" ]; then
		fail "purged: $f is left ($(find "$f" -maxdepth 2 2>/dev/null | head -n 5 | tr '\n' ' '))"
	else
		pass
	fi
done

finish
