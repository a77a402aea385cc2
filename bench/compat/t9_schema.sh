#!/usr/bin/env bash
# t9: schema violations (add/modify) with exact texts, operational attributes, DIT rules
# (parent/leaf/alias/moddn), search limits, root DSE / subschema attribute lists, typesOnly.
# All writes go to ou=t9,ou=sandbox (created here). Run after ./setup.sh with NT0=1400.
. "$(dirname "$0")/lib.sh"
L="ldapsearch -x -LLL -H \$URL"
LF="ldapsearch -x -H \$URL"
LA="ldapsearch -x -LLL -H \$URL $ADM"
LU="ldapsearch -x -LLL -H \$URL -D uid=alice,ou=people,$B -w pw"
LUF="ldapsearch -x -H \$URL -D uid=alice,ou=people,$B -w pw"
A="ldapadd -x -H \$URL $ADM"
MO="ldapmodify -x -H \$URL $ADM"
MR="ldapmodrdn -x -H \$URL $ADM"
DEL="ldapdelete -x -H \$URL $ADM"
C="ldapcompare -x -H \$URL"
SB=ou=sandbox,$B
T=ou=t9,$SB
# show a value that norm() would otherwise drop (these values must not differ)
SHOW="sed 's/^/| /'"
# mask digits / hex digits to compare only the format of generated values
FMT="perl -pe 's/(?<=: )(.*)/(\$x=\$1)=~tr#0-9a-f#x#r/e'"
# pre-clean (only relevant if re-run without ./setup.sh)
for u in $S $M; do ldapdelete -x -H $u $ADM -r $T >/dev/null 2>&1; done

