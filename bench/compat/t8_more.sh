#!/usr/bin/env bash
# t8: modify/DN/filter/attr-list/compare/LDIF-changetype/binary/large-value edge cases.
# All writes go to ou=t8,ou=sandbox (created here). Run after ./setup.sh with NT0=1200.
. "$(dirname "$0")/lib.sh"
L="ldapsearch -x -LLL -H \$URL"
LA="ldapsearch -x -LLL -H \$URL $ADM"
A="ldapadd -x -H \$URL $ADM"
MO="ldapmodify -x -H \$URL $ADM"
MR="ldapmodrdn -x -H \$URL $ADM"
DEL="ldapdelete -x -H \$URL $ADM"
C="ldapcompare -x -H \$URL"
SB=ou=sandbox,$B
T=ou=t8,$SB
P="uid=alice,ou=people,$B"
# paged-results cookies / control values legitimately differ between servers
PG="sed -E -e 's/cookie=[^ ]+/cookie=C/' -e 's/(1\.2\.840\.113556\.1\.4\.319 (true|false)) .*/\1 X/'"
# pre-clean (only relevant if re-run without ./setup.sh)
for u in $S $M; do ldapdelete -x -H $u $ADM -r $T >/dev/null 2>&1; done
ST() { t "ft: $1" "ldapsearch -x -LLL -H \$URL -b $T '$1' ${2:-dn}"; }
SP() { t "fp: $1" "ldapsearch -x -LLL -H \$URL -b ou=people,$B '$1' ${2:-dn}"; }

# ---------------------------------------------------------------- setup entries
t "setup t8 tree" "$A <<'X'
dn: $T
objectClass: organizationalUnit
ou: t8

dn: ou=dst,$T
objectClass: organizationalUnit
ou: dst

dn: cn=p1,$T
objectClass: inetOrgPerson
cn: p1
sn: One
description: d1

dn: cn=p2,$T
objectClass: inetOrgPerson
objectClass: posixAccount
cn: p2
sn: Two
uid: p2
uidNumber: 5001
gidNumber: 500
homeDirectory: /home/p2

dn: cn=x1,$T
objectClass: person
objectClass: extensibleObject
cn: x1
sn: X

dn: cn=mr+uid=mr,$T
objectClass: inetOrgPerson
cn: mr
sn: Rdn
uid: mr

dn: cn=tags,$T
objectClass: person
cn: tags
sn: t
description;lang-fr: Bonjour
description: plain
X"
# ---------------------------------------------------------------- extensible / operational / OID filters
ST '(ou:dn:=t8)'
ST '(ou:dn:caseExactMatch:=T8)'
ST '(cn:dn:=mr)'
ST '(objectClass=extensibleObject)'
ST '(cn:dn:=p1)'
ST '(:dn:2.5.13.2:=sandbox)'
ST '(objectClass:dn:=organizationalUnit)'
ST '(structuralObjectClass=person)'
ST '(subschemaSubentry=*)'
ST '(numSubordinates=*)'
ST '(hasSubordinates=TRUE)'
ST '(entryDN:dnSubtreeMatch:=ou=dst,ou=t8,ou=sandbox,dc=example,dc=com)'
ST '(entryDN:dnOneLevelMatch:=ou=t8,ou=sandbox,dc=example,dc=com)'
SP '(0.9.2342.19200300.100.1.1=alice)'
SP '(objectClass=0.9.2342.19200300.100.4.5)'
SP '(uidNumber~=1001)'

t "paged children scope" "ldapsearch -x -H \$URL -b $T -s children -E pr=2/noprompt dn | $PG | grep -E '^(result|search|# num)'"

