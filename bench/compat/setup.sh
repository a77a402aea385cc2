#!/usr/bin/env bash
# (Re)create both servers from data.ldif. slapd on 39001, meshdir on 39002.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
D=${COMPAT_DIR:-/tmp/meshdir-compat}
mkdir -p "$D"
cd "$D"
# stop previous instances (by pid files we own)
[ -f $D/slapd.pid ] && kill "$(cat $D/slapd.pid)" 2>/dev/null
[ -f $D/meshdir.pid.mine ] && kill -INT "$(cat $D/meshdir.pid.mine)" 2>/dev/null
sleep 1
rm -rf $D/slapd-db $D/mesh-data; mkdir -p $D/slapd-db
cat > $D/slapd.conf <<CONF
include   /etc/ldap/schema/core.schema
include   /etc/ldap/schema/cosine.schema
include   /etc/ldap/schema/inetorgperson.schema
include   /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile   $D/slapd.pid
argsfile  $D/slapd.args
loglevel  none

database  mdb
maxsize   104857600
suffix    "dc=example,dc=com"
rootdn    "cn=admin,dc=example,dc=com"
rootpw    secret
directory $D/slapd-db
index     objectClass eq
index     uid eq
access to attrs=userPassword by self write by anonymous auth by * none
access to * by * read
CONF
cat > $D/mesh.yaml <<CONF
replicaId: 1
role: master
listen: [ldap://127.0.0.1:39002]
dataDir: $D/mesh-data
suffix: dc=example,dc=com
rootDn: cn=admin,dc=example,dc=com
rootPassword: "{SSHA}VMtd44HqtZlNUGDsoF3jSFU2FZ6opC8G9qJiuQ=="
schemaDir: $REPO/schema
indexes: { objectClass: [eq], uid: [eq] }
log: { level: info, file: $D/meshdir.log }
CONF
/usr/sbin/slapadd -q -f $D/slapd.conf -l $HERE/data.ldif || echo "slapadd failed"
/usr/sbin/slapd -f $D/slapd.conf -h ldap://127.0.0.1:39001/
node $REPO/bin/meshdir import --config $D/mesh.yaml --no-progress $HERE/data.ldif || echo "meshdir import failed"
node $REPO/bin/meshdir serve --config $D/mesh.yaml > $D/meshdir.out 2>&1 &
echo $! > $D/meshdir.pid.mine
for _ in $(seq 50); do ldapsearch -x -H ldap://127.0.0.1:39002 -b "" -s base >/dev/null 2>&1 && break; sleep 0.2; done
echo "slapd $(cat $D/slapd.pid) meshdir $(cat $D/meshdir.pid.mine)"