# add one entry under $T: AD label rdn body
AD() { t "$1" "$A <<'X'
dn: $2,$T
$3
X"; }
# modify: MD label dn body [follow-up command]
MD() { t "$1" "$MO <<'X'
dn: $2
changetype: modify
$3
X${4:+
$4}"; }

# ================================================================ setup
t "setup t9 tree" "$A <<'X'
dn: $T
objectClass: organizationalUnit
ou: t9

dn: cn=leaf,$T
objectClass: person
cn: leaf
sn: Leaf

dn: cn=al,$T
objectClass: alias
objectClass: extensibleObject
cn: al
aliasedObjectName: cn=leaf,$T

dn: ou=par,$T
objectClass: organizationalUnit
ou: par

dn: ou=kid,ou=par,$T
objectClass: organizationalUnit
ou: kid

dn: ou=grand,ou=kid,ou=par,$T
objectClass: organizationalUnit
ou: grand

dn: cn=m1,$T
objectClass: inetOrgPerson
cn: m1
sn: Em
mail: m1@example.com
employeeNumber: 1

dn: cn=m2,$T
objectClass: top
objectClass: person
objectClass: organizationalPerson
objectClass: inetOrgPerson
cn: m2
sn: Em2

dn: cn=px,$T
objectClass: inetOrgPerson
objectClass: posixAccount
objectClass: shadowAccount
cn: px
sn: Px
uid: px
uidNumber: 7001
gidNumber: 700
homeDirectory: /home/px
shadowLastChange: 19000

dn: ou=mo,$T
objectClass: organizationalUnit
ou: mo

dn: ou=mustou,$T
objectClass: organizationalUnit
ou: mustou

dn: cn=onecn,$T
objectClass: inetOrgPerson
cn: onecn
sn: One
uid: onecn

dn: cn=twocn,$T
objectClass: inetOrgPerson
cn: twocn
cn: second cn
sn: Two
uid: twocn

dn: c=DE,$T
objectClass: country
c: DE

dn: cn=mvme,$T
objectClass: person
cn: mvme
sn: Mv

dn: cn=dev,$T
objectClass: device
cn: dev
serialNumber: 42
X"

# ================================================================ add: schema violations
AD "add missing three posix MUSTs" "cn=np" "objectClass: inetOrgPerson
objectClass: posixAccount
cn: np
sn: x
uid: np"
AD "add groupOfNames without member" "cn=g0" "objectClass: groupOfNames
cn: g0"
AD "add ou entry named by cn missing ou" "cn=ouc" "objectClass: organizationalUnit
cn: ouc"
AD "add only top" "cn=onlytop" "objectClass: top
cn: onlytop"
AD "add top + auxiliary shadowAccount" "uid=shtop" "objectClass: top
objectClass: shadowAccount
uid: shtop"
AD "add two structural inetOrgPerson+account" "uid=twos1" "objectClass: inetOrgPerson
objectClass: account
uid: twos1
cn: twos1
sn: x"
AD "add two structural organization+ou" "o=twos2" "objectClass: organization
objectClass: organizationalUnit
o: twos2
ou: twos2"
AD "add alias with cn not allowed" "cn=al2" "objectClass: alias
cn: al2
aliasedObjectName: cn=leaf,$T"
AD "add unknown oc beside structural" "cn=unkoc" "objectClass: person
objectClass: fooClassXyz
cn: unkoc
sn: x"
AD "add empty objectClass value" "cn=emptyoc" "objectClass: person
objectClass:
cn: emptyoc
sn: x"
t "add full chain explicit then read" "$A <<'X'
dn: cn=chain,$T
objectClass: top
objectClass: person
objectClass: organizationalPerson
objectClass: inetOrgPerson
cn: chain
sn: x
X
$L -b cn=chain,$T -s base objectClass structuralObjectClass | $SHOW"
t "add oc by OID only then read" "$A <<'X'
dn: cn=ocoid,$T
objectClass: 2.5.6.6
cn: ocoid
sn: x
X
$L -b cn=ocoid,$T -s base objectClass structuralObjectClass | $SHOW"
# ---- single-valued on add
AD "add preferredLanguage twice" "cn=sv1" "objectClass: inetOrgPerson
cn: sv1
sn: x
preferredLanguage: en
preferredLanguage: de"
AD "add gidNumber two values" "uid=sv3" "objectClass: account
objectClass: posixAccount
uid: sv3
cn: sv3
uidNumber: 1
gidNumber: 1
gidNumber: 2
homeDirectory: /"
# ---- syntax violations on add
PX="objectClass: account
objectClass: posixAccount
cn: x
gidNumber: 1
homeDirectory: /"
AD "syntax INTEGER 1.5" "uid=i1" "$PX
uid: i1
uidNumber: 1.5"
AD "syntax INTEGER leading space (b64)" "uid=i2" "$PX
uid: i2
uidNumber:: IDEy"
AD "syntax INTEGER plus sign" "uid=i3" "$PX
uid: i3
uidNumber: +5"
AD "syntax INTEGER leading zeros" "uid=i5" "$PX
uid: i5
uidNumber: 007"
AD "syntax INTEGER empty" "uid=i7" "$PX
uid: i7
uidNumber:"
AD "syntax telephone with @" "cn=tel1" "objectClass: person
cn: tel1
sn: x
telephoneNumber: call me@home"
AD "syntax telephone 8-bit" "cn=tel3" "objectClass: person
cn: tel3
sn: x
telephoneNumber: +49 ☎ 123"
AD "syntax IA5 homeDirectory 8-bit" "uid=ia1" "objectClass: account
objectClass: posixAccount
uid: ia1
cn: x
uidNumber: 1
gidNumber: 1
homeDirectory: /home/jürgen"
AD "syntax IA5 mail 8-bit b64 latin1" "cn=ia3" "objectClass: inetOrgPerson
cn: ia3
sn: x
mail:: /GJlckBleGFtcGxlLmNvbQ=="
AD "syntax Printable serialNumber underscore" "cn=pr1" "objectClass: device
cn: pr1
serialNumber: SN_1"
AD "syntax Numeric x121Address letters" "cn=nu1" "objectClass: organizationalPerson
cn: nu1
sn: x
x121Address: 12a"
AD "syntax DN seeAlso empty-value rdn" "cn=dn1" "objectClass: person
cn: dn1
sn: x
seeAlso: cn="
AD "syntax DN manager double comma" "cn=dn2" "objectClass: inetOrgPerson
cn: dn2
sn: x
manager: uid=a,,dc=x"
AD "syntax DN owner missing type" "cn=dn3" "objectClass: groupOfNames
cn: dn3
member: cn=leaf,$T
owner: =x"
t "syntax DN seeAlso empty DN" "$A <<'X'
dn: cn=dn4,$T
objectClass: person
cn: dn4
sn: x
seeAlso:
X
$L -b cn=dn4,$T -s base seeAlso"
AD "syntax DN member unknown attr type" "cn=dn5" "objectClass: groupOfNames
cn: dn5
member: fooBarType=x,dc=example,dc=com"
AD "syntax OID words" "cn=oid1" "objectClass: person
objectClass: extensibleObject
cn: oid1
sn: x
supportedApplicationContext: not an oid"
t "syntax postalAddress valid" "$A <<'X'
dn: cn=pa1,$T
objectClass: organizationalPerson
cn: pa1
sn: x
postalAddress: 1 Main St\$Springfield\$US
X
$L -b cn=pa1,$T -s base postalAddress"
AD "syntax postalAddress bad escape" "cn=pa2" "objectClass: organizationalPerson
cn: pa2
sn: x
postalAddress: a\\xz\$b"
AD "syntax postalAddress empty line" "cn=pa3" "objectClass: organizationalPerson
cn: pa3
sn: x
postalAddress: a\$\$b"
AD "syntax country three letters" "c=USA" "objectClass: country
c: USA"
t "syntax country lowercase" "$A <<'X'
dn: c=us,$T
objectClass: country
c: us
X
$L -b $T '(objectClass=country)' dn c"
AD "empty sn value" "cn=e1" "objectClass: person
cn: e1
sn:"
t "empty mail (IA5) value" "$A <<'X'
dn: cn=e2,$T
objectClass: inetOrgPerson
cn: e2
sn: x
mail:
X
$L -b cn=e2,$T -s base mail"
t "cn and commonName different values" "$A <<'X'
dn: cn=tw1,$T
objectClass: person
cn: tw1
commonName: other name
sn: x
X
$L -b cn=tw1,$T -s base cn"
AD "cn and commonName same value" "cn=tw2" "objectClass: person
cn: tw2
commonName: TW2
sn: x"
AD "displayName via two names (single-valued)" "cn=tw4" "objectClass: inetOrgPerson
cn: tw4
sn: x
displayName: one
2.16.840.1.113730.3.1.241: two"

# ================================================================ modify: schema violations
M1=cn=m1,$T
MD "mod replace oc to other chain (account)" "$M1" "replace: objectClass
objectClass: account"
MD "mod replace oc to top only" "$M1" "replace: objectClass
objectClass: top"
MD "mod replace oc to aux only" "$M1" "replace: objectClass
objectClass: posixAccount"
MD "mod replace oc to superclass (mail not allowed)" "$M1" "replace: objectClass
objectClass: organizationalPerson"
MD "mod delete only structural of ou" "ou=mo,$T" "delete: objectClass
objectClass: organizationalUnit"
MD "mod delete structural keeping explicit supers" "cn=m2,$T" "delete: objectClass
objectClass: inetOrgPerson" "$L -b cn=m2,$T -s base objectClass structuralObjectClass | $SHOW"
MD "mod delete shadowAccount keeping shadowLastChange" "cn=px,$T" "delete: objectClass
objectClass: shadowAccount"
MD "mod replace sn with nothing (MUST)" "$M1" "replace: sn"
MD "mod delete all sn values by value" "$M1" "delete: sn
sn: EM"
MD "mod replace employeeNumber two values" "$M1" "replace: employeeNumber
employeeNumber: 2
employeeNumber: 3"
MD "mod add second employeeNumber" "$M1" "add: employeeNumber
employeeNumber: 2"
MD "mod add two preferredLanguage absent" "$M1" "add: preferredLanguage
preferredLanguage: en
preferredLanguage: fr"
MD "mod replace uidNumber 1.0" "cn=px,$T" "replace: uidNumber
uidNumber: 1.0"
MD "mod add telephone with @" "$M1" "add: telephoneNumber
telephoneNumber: 555@1"
MD "mod replace homeDirectory 8-bit" "cn=px,$T" "replace: homeDirectory
homeDirectory: /home/pé"
MD "mod replace seeAlso bad DN" "$M1" "replace: seeAlso
seeAlso: cn=a,,dc=b"
MD "mod add c three letters on country" "c=DE,$T" "replace: c
c: DEU"
MD "mod add empty description" "$M1" "add: description
description:"
MD "mod replace mail empty value" "$M1" "replace: mail
mail:" "$L -b $M1 -s base mail"
MD "mod add same value under cn and commonName" "$M1" "add: cn
cn: extra
-
add: commonName
commonName: EXTRA"
MD "mod add attr not allowed after oc delete in same op" "$M1" "delete: objectClass
objectClass: inetOrgPerson
-
add: objectClass
objectClass: person"

# ================================================================ operational attributes
OPADD() { AD "op add $1" "cn=op$1" "objectClass: person
cn: op$1
sn: x
$1: $2"; }
OPADD createTimestamp 20200101000000Z
OPADD creatorsName "cn=admin,$B"
OPADD modifiersName "cn=admin,$B"
OPADD structuralObjectClass person
OPADD entryDN "cn=opentryDN,$T"
OPADD hasSubordinates FALSE
OPADD subschemaSubentry cn=Subschema
OPADD entryCSN "20200101000000.000000Z#000000#000#000000"
MD "op mod add entryUUID" "$M1" "add: entryUUID
entryUUID: 01234567-89ab-cdef-0123-456789abcdef"
MD "op mod delete entryUUID" "$M1" "delete: entryUUID"
MD "op mod replace creatorsName" "$M1" "replace: creatorsName
creatorsName: cn=someone"
MD "op mod delete modifiersName" "$M1" "delete: modifiersName"
MD "op mod replace structuralObjectClass" "$M1" "replace: structuralObjectClass
structuralObjectClass: person"
MD "op mod add entryDN" "$M1" "add: entryDN
entryDN: cn=x"
MD "op mod replace hasSubordinates" "$M1" "replace: hasSubordinates
hasSubordinates: TRUE"
MD "op mod delete subschemaSubentry" "$M1" "delete: subschemaSubentry"
MD "op mod replace entryCSN" "$M1" "replace: entryCSN
entryCSN: 20200101000000.000000Z#000000#000#000000"
MD "op mod delete createTimestamp" "$M1" "delete: createTimestamp"
MD "op mod replace modifyTimestamp" "$M1" "replace: modifyTimestamp
modifyTimestamp: 20200101000000Z"
t "op relax add createTimestamp" "$A -e '!relax' <<'X'
dn: cn=oprelax,$T
objectClass: person
cn: oprelax
sn: x
createTimestamp: 20200101000000Z
X
$L -b cn=oprelax,$T -s base createTimestamp | $SHOW"
t "op relax add bad createTimestamp" "$A -e '!relax' <<'X'
dn: cn=oprelax2,$T
objectClass: person
cn: oprelax2
sn: x
createTimestamp: yesterday
X"
t "op plus names on created entry" "$L -b $M1 -s base '+' | sed 's/:.*//' | sort"
t "op plus names on parent ou" "$L -b $T -s base '+' | sed 's/:.*//' | sort"
t "op values comparable" "$L -b $T -s base structuralObjectClass hasSubordinates entryDN subschemaSubentry creatorsName modifiersName | $SHOW"
t "op timestamp formats" "$L -b cn=leaf,$T -s base createTimestamp modifyTimestamp entryCSN entryUUID | $SHOW | $FMT"
t "op modifiersName after root modify" "$MO <<'X' >/dev/null
dn: cn=leaf,$T
changetype: modify
replace: description
description: touched
X
$L -b cn=leaf,$T -s base modifiersName creatorsName | $SHOW"
t "op typesOnly plus" "$L -A -b cn=leaf,$T -s base '+' | sort"
t "op compare hasSubordinates bad Boolean" "$C ou=par,$T hasSubordinates:yes"
t "op compare hasSubordinates lowercase" "$C ou=par,$T hasSubordinates:true"
t "op compare createTimestamp bad GeneralizedTime" "$C ou=par,$T createTimestamp:notatime"
t "op filter createTimestamp bad value" "$LF -b $T -s base '(createTimestamp>=yesterday)' dn"
t "op filter hasSubordinates bad value" "$LF -b $T -s base '(hasSubordinates=maybe)' dn"
# ================================================================ DIT rules
t "dit add under nonexistent deep" "$A <<'X'
dn: cn=a,cn=b,cn=nosuch,$T
objectClass: person
cn: a
sn: x
X"
t "dit add under alias" "$A <<'X'
dn: cn=ua,cn=al,$T
objectClass: person
cn: ua
sn: x
X"
t "dit add under alias with -M" "$A -M <<'X'
dn: cn=ua2,cn=al,$T
objectClass: person
cn: ua2
sn: x
X"
t "dit add under leaf person" "$A <<'X'
dn: cn=child,cn=leaf,$T
objectClass: person
cn: child
sn: x
X
$L -b cn=leaf,$T -s one dn
$L -b cn=leaf,$T -s base hasSubordinates | $SHOW"
t "dit delete non-leaf leaf-person" "$DEL cn=leaf,$T"
t "dit delete nonexistent under leaf" "$DEL cn=x,cn=child,cn=leaf,$T"
t "dit modrdn newSuperior nonexistent deep" "$MR -s cn=a,cn=nosuch,$T ou=mustou,$T ou=x"
t "dit modrdn newSuperior itself" "$MR -s ou=par,$T ou=par,$T ou=par2"
t "dit modrdn newSuperior own child" "$MR -s ou=kid,ou=par,$T ou=par,$T ou=par"
t "dit modrdn newSuperior own grandchild" "$MR -s ou=grand,ou=kid,ou=par,$T ou=par,$T ou=par3"
t "dit modrdn newSuperior outside suffix" "$MR -s dc=other,dc=org ou=mustou,$T ou=x"
t "dit modrdn newSuperior onto leaf person" "$MR -s cn=m2,$T ou=grand,ou=kid,ou=par,$T ou=grand
$L -b $T '(ou=grand)' dn"
t "dit modrdn -r drops MUST ou" "$MR -r ou=mustou,$T description=mustou"
t "dit modrdn -r drops single cn (MUST)" "$MR -r cn=onecn,$T uid=onecn"
t "dit modrdn -r cn with other value left ok" "$MR -r cn=twocn,$T uid=twocn
$L -b $T '(uid=twocn)' dn cn uid"
t "dit modrdn onto existing sibling" "$MR cn=m2,$T cn=onecn"
t "dit modrdn onto existing via newSuperior" "$MR -s $T ou=kid,ou=par,$T ou=mo"
t "dit modrdn nonexistent deep (matchedDN)" "$MR cn=x,cn=y,ou=par,$T cn=z"
t "dit modrdn newSuperior is alias" "$MR -s cn=al,$T cn=mvme,$T cn=mvme"
t "dit modrdn newrdn attr not in any class -r" "$MR -r cn=dev,$T serialNumber=42
$L -b $T '(objectClass=device)' dn cn serialNumber"
# ================================================================ search limits
t "lim -z 1 anon many" "$LF -b ou=people,$B -s one -z 1 '(objectClass=*)' dn | grep -v '^# '"
t "lim -z 1 bound user many" "$LUF -b ou=people,$B -s one -z 1 '(objectClass=*)' dn | grep -v '^# '"
t "lim -z 1 root many" "ldapsearch -x -H \$URL $ADM -b ou=people,$B -s one -z 1 '(objectClass=*)' dn | grep -v '^# '"
t "lim -z 1 typesOnly" "$L -A -b ou=groups,$B -s one -z 1 '(cn=staff)'"
t "lim -z 0 anon count" "$L -b ou=people,$B -z 0 dn | grep -c '^dn:'"
t "lim -z 0 bound count" "$LU -b ou=people,$B -z 0 dn | grep -c '^dn:'"
t "lim -l 1 anon" "$LF -b ou=groups,$B -s one -l 1 dn | grep -v '^# '"
t "lim -l 0" "$L -b $B -l 0 '(uid=bob)' dn"
t "lim -z 1 -l 1 combined" "$LF -b ou=people,$B -z 1 -l 1 '(uid=*)' dn | tail -4"
t "lim base nonexistent under leaf anon" "$LF -b uid=x,uid=alice,ou=people,$B -s base dn"
t "lim base nonexistent under leaf bound" "$LUF -b uid=x,uid=alice,ou=people,$B -s base dn"
t "lim one nonexistent" "$LF -b cn=nope,ou=groups,$B -s one dn"
t "lim sub nonexistent deep" "$LF -b cn=a,cn=b,cn=nope,ou=groups,$B -s sub dn"
# ---- root DSE
t "dse supportedLDAPVersion" "$L -b '' -s base supportedLDAPVersion"
t "dse namingContexts" "$L -b '' -s base namingContexts"
t "dse objectClass" "$L -b '' -s base objectClass"
t "dse typesOnly plus" "$L -A -b '' -s base '+' | sort"
t "dse star plus names" "$L -b '' -s base '*' '+' | sed 's/:.*//' | sort -u"
t "dse subschemaSubentry" "$L -b '' -s base subschemaSubentry | $SHOW"
t "dse structuralObjectClass entryDN" "$L -b '' -s base structuralObjectClass entryDN hasSubordinates | $SHOW"
t "dse supportedExtension whoami+passwd" "$L -b '' -s base supportedExtension | grep -E '4203.1.11.(1|3)' | sort"
t "dse filter nomatch non-LLL" "$LF -b '' -s base '(cn=x)'"
# ---- subschema
t "ss plus names" "$L -o ldif-wrap=no -b cn=Subschema -s base '+' | sed 's/:.*//' | sort -u"
t "ss star+plus names" "$L -o ldif-wrap=no -b cn=Subschema -s base '*' '+' | sed 's/:.*//' | sort -u"
t "ss cn objectClass" "$L -b cn=Subschema -s base cn objectClass"
t "ss ops values" "$L -b cn=Subschema -s base structuralObjectClass subschemaSubentry entryDN | $SHOW"
t "ss attributeTypes count" "$L -b cn=Subschema -s base attributeTypes | grep -c '^attributeTypes:'"
t "ss matchingRuleUse count" "$L -b cn=Subschema -s base matchingRuleUse | grep -c '^matchingRuleUse:'"
t "ss dITContentRules nameForms" "$L -b cn=Subschema -s base dITContentRules nameForms dITStructureRules"
t "ss oc person" "$L -o ldif-wrap=no -b cn=Subschema -s base objectClasses | grep \"NAME 'person'\""
t "ss oc posixAccount" "$L -o ldif-wrap=no -b cn=Subschema -s base objectClasses | grep \"NAME 'posixAccount'\""
t "ss oc top and extensibleObject" "$L -o ldif-wrap=no -b cn=Subschema -s base objectClasses | grep -E \"NAME '(top|extensibleObject|alias)'\""
t "ss at uidNumber" "$L -o ldif-wrap=no -b cn=Subschema -s base attributeTypes | grep \"NAME 'uidNumber'\""
t "ss at operational createTimestamp" "$L -o ldif-wrap=no -b cn=Subschema -s base attributeTypes | grep -E \"NAME '(createTimestamp|entryUUID|hasSubordinates)'\""
t "ss typesOnly" "$L -A -b cn=Subschema -s base | sort -u"
t "ss scope one" "$LF -b cn=Subschema -s one dn"
t "ss filter cn" "$L -b cn=Subschema -s base '(cn=subschema)' dn"
t "ss base uppercase" "$L -b CN=SUBSCHEMA -s base dn"
# ---- typesOnly on various
t "A jpegPhoto entry" "$L -A -b uid=zoe,ou=people,$B -s base"
t "A group non-LLL" "$LF -A -b cn=staff,ou=groups,$B -s base"
t "A userPassword anon" "$L -A -b uid=bob,ou=people,$B -s base userPassword cn"
t "A userPassword self" "$LU -A -b uid=alice,ou=people,$B -s base userPassword"
# ================================================================ suffix / root (last: may change tree)
t "dit modrdn root DSE" "$MR '' cn=x"
t "dit delete cn=Subschema" "$DEL cn=Subschema"
t "dit modrdn suffix entry" "$MR $B dc=example2
$L -b $B -s base dn"
t "dit modrdn suffix entry -r" "$MR -r $B dc=example2
$L -b $B -s base dn"
echo "MATCH=$NMATCH DIFF=$NDIFF"