# ---------------------------------------------------------------- modify: value-level edge cases (p1)
N1=cn=p1,$T
t "mod add case-variant dups in one request" "$MO <<'X'
dn: $N1
changetype: modify
add: title
title: Foo
title: foo
X
$L -b $N1 -s base title"
t "mod delete two values one missing (atomic)" "$MO <<'X'
dn: $N1
changetype: modify
delete: description
description: d1
description: nosuch
X
$L -b $N1 -s base description"
t "mod delete same value twice in request" "$MO <<'X'
dn: $N1
changetype: modify
delete: description
description: d1
description: D1
X
$L -b $N1 -s base description"
t "mod delete unknown attr" "$MO <<'X'
dn: $N1
changetype: modify
delete: fooBarBaz
X"
t "mod replace-empty not-allowed attr" "$MO <<'X'
dn: $N1
changetype: modify
replace: uidNumber
X"
t "mod replace exact dup values" "$MO <<'X'
dn: $N1
changetype: modify
replace: description
description: a
description: a
X
$L -b $N1 -s base description"
t "mod add then delete same attr" "$MO <<'X'
dn: $N1
changetype: modify
add: title
title: t1
-
delete: title
X
$L -b $N1 -s base title"
t "mod replace then add case-dup (atomic)" "$MO <<'X'
dn: $N1
changetype: modify
replace: title
title: t1
-
add: title
title: T1
X
$L -b $N1 -s base title description"
t "mod add value then delete it same request" "$MO <<'X'
dn: $N1
changetype: modify
add: title
title: c
-
delete: title
title: C
X
$L -b $N1 -s base title"
t "mod add bad telephone printable" "$MO <<'X'
dn: $N1
changetype: modify
add: telephoneNumber
telephoneNumber: 555_1234
X"
t "mod add DN value unnormalized then read" "$MO <<'X'
dn: $N1
changetype: modify
add: seeAlso
seeAlso: CN=P2 , OU=T8,ou=Sandbox,DC=example,DC=com
X
$L -b $N1 -s base seeAlso"
t "mod add equal DN value other form 20" "$MO <<'X'
dn: $N1
changetype: modify
add: seeAlso
seeAlso: cn=p2,ou=t8,ou=sandbox,dc=example,dc=com
X"
t "mod delete DN value other form" "$MO <<'X'
dn: $N1
changetype: modify
delete: seeAlso
seeAlso: cn=P2,ou=t8,ou=sandbox,dc=EXAMPLE,dc=com
X
$L -b $N1 -s base seeAlso"
t "mod attr name case/alias output" "$MO <<'X'
dn: $N1
changetype: modify
add: SURNAME
SURNAME: Uno
-
add: 2.5.4.12
2.5.4.12: viaOid
X
$L -b $N1 -s base sn title"
t "mod tagged options order" "$MO <<'X'
dn: $N1
changetype: modify
add: description;lang-zz;lang-fr
description;lang-zz;lang-fr: tagged
X
$L -b $N1 -s base description
$L -b $T '(description;lang-fr;lang-zz=tagged)' dn
$L -b $N1 -s base 'description;lang-fr'"
t "mod delete tagged via other option order" "$MO <<'X'
dn: $N1
changetype: modify
delete: description;LANG-ZZ;LANG-FR
description;LANG-ZZ;LANG-FR: TAGGED
X
$L -b $N1 -s base description"
t "mod binary option on string attr" "$MO <<'X'
dn: $N1
changetype: modify
add: description;binary
description;binary: x
X"

# ---------------------------------------------------------------- modify: increment (p2)
N2=cn=p2,$T
t "inc two values" "$MO <<'X'
dn: $N2
changetype: modify
increment: uidNumber
uidNumber: 1
uidNumber: 2
X
$L -b $N2 -s base uidNumber"
t "inc plus-sign value" "$MO <<'X'
dn: $N2
changetype: modify
increment: uidNumber
uidNumber: +3
X
$L -b $N2 -s base uidNumber"
t "inc twice in one request" "$MO <<'X'
dn: $N2
changetype: modify
increment: uidNumber
uidNumber: 10
-
increment: uidNumber
uidNumber: 20
X
$L -b $N2 -s base uidNumber"
t "inc no value" "$MO <<'X'
dn: $N2
changetype: modify
increment: uidNumber
X
$L -b $N2 -s base uidNumber"
t "inc huge" "$MO <<'X'
dn: $N2
changetype: modify
replace: gidNumber
gidNumber: 99999999999999999999
-
increment: gidNumber
gidNumber: 1
X
$L -b $N2 -s base gidNumber"
t "inc then filter index" "$MO <<'X'
dn: $N2
changetype: modify
replace: gidNumber
gidNumber: 500
-
increment: gidNumber
gidNumber: 1
X
$L -b $T '(gidNumber=501)' dn
$L -b $T '(gidNumber=500)' dn"
t "inc with leading zero value" "$MO <<'X'
dn: $N2
changetype: modify
increment: uidNumber
uidNumber: 007
X
$L -b $N2 -s base uidNumber"
t "inc by OID name" "$MO <<'X'
dn: $N2
changetype: modify
increment: 1.3.6.1.1.1.1.0
1.3.6.1.1.1.1.0: 1
X
$L -b $N2 -s base uidNumber"

