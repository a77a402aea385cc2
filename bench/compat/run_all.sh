#!/usr/bin/env bash
# OpenLDAP's slapd 2.5 and meshdir side by side: both load data.ldif, then
# every command of t1…t9 (ldap-utils: ldapsearch, ldapmodify, ldapcompare,
# ldapexop, …) runs against each, and stdout, stderr and exit code are
# compared (values that must differ, such as entryUUID and timestamps, are
# left out: lib.sh `norm`). Needs `apt-get install -y ldap-utils slapd` and
# a build (`npm run build`). Servers on 127.0.0.1:39001 (slapd) and :39002
# (meshdir), stopped at the end; outputs in $COMPAT_DIR (default
# /tmp/meshdir-compat): out/NNN_label.s|.m|.diff, t*.log, classify.log.
#
#   bash bench/compat/run_all.sh
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh" >/dev/null
rm -rf "$OUT"; mkdir -p "$OUT"
"$HERE/setup.sh" > "$WORK/setup.log" 2>&1
run() { NT0=$1 bash "$HERE/$2" > "$WORK/${2%%_*}.log" 2>&1; }
run 100 t1_filters.sh; run 300 t2_search.sh; run 500 t3_write.sh; run 700 t4_misc.sh; run 900 t5_more.sh
run 1000 t6_controls.sh; run 1100 t7_ext.sh; run 1200 t8_more.sh; run 1400 t9_schema.sh
bash "$HERE/classify.sh" > "$WORK/classify.log"
[ -f "$WORK/slapd.pid" ] && kill "$(cat "$WORK/slapd.pid")" 2>/dev/null
[ -f "$WORK/meshdir.pid.mine" ] && kill -INT "$(cat "$WORK/meshdir.pid.mine")" 2>/dev/null
same=$(cat "$WORK"/t*.log | grep -h '^MATCH=' | sed -E 's/MATCH=([0-9]+) DIFF=([0-9]+)/\1 \2/' | awk '{m+=$1; d+=$2} END {print m, d}')
read -r m d <<<"$same"
echo "$((m + d)) commands: $m same output and exit code; $(grep -c ORDER-ONLY "$WORK/classify.log") differ only in entry order, $(grep -c CONTENT "$WORK/classify.log") in content ($WORK/classify.log)"
