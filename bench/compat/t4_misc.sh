#!/usr/bin/env bash
. "$(dirname "$0")/lib.sh"
L="ldapsearch -x -LLL -H \$URL"
LA="ldapsearch -x -LLL -H \$URL $ADM"
A="ldapadd -x -H \$URL $ADM"
MO="ldapmodify -x -H \$URL $ADM"
SB=ou=sandbox,$B
s() { t "f: $1" "ldapsearch -x -LLL -H \$URL -b $B '$1' ${2:-dn}"; }
s '(mail>=m)'
s '(cn>=M)'
s '(cn<=B)'
s '(uidNumber=1*)'
s '(member=*alice*)'
s '(mail~=alice@example.com)'
s '(jpegPhoto=abc)'
s '(!(jpegPhoto=abc))'
s '(objectClass=inetorgperson)'
s '(!(uidNumber>=abc))'
s '(uidNumber=abc)'
s '(!(uidNumber=abc))'
s '(|(uidNumber=abc)(uid=alice))'
s '(!(|(uidNumber=abc)(uid=alice)))'
s '(!(nosuchattr=*))'
s '(!(cn:badrule:=x))'
s '(homeDirectory=/HOME/ALICE)'
s '(homeDirectory=/home/alice)'
s '(memberUid=ALICE)'
s '(mail=EVE@example.com)'
s '(givenName=zoe)'
s '(cn=zo*)'
s '(cn=Zoë*)'
s '(telephoneNumber=+44207946*)'
s '(description=  Engineer  )'
s '(cn=alice  smith)'
s '(cn= Alice Smith)'
s '(sn=*)' "'sn;x-foo'"
s '(employeeType=*time)'
s '(preferredLanguage=RU)'
s '(c=us)'
s '(objectClass=alias)'
s '(entryUUID=*)'
s '(modifyTimestamp>=20000101000000Z)'
s '(createTimestamp<=20000101000000Z)'
s '(hasSubordinates=*)'
s '(uniqueMember=cn=nobody)'
s '(roleOccupant=uid=dave,ou=people,dc=example,dc=com)'
s '(gidNumber>=200)'
s '(uidNumber>=-5)'
s '(uidNumber<=+1001)'
s '(uidNumber=1001 )'
t "monitor" "$L -b cn=monitor -s base dn"
t "config anon" "$L -b cn=config -s base dn"
t "config root" "$LA -b cn=config -s base dn"
t "children of root DSE" "$L -b '' -s children dn"
t "alias deref never" "$L -b $SB -a never '(cn=alias1)' dn"
t "alias deref search" "$L -b $SB -a search '(uid=alice)' dn"
t "alias deref always base" "$L -b cn=alias1,$SB -a always -s base dn"
t "alias deref find base" "$L -b cn=alias1,$SB -a find -s base dn"
t "assert control ok" "$MO -e 'assert=(sn=Person)' <<'X'
dn: cn=Plain Person,ou=people,$B
changetype: modify
replace: description
description: asserted
X"
t "assert control fail" "$MO -e '!assert=(sn=Nope)' <<'X'
dn: cn=Plain Person,ou=people,$B
changetype: modify
replace: description
description: asserted2
X"
t "assert control search" "ldapsearch -x -H \$URL -b uid=alice,ou=people,$B -s base -E '!assert=(sn=Nope)' dn"
t "preread" "$MO -e preread=description <<'X'
dn: cn=Plain Person,ou=people,$B
changetype: modify
replace: description
description: pre
X"
t "postread" "$MO -e postread=description <<'X'
dn: cn=Plain Person,ou=people,$B
changetype: modify
replace: description
description: post
X"
t "noop control" "$MO -e '!noop' <<'X'
dn: cn=Plain Person,ou=people,$B
changetype: modify
replace: description
description: noop
X"
t "relax control" "$MO -e '!relax' <<'X'
dn: cn=Plain Person,ou=people,$B
changetype: modify
replace: description
description: relax
X"
t "proxyauthz" "ldapsearch -x -H \$URL $ADM -e '!authzid=dn:uid=alice,ou=people,$B' -b uid=alice,ou=people,$B -s base dn"
t "manageDSAit modify" "$MO -M <<'X'
dn: cn=Plain Person,ou=people,$B
changetype: modify
replace: description
description: mdsait
X"
t "exop unknown" "ldapexop -x -H \$URL 1.2.3.4"
t "exop whoami" "ldapexop -x -H \$URL whoami"
t "exop cancel" "ldapexop -x -H \$URL cancel 1"
t "exop refresh" "ldapexop -x -H \$URL $ADM refresh cn=Plain\ Person,ou=people,$B 100"
t "starttls" "ldapsearch -x -ZZ -H \$URL -b $B -s base dn"
t "starttls soft" "ldapsearch -x -Z -H \$URL -b $B -s base dn"
t "tags add" "$A <<'X'
dn: cn=tagged,$SB
objectClass: person
cn: tagged
sn: x
description;lang-fr: Bonjour
description;lang-en: Hello
description: plain
X
$L -b cn=tagged,$SB -s base
$L -b cn=tagged,$SB -s base 'description;lang-fr'
$L -b $SB '(description;lang-en=hello)' dn
$L -b $SB '(description=hello)' dn"
t "binary option add" "$A <<'X'
dn: cn=bin,$SB
objectClass: person
cn: bin
sn: x
userCertificate;binary:: MAA=
X"
t "dn pretty on add" "$A <<'X'
dn: CN=Spacey  Name , OU=Sandbox, DC=Example,DC=com
objectClass: person
cn: Spacey  Name
sn: x
seeAlso: UID=Alice , OU=People,dc=example,dc=com
X
$L -b $SB '(sn=x)' dn seeAlso"
t "dn pretty escaped" "$A <<'X'
dn: cn=a\\2Bb\\3Dc\\\"q\\3C,$SB
objectClass: person
cn: a+b=c\"q<
sn: esc
X
$L -b $SB '(sn=esc)' dn cn"
t "leading/trailing spaces value" "$A <<'X'
dn: cn=spaces,$SB
objectClass: person
cn: spaces
sn: x
description:: ICBwYWRkZWQgIA==
X
$L -b cn=spaces,$SB -s base description
$L -b $SB '(description=padded)' dn"
t "modrdn case-only" "ldapmodrdn -x -H \$URL $ADM uid=walter,ou=people,$B uid=WALTER
$L -b ou=people,$B '(sn=White)' dn uid"
t "modrdn case-only -r" "ldapmodrdn -x -H \$URL $ADM -r uid=WALTER,ou=people,$B uid=Walter
$L -b ou=people,$B '(sn=White)' dn uid"
t "modrdn to existing value different case" "ldapmodrdn -x -H \$URL $ADM uid=victor,ou=people,$B cn=VICTOR
$L -b ou=people,$B '(sn=Hugo)' dn cn uid"
t "mod add oc dup case" "$MO <<'X'
dn: uid=peggy,ou=people,$B
changetype: modify
add: objectClass
objectClass: INETORGPERSON
X"
t "mod add oc person (superclass) explicit" "$MO <<'X'
dn: uid=peggy,ou=people,$B
changetype: modify
add: objectClass
objectClass: person
X
$L -b uid=peggy,ou=people,$B -s base objectClass"
t "mod delete oc superclass" "$MO <<'X'
dn: uid=peggy,ou=people,$B
changetype: modify
delete: objectClass
objectClass: person
X
$L -b uid=peggy,ou=people,$B -s base objectClass"
t "mod replace structural oc" "$MO <<'X'
dn: uid=peggy,ou=people,$B
changetype: modify
replace: objectClass
objectClass: person
X"
t "mod change structural chain" "$MO <<'X'
dn: cn=Plain Person,ou=people,$B
changetype: modify
add: objectClass
objectClass: inetOrgPerson
X
$L -b 'cn=Plain Person,ou=people,$B' -s base objectClass"
t "mod empty modlist" "$MO <<'X'
dn: uid=peggy,ou=people,$B
changetype: modify
X"
t "mod delete value with different spacing" "$MO <<'X'
dn: uid=peggy,ou=people,$B
changetype: modify
delete: telephoneNumber
telephoneNumber: +15551239999
X
$L -b uid=peggy,ou=people,$B -s base telephoneNumber"
t "mod delete member dn other case" "$MO <<'X'
dn: cn=staff,ou=groups,$B
changetype: modify
delete: member
member: UID=BOB, OU=PEOPLE,DC=EXAMPLE,DC=COM
X
$L -b cn=staff,ou=groups,$B -s base member"
t "mod delete last member" "$MO <<'X'
dn: cn=admins,ou=groups,$B
changetype: modify
delete: member
X"
t "sizelimit root vs anon" "ldapsearch -x -H \$URL $ADM -b $B -z 2 dn | tail -4"
t "sizelimit 0" "$L -b $B -z 0 dn | grep -c dn:"
t "modify rootDSE" "$MO <<'X'
dn:
changetype: modify
replace: description
description: x
X"
t "modify subschema" "$MO <<'X'
dn: cn=Subschema
changetype: modify
add: objectClasses
objectClasses: ( 1.2.3.4.5.6 NAME 'foo' SUP top AUXILIARY )
X"
t "delete root DSE" "ldapdelete -x -H \$URL $ADM ''"
t "add suffix again" "$A <<'X'
dn: $B
objectClass: dcObject
objectClass: organization
dc: example
o: x
X"
t "add entry under alias" "$A <<'X'
dn: cn=undera,cn=alias1,$SB
objectClass: person
cn: undera
sn: x
X"
t "search base is alias child" "$L -b cn=x,cn=alias1,$SB dn"
t "ldapmodify add via changetype add + existing 68 continue" "$MO -c <<'X'
dn: uid=alice,ou=people,$B
changetype: add
objectClass: person
cn: a
sn: b