# ---------------------------------------------------------------- modify: RDN attribute values
t "mod add second cn value" "$MO <<'X'
dn: $N1
changetype: modify
add: cn
cn: p1 alias
X
$L -b $N1 -s base cn"
t "mod replace cn with case-variant of rdn" "$MO <<'X'
dn: $N1
changetype: modify
replace: cn
cn: P1
X
$L -b $N1 -s base dn cn"
t "mod delete rdn value case-variant" "$MO <<'X'
dn: $N1
changetype: modify
delete: cn
cn: p1
X"
t "mod multi-rdn replace uid keeping value" "$MO <<'X'
dn: uid=mr+cn=mr,$T
changetype: modify
replace: uid
uid: MR
uid: mr2
X
$L -b 'cn=mr+uid=mr,$T' -s base uid"
t "mod multi-rdn delete cn rdn value" "$MO <<'X'
dn: cn=mr+uid=mr,$T
changetype: modify
delete: cn
X"
# ---------------------------------------------------------------- modify: objectClass changes
t "oc remove aux keeping its attrs" "$MO <<'X'
dn: $N2
changetype: modify
delete: objectClass
objectClass: posixAccount
X"
t "oc remove aux with its attrs" "$MO <<'X'
dn: $N2
changetype: modify
delete: objectClass
objectClass: posixAccount
-
delete: uidNumber
-
delete: gidNumber
-
delete: homeDirectory
X
$L -b $N2 -s base objectClass uid uidNumber"
t "oc filter index after aux removal" "$L -b $T '(objectClass=posixAccount)' dn"
t "oc add aux shadowAccount without MUST uid" "$MO <<'X'
dn: $N1
changetype: modify
add: objectClass
objectClass: shadowAccount
X"
t "oc add aux shadowAccount with uid" "$MO <<'X'
dn: $N1
changetype: modify
add: objectClass
objectClass: shadowAccount
-
add: uid
uid: p1
-
add: shadowLastChange
shadowLastChange: 1
X
$L -b $N1 -s base objectClass uid shadowLastChange"
t "oc add second structural chain account" "$MO <<'X'
dn: $N2
changetype: modify
add: objectClass
objectClass: account
X"
t "oc replace with explicit superclasses" "$MO <<'X'
dn: $N1
changetype: modify
replace: objectClass
objectClass: top
objectClass: person
objectClass: organizationalPerson
objectClass: inetOrgPerson
objectClass: shadowAccount
X
$L -b $N1 -s base objectClass"
t "oc replace to subclass (structural change)" "$MO <<'X'
dn: cn=x1,$T
changetype: modify
replace: objectClass
objectClass: inetOrgPerson
objectClass: extensibleObject
X"
t "oc delete top" "$MO <<'X'
dn: $N1
changetype: modify
delete: objectClass
objectClass: top
X
$L -b $N1 -s base objectClass"
t "oc add top explicit" "$MO <<'X'
dn: cn=x1,$T
changetype: modify
add: objectClass
objectClass: top
X
$L -b cn=x1,$T -s base objectClass"
t "oc extensibleObject arbitrary attrs" "$MO <<'X'
dn: cn=x1,$T
changetype: modify
add: uidNumber
uidNumber: 7
-
add: mail
mail: x1@example.com
-
add: c
c: DE
X
$L -b cn=x1,$T -s base"
t "oc extensibleObject c invalid syntax" "$MO <<'X'
dn: cn=x1,$T
changetype: modify
replace: c
c: USA
X"
t "oc remove extensibleObject with extra attrs" "$MO <<'X'
dn: cn=x1,$T
changetype: modify
delete: objectClass
objectClass: extensibleObject
X"
t "oc add undefined class" "$MO <<'X'
dn: cn=x1,$T
changetype: modify
add: objectClass
objectClass: noSuchClassXyz
X"
t "oc delete all objectClass" "$MO <<'X'
dn: cn=x1,$T
changetype: modify
delete: objectClass
X"
t "oc add class by OID" "$MO <<'X'
dn: cn=x1,$T
changetype: modify
add: objectClass
objectClass: 1.3.6.1.1.1.2.1
-
add: uid
uid: x1
X
$L -b cn=x1,$T -s base objectClass
$L -b $T '(objectClass=shadowAccount)' dn"
# ---------------------------------------------------------------- DN edge cases
t "dn add escaped specials" "$A <<'X'
dn: cn=two\\\\back,$T
objectClass: person
cn: two\\back
sn: esc

dn: cn=\\#hash,$T
objectClass: person
cn: #hash
sn: esc

dn: cn=\\ lead,$T
objectClass: person
cn: lead
sn: esc

dn: cn=trail\\20,$T
objectClass: person
cn: trail
sn: esc

dn: cn=semi\\;colon,$T
objectClass: person
cn: semi;colon
sn: esc

dn: cn=eq=sign,$T
objectClass: person
cn: eq=sign
sn: esc

dn: cn=plus\\+sign,$T
objectClass: person
cn: plus+sign
sn: esc

dn: cn=quote\\\"d,$T
objectClass: person
cn: quote\"d
sn: esc
X"
t "dn escaped list" "$L -b $T '(sn=esc)' dn cn"
t "dn base backslash hex form" "$L -b 'cn=two\\5Cback,$T' -s base dn"
t "dn base leading space unescaped" "$L -b 'cn= lead,$T' -s base dn"
t "dn base trailing space escaped" "$L -b 'cn=trail\\ ,$T' -s base dn"
t "dn base quoted v2 string" "$L -b 'cn=\"plus+sign\",$T' -s base dn"
t "dn add hex-escaped utf8" "$A <<'X'
dn: cn=caf\\C3\\A9,$T
objectClass: person
cn: café
sn: utf
X
$L -b 'cn=café,$T' -s base dn"
t "dn add base64 dn" "$A <<X
dn:: $(echo -n "cn=Ünï Ösé,$T" | base64 -w0)
objectClass: person
cn: Ünï Ösé
sn: utf
X
$L -b $T '(sn=utf)' dn"
t "dn base utf8 case-folded" "$L -b 'CN=üNÏ öSÉ,$T' -s base dn"
t "dn base utf8 hex" "$L -b 'cn=\\c3\\9cn\\c3\\af \\c3\\96s\\c3\\a9,$T' -s base dn"
t "dn add multi-rdn then reversed duplicate" "$A <<'X'
dn: cn=mv+sn=mv,$T
objectClass: person
cn: mv
sn: mv

dn: sn=MV+cn=MV,$T
objectClass: person
cn: mv
sn: mv
X"
t "dn base multi-rdn reversed" "$L -b 'SN=mv+CN=mv,$T' -s base dn"
t "dn add same attr twice in rdn" "$A <<'X'
dn: cn=ra+cn=rb,$T
objectClass: person
cn: ra
cn: rb
sn: rr
X
$L -b $T '(sn=rr)' dn cn"
t "dn add duplicate ava in rdn" "$A <<'X'
dn: cn=dd+cn=dd,$T
objectClass: person
cn: dd
sn: x
X"
t "dn add three-ava rdn" "$A <<'X'
dn: uid=u3+sn=s3+cn=c3,$T
objectClass: inetOrgPerson
cn: c3
sn: s3
uid: u3
X
$L -b $T '(uid=u3)' dn
$L -b 'cn=c3+uid=u3+sn=s3,$T' -s base dn"
t "dn add spaces around equals" "$A <<'X'
dn: cn = spaced , $T
objectClass: person
cn: spaced
sn: sp
X
$L -b $T '(sn=sp)' dn"
t "dn add semicolon separators" "$A <<'X'
dn: cn=semisep;ou=t8;ou=sandbox;dc=example;dc=com
objectClass: person
cn: semisep
sn: sp
X
$L -b $T '(cn=semisep)' dn"
t "dn add uppercase type" "$A <<'X'
dn: CN=UpperType,OU=T8,OU=SANDBOX,DC=EXAMPLE,DC=COM
objectClass: person
cn: UpperType
sn: sp
X
$L -b $T '(cn=uppertype)' dn"
t "dn add bad hex escape" "$A <<'X'
dn: cn=bad\\zzhex,$T
objectClass: person
cn: x
sn: x
X"
t "dn add long rdn 1000 chars" "$A <<X
dn: cn=$(printf 'L%.0s' $(seq 1000)),$T
objectClass: person
cn: $(printf 'L%.0s' $(seq 1000))
sn: long
X
$L -b $T '(sn=long)' dn | md5sum"
# ---------------------------------------------------------------- filters with escapes / substrings
ST '(cn=two\5cback)'
ST '(cn=\23hash)'
ST '(cn=semi;colon)'
ST '(cn=caf\c3\a9)'
ST '(cn=*\C3\A9)'
ST '(cn=CAFÉ)'
SP '(cn=*\00*)'
SP '(cn=\41lice*)'
SP '(description=\2astar\2a*)'
SP '(description=*\28paren\29*back\5cslash)'
SP '(description=*e*a*e*)'
SP '(description=M*l*r*f*)'