dn: cn=c2,$SB
changetype: add
objectClass: person
cn: c2
sn: x
X"
t "ldapdelete list" "ldapdelete -x -H \$URL $ADM -c cn=c2,$SB cn=nosuch,$SB cn=tagged,$SB"
# Which refusal comes first: subschema, naming context, binding, then types the server keeps.
t "modify subschema description" "$MO <<'X'
dn: cn=Subschema
changetype: modify
replace: description
description: x
X"
t "add subschema" "$A <<'X'
dn: cn=Subschema
objectClass: subentry
cn: Subschema
X"
t "modrdn subschema anon" "ldapmodrdn -x -H \$URL cn=Subschema cn=foo"
t "add createTimestamp outside suffix" "$A <<'X'
dn: uid=new,o=nowhere
objectClass: account
uid: new
createTimestamp: 20200101000000Z
X"
t "anon modify createTimestamp" "ldapmodify -x -H \$URL <<'X'
dn: $B
changetype: modify
add: createTimestamp
createTimestamp: 20200101000000Z
X"
# Attribute options slapd does not know without configuration.
t "modify add unknown option" "$MO <<'X'
dn: $B
changetype: modify
add: description;x-foo
description;x-foo: x
X"
t "modify add binary on a text type" "$MO <<'X'
dn: $B
changetype: modify
add: description;binary
description;binary: x
X"
t "compare unknown option" "ldapcompare -x -H \$URL $ADM $B 'o;x-foo:x'"
s '(!(o;x-foo=*))' dn
t "cancel no value" "ldapexop -x -H \$URL 1.3.6.1.1.8"
t "cancel empty sequence" "ldapexop -x -H \$URL 1.3.6.1.1.8::MAA="
t "assert control without value" "ldapsearch -x -LLL -H \$URL -e '!assert=(cn=' -b $B -s base dn"
t "add root DSE" "$A <<'X'
dn:
objectClass: organizationalRole
cn: a2
X"
t "add subschema undefined type" "$A <<'X'
dn: cn=Subschema
objectClass: top
fooBar: x
X"
t "modify root DSE bad value" "$MO <<'X'
dn:
changetype: modify
add: uidNumber
uidNumber: abc
X"
t "modify root DSE undefined type" "$MO <<'X'
dn:
changetype: modify
add: fooBar
fooBar: x
X"
t "compare unknown class" "ldapcompare -x -H \$URL $B 'objectClass:nosuchclass'"
t "compare bad telephone" "ldapcompare -x -H \$URL uid=alice,ou=people,$B 'telephoneNumber:abc_'"
echo "MATCH=$NMATCH DIFF=$NDIFF"