t "dn delete via hex form" "$DEL 'cn=semi\\3Bcolon,$T'
$L -b $T '(cn=semi*)' dn"
t "dn delete multi-rdn reversed order" "$DEL 'sn=mv+cn=MV,$T'
$L -b $T '(sn=mv)' dn"
t "dn compare on escaped dn" "$C 'cn=two\\5cback,$T' 'cn:TWO\\back'"

# ---------------------------------------------------------------- attribute lists
t "attrs @person" "$L -b $P -s base '@person'"
t "attrs @posixAccount" "$L -b $P -s base '@posixAccount'"
t "attrs @top" "$L -b $P -s base '@top'"
t "attrs @nosuchclass" "$L -b $P -s base '@noSuchClassXyz'"
t "attrs @groupOfNames on staff" "$L -b cn=staff,ou=groups,$B -s base '@groupOfNames'"
t "attrs @ by OID" "$L -b $P -s base '@2.5.6.6'"
t "attrs oid with option" "$L -b cn=tags,$T -s base '2.5.4.13;lang-fr'"
t "attrs typesOnly named operational" "$L -A -b $P -s base createTimestamp entryUUID creatorsName hasSubordinates"
t "attrs 1.1 plus" "$L -A -b $P -s base 1.1 '+' | sed 's/:.*//' | sort"
t "attrs invalid name chars" "$L -b $P -s base 'c\$n' cn"
t "attrs supertype name returns subtypes" "$L -b $N1 -s base name"
t "attrs option filter only tagged" "$L -b cn=tags,$T -s base 'description;lang-fr' 'cn;lang-fr'"

# ---------------------------------------------------------------- scopes / size / paged / time
t "children under t8 with -z 2" "$L -b $T -s children -z 2 dn | grep -c '^dn:'"
t "children of leaf in t8" "$L -b $N1 -s children dn"
t "paged 3 with -z 2" "ldapsearch -x -H \$URL -b ou=people,$B -s one -z 2 -E pr=3/noprompt '(uid=*)' dn | $PG"
t "paged 2 with -z 5" "ldapsearch -x -H \$URL -b ou=people,$B -s one -z 5 -E pr=2/noprompt '(uid=*)' dn | $PG"
t "paged 4 with -z 100" "ldapsearch -x -H \$URL -b ou=people,$B -s one -z 100 -E pr=4/noprompt '(uid=*)' dn | $PG | grep -v '^#' | grep -c ."
t "paged 3 scope base" "ldapsearch -x -H \$URL -b $P -s base -E pr=3/noprompt dn | $PG"
t "paged empty result" "ldapsearch -x -H \$URL -b $B -E pr=2/noprompt '(uid=nobody)' dn | $PG"
t "paged root with -z 3" "ldapsearch -x -H \$URL $ADM -b ou=people,$B -s one -z 3 -E pr=2/noprompt '(uid=*)' dn | $PG | tail -8"
t "paged with sss" "ldapsearch -x -H \$URL -b ou=people,$B -s one -E sss=uid -E pr=4/noprompt '(uid=*)' dn | $PG | grep -E '^(dn|result|sortResult|# num)'"
t "timelimit with sizelimit" "ldapsearch -x -H \$URL -b ou=people,$B -l 5 -z 1 '(uid=*)' dn | tail -4"

# ---------------------------------------------------------------- compare
t "cmp createTimestamp false" "$C $P createTimestamp:20000101000000Z"
t "cmp entryUUID bad syntax" "$C $P entryUUID:xyz"
t "cmp structuralObjectClass" "$C $P structuralObjectClass:inetOrgPerson
$C $P structuralObjectClass:person"
t "cmp hasSubordinates" "$C ou=people,$B hasSubordinates:TRUE
$C $P hasSubordinates:FALSE
$C $P hasSubordinates:TRUE"
t "cmp creatorsName own entry" "$C $N1 'creatorsName:CN=ADMIN,DC=EXAMPLE,DC=COM'"
t "cmp subschemaSubentry" "$C $P subschemaSubentry:cn=subschema"
t "cmp option lang-en absent" "$C $P 'cn;lang-en:Alice'"
t "cmp tagged value with tag" "$C cn=tags,$T 'description;lang-fr:BONJOUR'"
t "cmp tagged value via untagged" "$C cn=tags,$T 'description:bonjour'"
t "cmp tag not present" "$C cn=tags,$T 'description;lang-de:bonjour'"
t "cmp integer bad syntax" "$C $P uidNumber:abc"
t "cmp objectClass by oid" "$C $P objectClass:2.5.6.6
$C $P 2.5.4.0:posixAccount"
t "cmp rootDSE" "$C '' 'namingContexts:dc=example,dc=com'"
# ---------------------------------------------------------------- LDIF changetype records
t "ldif moddn newsuperior deleteoldrdn 1" "$MO <<'X'
dn: cn=x1,$T
changetype: moddn
newrdn: cn=x1moved
deleteoldrdn: 1
newsuperior: ou=dst,$T
X
$L -b ou=dst,$T -s one dn cn"
t "ldif modrdn deleteoldrdn 0" "$MO <<'X'
dn: cn=x1moved,ou=dst,$T
changetype: modrdn
newrdn: cn=x1b
deleteoldrdn: 0
X
$L -b ou=dst,$T -s one dn cn"
t "ldif modrdn newsuperior nonexistent" "$MO <<'X'
dn: cn=x1b,ou=dst,$T
changetype: modrdn
newrdn: cn=x1c
deleteoldrdn: 1
newsuperior: ou=nosuch,$T
X"
t "ldif modrdn same parent newsuperior" "$MO <<'X'
dn: cn=x1b,ou=dst,$T
changetype: modrdn
newrdn: cn=x1c
deleteoldrdn: 1
newsuperior: OU=DST,$T
X
$L -b ou=dst,$T -s one dn"
t "ldif modrdn no-op same rdn" "$MO <<'X'
dn: cn=x1c,ou=dst,$T
changetype: modrdn
newrdn: cn=x1c
deleteoldrdn: 1
X
$L -b ou=dst,$T -s one dn cn"
t "ldif modrdn to multi-valued rdn" "$MO <<'X'
dn: cn=x1c,ou=dst,$T
changetype: modrdn
newrdn: sn=X+cn=x1c
deleteoldrdn: 0
X
$L -b ou=dst,$T -s one dn"
t "ldif modrdn reorder multi-valued rdn" "$MO <<'X'
dn: sn=X+cn=x1c,ou=dst,$T
changetype: modrdn
newrdn: cn=x1c+sn=X
deleteoldrdn: 1
X
$L -b ou=dst,$T -s one dn"
t "ldif modrdn escaped newrdn" "$MO <<'X'
dn: cn=p1,$T
changetype: modrdn
newrdn: cn=p1\\, renamed
deleteoldrdn: 0
X
$L -b $T '(sn=One)' dn cn"
t "ldif modrdn -r removes only MUST cn" "$MO <<'X'
dn: cn=mr+uid=mr,$T
changetype: modrdn
newrdn: uid=mr
deleteoldrdn: 1
X"
t "ldif modrdn to invalid syntax rdn" "$MO <<'X'
dn: cn=p2,$T
changetype: modrdn
newrdn: uidNumber=abc
deleteoldrdn: 0
X"
t "ldif modrdn uid rdn then uid index" "$MO <<'X'
dn: cn=c3+sn=s3+uid=u3,$T
changetype: modrdn
newrdn: cn=c3+sn=s3+uid=u4
deleteoldrdn: 1
X
$L -b $T '(uid=u4)' dn uid
$L -b $T '(uid=u3)' dn"
t "ldif delete record" "$MO <<'X'
dn: cn=plus\\+sign,$T
changetype: delete
X
$L -b $T '(cn=plus*)' dn"
t "ldif -c several records with errors" "$MO -c <<'X'
dn: cn=c1,$T
changetype: add
objectClass: person
cn: c1
sn: c

dn: cn=c1,$T
changetype: add
objectClass: person
cn: c1
sn: c

dn: cn=nosuch,$T
changetype: modify
replace: sn
sn: z

dn: cn=c1,$T
changetype: modify
add: fooBar
fooBar: 1

dn: cn=c1,$T
changetype: modrdn
newrdn: cn=c2
deleteoldrdn: 1

dn: cn=nosuch,$T
changetype: delete

dn: cn=c2,$T
changetype: modify
replace: sn
sn: final
X
$L -b $T '(sn=final)' dn cn sn"
t "ldif without -c stops at first error" "$MO <<'X'
dn: cn=c3a,$T
changetype: add
objectClass: person
cn: c3a
sn: c

dn: cn=c2,$T
changetype: add
objectClass: person
cn: c2
sn: c

dn: cn=c3b,$T
changetype: add
objectClass: person
cn: c3b
sn: c
X
$L -b $T '(|(cn=c3a)(cn=c3b))' dn"
t "ldif critical treeDelete control" "$MO <<'X'
dn: ou=dst,$T
control: 1.2.840.113556.1.4.805 true
changetype: delete
X"
t "ldif noncritical unknown control" "$MO <<'X'
dn: cn=c2,$T
control: 1.2.3.4.5.6.7 false
changetype: modify
replace: sn
sn: withctl
X
$L -b cn=c2,$T -s base sn"
t "ldif version header and -a" "ldapmodify -a -x -H \$URL $ADM <<'X'
version: 1

dn: cn=va,$T
objectClass: person
cn: va
sn: v
X
$L -b cn=va,$T -s base dn"
t "ldif file url value" "printf 'fromfile' > $WORK/t8_val.txt; $A <<'X'
dn: cn=fu,$T
objectClass: person
cn: fu
sn: f
description:< file://$WORK/t8_val.txt
X
$L -b cn=fu,$T -s base description"

# ---------------------------------------------------------------- binary / base64
CERT=$(openssl req -x509 -newkey rsa:1024 -nodes -keyout /dev/null -subj /CN=t8 -days 1 -outform DER 2>/dev/null | base64 -w0)
t "bin add real cert ;binary" "$A <<X
dn: cn=cert,$T
objectClass: inetOrgPerson
cn: cert
sn: c
userCertificate;binary:: $CERT
X
$L -b cn=cert,$T -s base userCertificate | md5sum
$L -b cn=cert,$T -s base 'userCertificate;binary' | md5sum
$L -b cn=cert,$T -s base | grep -o '^userCertificate[^:]*'"
t "bin add cert without ;binary" "$A <<X
dn: cn=cert2,$T
objectClass: inetOrgPerson
cn: cert2
sn: c
userCertificate:: $CERT
X
$L -b cn=cert2,$T -s base | grep -o '^userCertificate[^:]*'"
t "bin add garbage cert" "$A <<'X'
dn: cn=cert3,$T
objectClass: inetOrgPerson
cn: cert3
sn: c
userCertificate;binary:: AAECAwQF
X"
t "bin jpegPhoto;binary add" "$A <<'X'
dn: cn=jp,$T
objectClass: inetOrgPerson
cn: jp
sn: j
jpegPhoto;binary:: /9j/4AAQ
X"
t "bin jpegPhoto non-utf8 bytes" "$A <<'X'
dn: cn=jp2,$T
objectClass: inetOrgPerson
cn: jp2
sn: j
jpegPhoto:: /9j/4AAQSkZJRgABAQ==
audio:: AAEC/w==
X
$L -b cn=jp2,$T -s base jpegPhoto audio"
t "bin base64 utf8 description" "$A <<'X'
dn: cn=b64,$T
objectClass: person
cn: b64
sn: b
description:: w6l0w6k=
X
$L -b cn=b64,$T -s base description
$L -b $T '(description=été)' dn"
t "bin base64 invalid utf8 description" "$A <<'X'
dn: cn=b64bad,$T
objectClass: person
cn: b64bad
sn: b
description:: /w==
X"
t "bin base64 value with leading colon/lt" "$A <<'X'
dn: cn=b64odd,$T
objectClass: person
cn: b64odd
sn: b
description:: OmNvbG9u
description:: PGx0
description:: IHNwYWNl
X
$L -b cn=b64odd,$T -s base description"
# ---------------------------------------------------------------- large values / many values
t "big 100KB description add" "$A <<X
dn: cn=big,$T
objectClass: person
cn: big
sn: b
description: $(head -c 100000 /dev/zero | tr '\0' a)zzz
X
$L -o ldif-wrap=no -b cn=big,$T -s base description | md5sum"
t "big substring filter" "$L -b $T '(description=aaaa*zzz)' dn"
t "big equality filter" "$L -b $T '(description=$(head -c 100000 /dev/zero | tr '\0' a)zzz)' dn"
t "big compare" "$C cn=big,$T 'description:$(head -c 100000 /dev/zero | tr '\0' A)ZZZ'"
t "big replace 200KB" "{ printf 'dn: cn=big,$T\nchangetype: modify\nreplace: description\ndescription: '; head -c 200000 /dev/zero | tr '\0' b; printf '\n'; } | $MO
$L -o ldif-wrap=no -b cn=big,$T -s base description | wc -c"
t "many 1000 values add via modify" "$A <<'X'
dn: cn=many,$T
objectClass: person
cn: many
sn: m
X
{ printf 'dn: cn=many,$T\nchangetype: modify\nadd: description\n'; seq -f 'description: v%g' 1000; } | $MO
$L -b cn=many,$T -s base description | grep -c '^description:'"
t "many values order first/last" "$L -b cn=many,$T -s base description | sed -n '2p;1001p'"
t "many values filter one" "$L -b $T '(description=v777)' dn"
t "many values delete one" "$MO <<'X'
dn: cn=many,$T
changetype: modify
delete: description
description: V500
X
$L -b cn=many,$T -s base description | grep -c '^description:'
$L -b $T '(description=v500)' dn"
t "many values add existing among many" "$MO <<'X'
dn: cn=many,$T
changetype: modify
add: description
description: v1
description: v2000
X
$L -b cn=many,$T -s base description | grep -c '^description:'"
t "many values compare" "$C cn=many,$T description:v999
$C cn=many,$T description:v500"
t "many 1000 values at add time" "{ printf 'dn: cn=many2,$T\nobjectClass: person\ncn: many2\nsn: m\n'; seq -f 'description: w%g' 1000; } | $A
$L -b cn=many2,$T -s base description | grep -c '^description:'"
t "many values replace with one" "$MO <<'X'
dn: cn=many,$T
changetype: modify
replace: description
description: only
X
$L -b cn=many,$T -s base description
$L -b $T '(description=v1)' dn"

# ---------------------------------------------------------------- delete / re-add / index consistency
t "readd with different class" "$DEL cn=va,$T
$A <<'X'
dn: cn=va,$T
objectClass: device
cn: va
serialNumber: 42
X
$L -b $T '(objectClass=device)' dn
$L -b $T '(&(cn=va)(objectClass=person))' dn
$L -b cn=va,$T -s base"
t "replace uid then uid index" "$MO <<'X'
dn: cn=p2,$T
changetype: modify
replace: uid
uid: p2new
X
$L -b $T '(uid=p2new)' dn
$L -b $T '(uid=p2)' dn"
t "delete non-leaf in t8" "$DEL ou=dst,$T"
t "delete leaf then children scope" "$DEL 'cn=x1c+sn=X,ou=dst,$T'
$L -b ou=dst,$T -s children dn
$L -b ou=dst,$T -s base hasSubordinates"
t "final t8 dn list" "$L -b $T dn | grep '^dn' | sort"
echo "MATCH=$NMATCH DIFF=$NDIFF"
