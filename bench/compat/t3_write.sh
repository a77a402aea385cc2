#!/usr/bin/env bash
. "$(dirname "$0")/lib.sh"
A="ldapadd -x -H \$URL $ADM"
MO="ldapmodify -x -H \$URL $ADM"
L="ldapsearch -x -LLL -H \$URL $ADM"
SB=ou=sandbox,$B
# --- adds
t "add ok" "$A <<'X'
dn: cn=new1,$SB
objectClass: inetOrgPerson
cn: new1
sn: One
mail: new1@example.com
X"
t "add ok show" "$L -b cn=new1,$SB -s base"
t "add dup 68" "$A <<'X'
dn: cn=new1,$SB
objectClass: inetOrgPerson
cn: new1
sn: One
X"
t "add dup different case 68" "$A <<'X'
dn: CN=NEW1,OU=Sandbox,dc=example,dc=com
objectClass: inetOrgPerson
cn: NEW1
sn: One
X"
t "add missing MUST sn 65" "$A <<'X'
dn: cn=nosn,$SB
objectClass: inetOrgPerson
cn: nosn
X"
t "add unknown attr 17" "$A <<'X'
dn: cn=unk,$SB
objectClass: inetOrgPerson
cn: unk
sn: x
fooBar: baz
X"
t "add attr not allowed 65" "$A <<'X'
dn: cn=notallowed,$SB
objectClass: person
cn: notallowed
sn: x
mail: x@y
X"
t "add undefined oc" "$A <<'X'
dn: cn=badoc,$SB
objectClass: fooClass
cn: badoc
sn: x
X"
t "add no structural oc" "$A <<'X'
dn: cn=nostruct,$SB
objectClass: posixAccount
cn: nostruct
uid: nostruct
uidNumber: 1
gidNumber: 1
homeDirectory: /
X"
t "add two structural oc" "$A <<'X'
dn: cn=twostruct,$SB
objectClass: person
objectClass: organizationalUnit
cn: twostruct
sn: x
ou: y
X"
t "add no objectClass" "$A <<'X'
dn: cn=nooc,$SB
cn: nooc
sn: x
X"
t "add bad parent 32" "$A <<'X'
dn: cn=child,cn=nosuch,$SB
objectClass: person
cn: child
sn: x
X"
t "add bad parent deep 32" "$A <<'X'
dn: cn=child,cn=a,cn=b,ou=nosuch,$B
objectClass: person
cn: child
sn: x
X"
t "add outside suffix" "$A <<'X'
dn: cn=x,dc=other,dc=org
objectClass: person
cn: x
sn: x
X"
t "add rdn attr missing (added implicitly?)" "$A <<'X'
dn: cn=rdnmissing,$SB
objectClass: person
sn: x
X
$L -b cn=rdnmissing,$SB -s base"
t "add rdn value differs" "$A <<'X'
dn: cn=rdndiff,$SB
objectClass: person
cn: other
sn: x
X
$L -b cn=rdndiff,$SB -s base"
t "add invalid syntax integer" "$A <<'X'
dn: cn=badint,$SB
objectClass: inetOrgPerson
objectClass: posixAccount
cn: badint
sn: x
uid: badint
uidNumber: abc
gidNumber: 1
homeDirectory: /
X"
t "add single-valued twice" "$A <<'X'
dn: cn=sv,$SB
objectClass: inetOrgPerson
objectClass: posixAccount
cn: sv
sn: x
uid: sv
uidNumber: 1
uidNumber: 2
gidNumber: 1
homeDirectory: /
X"
t "add displayName twice" "$A <<'X'
dn: cn=dn2,$SB
objectClass: inetOrgPerson
cn: dn2
sn: x
displayName: a
displayName: b
X"
t "add duplicate values" "$A <<'X'
dn: cn=dupval,$SB
objectClass: inetOrgPerson
cn: dupval
sn: x
mail: a@b
mail: A@B
X"
t "add dup values exact" "$A <<'X'
dn: cn=dupval2,$SB
objectClass: inetOrgPerson
cn: dupval2
sn: x
description: a
description: a
X"
t "add bad mail IA5" "$A <<'X'
dn: cn=badmail,$SB
objectClass: inetOrgPerson
cn: badmail
sn: x
mail: zoë@example.com
X"
t "add operational attr" "$A <<'X'
dn: cn=opattr,$SB
objectClass: person
cn: opattr
sn: x
entryUUID: 01234567-89ab-cdef-0123-456789abcdef
X"
t "add dn attr invalid" "$A <<'X'
dn: cn=baddn,$SB
objectClass: groupOfNames
cn: baddn
member: not a dn
X"
t "add empty value" "$A <<'X'
dn: cn=emptyval,$SB
objectClass: person
cn: emptyval
sn: x
description:
X"
t "add with userPassword cleartext" "$A <<'X'
dn: uid=pwuser,$SB
objectClass: inetOrgPerson
uid: pwuser
cn: pw
sn: user
userPassword: plain
X"
t "add multi rdn" "$A <<'X'
dn: cn=m+sn=n,$SB
objectClass: person
cn: m
sn: n
X
$L -b $SB -s one '(sn=n)' dn"
t "add extensibleObject" "$A <<'X'
dn: cn=ext,$SB
objectClass: person
objectClass: extensibleObject
cn: ext
sn: x
mail: e@x
uidNumber: 5
X
$L -b cn=ext,$SB -s base"
t "add alias" "$A <<'X'
dn: cn=alias1,$SB
objectClass: alias
objectClass: extensibleObject
cn: alias1
aliasedObjectName: uid=alice,ou=people,$B
X"
t "add anon" "ldapadd -x -H \$URL <<'X'
dn: cn=anonadd,$SB
objectClass: person
cn: anonadd
sn: x
X"
t "add as user" "ldapadd -x -H \$URL -D uid=alice,ou=people,$B -w pw <<'X'
dn: cn=useradd,$SB
objectClass: person
cn: useradd
sn: x
X"
# --- modifies on new1
N=cn=new1,$SB
t "mod add value" "$MO <<'X'
dn: $N
changetype: modify
add: description
description: first
description: second
X
$L -b $N -s base description"
t "mod add existing value 20" "$MO <<'X'
dn: $N
changetype: modify
add: description
description: FIRST
X"
t "mod add dup in request" "$MO <<'X'
dn: $N
changetype: modify
add: description
description: third
description: third
X"
t "mod delete nonexistent value 16" "$MO <<'X'
dn: $N
changetype: modify
delete: description
description: nosuch
X"
t "mod delete nonexistent attr 16" "$MO <<'X'
dn: $N
changetype: modify
delete: telephoneNumber
X"
t "mod delete value case-insens" "$MO <<'X'
dn: $N
changetype: modify
delete: description
description: SECOND
X
$L -b $N -s base description"
t "mod replace" "$MO <<'X'
dn: $N
changetype: modify
replace: mail
mail: r1@example.com
mail: r2@example.com
X
$L -b $N -s base mail"
t "mod replace empty (delete attr)" "$MO <<'X'
dn: $N
changetype: modify
replace: mail
X
$L -b $N -s base mail"
t "mod replace nonexistent attr empty" "$MO <<'X'
dn: $N
changetype: modify
replace: telephoneNumber
X"
t "mod replace RDN attr (cn) dropping rdn value" "$MO <<'X'
dn: $N
changetype: modify
replace: cn
cn: notnew1
X"
t "mod delete RDN value" "$MO <<'X'
dn: $N
changetype: modify
delete: cn
cn: new1
X"
t "mod delete RDN attr" "$MO <<'X'
dn: $N
changetype: modify
delete: cn
X"
t "mod replace cn keeping rdn" "$MO <<'X'
dn: $N
changetype: modify
replace: cn
cn: new1
cn: New One
X
$L -b $N -s base cn"
t "mod delete MUST sn" "$MO <<'X'
dn: $N
changetype: modify
delete: sn
X"
t "mod delete objectClass structural" "$MO <<'X'
dn: $N
changetype: modify
delete: objectClass
objectClass: inetOrgPerson
X"
t "mod add oc posixAccount missing musts" "$MO <<'X'
dn: $N
changetype: modify
add: objectClass
objectClass: posixAccount
X"
t "mod add oc posixAccount with musts" "$MO <<'X'
dn: $N
changetype: modify
add: objectClass
objectClass: posixAccount
-
add: uid
uid: new1
-
add: uidNumber
uidNumber: 5000
-
add: gidNumber
gidNumber: 50
-
add: homeDirectory
homeDirectory: /home/new1
X
$L -b $N -s base objectClass uidNumber"
t "mod increment" "$MO <<'X'
dn: $N
changetype: modify
increment: uidNumber
uidNumber: 5
X
$L -b $N -s base uidNumber"
t "mod increment negative" "$MO <<'X'
dn: $N
changetype: modify
increment: uidNumber
uidNumber: -10
X
$L -b $N -s base uidNumber"
t "mod increment non-integer attr" "$MO <<'X'
dn: $N
changetype: modify
increment: description
description: 1
X"
t "mod increment absent attr" "$MO <<'X'
dn: $N
changetype: modify
increment: employeeNumber
employeeNumber: 1
X"
t "mod increment bad value" "$MO <<'X'
dn: $N
changetype: modify
increment: uidNumber
uidNumber: x
X"
t "mod single-valued add second" "$MO <<'X'
dn: $N
changetype: modify
add: uidNumber
uidNumber: 7
X"
t "mod displayName add two" "$MO <<'X'
dn: $N
changetype: modify
add: displayName
displayName: d1
displayName: d2
X"
t "mod displayName add one then another" "$MO <<'X'
dn: $N
changetype: modify
add: displayName
displayName: d1
X
$MO <<'X'
dn: $N
changetype: modify
add: displayName
displayName: d2
X"
t "mod unknown attr" "$MO <<'X'
dn: $N
changetype: modify
add: fooBar
fooBar: 1
X"
t "mod attr not allowed" "$MO <<'X'
dn: $N
changetype: modify
add: dc
dc: x
X"
t "mod nonexistent entry" "$MO <<'X'
dn: cn=nosuch,$SB
changetype: modify
replace: description
description: x
X"
t "mod nonexistent entry deep" "$MO <<'X'
dn: cn=a,cn=nosuch,$SB
changetype: modify
replace: description
description: x
X"
t "mod operational attr" "$MO <<'X'
dn: $N
changetype: modify
replace: entryUUID
entryUUID: 01234567-89ab-cdef-0123-456789abcdef
X"
t "mod createTimestamp" "$MO <<'X'
dn: $N
changetype: modify
replace: createTimestamp
createTimestamp: 20000101000000Z
X"
t "mod multi-op atomic fail" "$MO <<'X'
dn: $N
changetype: modify
replace: description
description: atomic
-
delete: telephoneNumber
telephoneNumber: 123
X
$L -b $N -s base description"
t "mod anon" "ldapmodify -x -H \$URL <<'X'
dn: $N
changetype: modify
replace: description
description: anon
X"
t "mod as user other entry" "ldapmodify -x -H \$URL -D uid=alice,ou=people,$B -w pw <<'X'
dn: $N
changetype: modify
replace: description
description: alice
X"
t "mod as user own description" "ldapmodify -x -H \$URL -D uid=alice,ou=people,$B -w pw <<'X'
dn: uid=alice,ou=people,$B
changetype: modify
replace: description
description: alice
X"
t "mod show final" "$L -b $N -s base"
# --- modrdn
t "modrdn keep old" "ldapmodrdn -x -H \$URL $ADM $N cn=renamed1
$L -b $SB -s one '(sn=One)'"
t "modrdn -r" "ldapmodrdn -x -H \$URL $ADM -r cn=renamed1,$SB cn=renamed2
$L -b $SB -s one '(sn=One)' cn"
t "modrdn to existing value -r" "ldapmodrdn -x -H \$URL $ADM -r cn=renamed2,$SB cn=new1
$L -b $SB -s one '(sn=One)' cn"
t "modrdn onto existing 68" "ldapmodrdn -x -H \$URL $ADM cn=new1,$SB cn=ext"
t "modrdn nonexistent 32" "ldapmodrdn -x -H \$URL $ADM cn=nosuch,$SB cn=foo"
t "modrdn newSuperior" "ldapmodrdn -x -H \$URL $ADM -s ou=empty,$B cn=new1,$SB cn=moved
$L -b ou=empty,$B -s one cn"
t "modrdn newSuperior nonexistent" "ldapmodrdn -x -H \$URL $ADM -s ou=nosuch,$B cn=moved,ou=empty,$B cn=moved2"
t "modrdn newSuperior under itself" "ldapmodrdn -x -H \$URL $ADM -s cn=sub,cn=ops,ou=groups,$B cn=ops,ou=groups,$B cn=ops2"
t "modrdn non-leaf" "ldapmodrdn -x -H \$URL $ADM cn=ops,ou=groups,$B cn=operations
$L -b ou=groups,$B '(cn=sub)' dn"
t "modrdn back" "ldapmodrdn -x -H \$URL $ADM -r cn=moved,ou=empty,$B cn=new1"
t "modrdn to attr not allowed" "ldapmodrdn -x -H \$URL $ADM cn=new1,ou=empty,$B dc=foo"
t "modrdn to unknown attr" "ldapmodrdn -x -H \$URL $ADM cn=new1,ou=empty,$B foo=bar"
t "modrdn multi-valued rdn" "ldapmodrdn -x -H \$URL $ADM cn=new1,ou=empty,$B cn=new1+uid=new1
$L -b ou=empty,$B -s one dn"
t "modrdn rename to different case" "ldapmodrdn -x -H \$URL $ADM -r 'cn=new1+uid=new1,ou=empty,$B' CN=NEW1
$L -b ou=empty,$B -s one cn"
t "modrdn single-valued rdn keep" "ldapmodrdn -x -H \$URL $ADM CN=NEW1,ou=empty,$B uidNumber=77"
t "modrdn anon" "ldapmodrdn -x -H \$URL cn=ext,$SB cn=ext2"
# --- delete
t "delete non-leaf 66" "ldapdelete -x -H \$URL $ADM ou=groups,$B"
t "delete nonexistent 32" "ldapdelete -x -H \$URL $ADM cn=nosuch,ou=nosuch2,$SB"
t "delete ok" "ldapdelete -x -H \$URL $ADM cn=ext,$SB"
t "delete anon" "ldapdelete -x -H \$URL cn=rdnmissing,$SB"
t "delete invalid dn" "ldapdelete -x -H \$URL $ADM 'foo'"
t "delete suffix non-leaf" "ldapdelete -x -H \$URL $ADM $B"
t "delete -r subtree" "ldapdelete -x -H \$URL $ADM -r ou=empty,$B
$L -b $B -s one dn"
# --- compare
C="ldapcompare -x -H \$URL"
t "cmp true" "$C uid=alice,ou=people,$B cn:alice"
t "cmp false" "$C uid=alice,ou=people,$B cn:bob"
t "cmp undefined attr" "$C uid=alice,ou=people,$B foo:bar"
t "cmp absent attr" "$C uid=alice,ou=people,$B title:x
$C uid=bob,ou=people,$B title:x"
t "cmp nonexistent entry" "$C uid=nobody,ou=people,$B cn:x"
t "cmp integer" "$C uid=alice,ou=people,$B uidNumber:01001
$C uid=alice,ou=people,$B uidNumber:1001"
t "cmp objectClass super" "$C uid=alice,ou=people,$B objectClass:person"
t "cmp objectClass top" "$C uid=alice,ou=people,$B objectClass:top"
t "cmp name supertype" "$C uid=alice,ou=people,$B name:alice"
t "cmp userPassword anon" "$C uid=alice,ou=people,$B userPassword:pw"
t "cmp userPassword root" "$C $ADM uid=alice,ou=people,$B 'userPassword:{SSHA}qSM9u3emxMjKdK28BdH8mnQA5kZI0yd4'"
t "cmp member dn" "$C cn=staff,ou=groups,$B 'member:UID=ALICE,OU=people,dc=example,dc=com'"
t "cmp jpeg b64" "$C uid=zoe,ou=people,$B 'jpegPhoto::QrWO2Du9ETkn7ElGnENPcvVQluhn4YzmJZhFYsb55emukhybgcV/yQ=='"
t "cmp no equality rule" "$C uid=alice,ou=people,$B 'jpegPhoto:x'"
t "cmp utf8" "$C uid=zoe,ou=people,$B 'cn:ZOË ÜNÏCÖDÉ'"
t "cmp entryDN" "$C uid=zoe,ou=people,$B 'entryDN:uid=zoe,ou=people,$B'"
t "cmp -z quiet" "$C -z uid=zoe,ou=people,$B 'uid:zoe'"
# --- whoami / bind
t "whoami anon" "ldapwhoami -x -H \$URL"
t "whoami root" "ldapwhoami -x -H \$URL $ADM"
t "whoami user" "ldapwhoami -x -H \$URL -D uid=alice,ou=people,$B -w pw"
t "whoami user dn case" "ldapwhoami -x -H \$URL -D 'UID=Alice, OU=People,DC=Example,DC=com' -w pw"
t "bind wrong pw 49" "ldapwhoami -x -H \$URL -D uid=alice,ou=people,$B -w wrong"
t "bind root wrong pw" "ldapwhoami -x -H \$URL -D cn=admin,$B -w wrong"
t "bind nonexistent dn" "ldapwhoami -x -H \$URL -D uid=nobody,ou=people,$B -w pw"
t "bind nonexistent outside" "ldapwhoami -x -H \$URL -D cn=nobody,dc=other -w pw"
t "bind no password attr" "ldapwhoami -x -H \$URL -D uid=zoe,ou=people,$B -w pw"
t "bind invalid dn" "ldapwhoami -x -H \$URL -D 'not a dn' -w pw"
t "bind unauthenticated (dn no pw)" "ldapwhoami -x -H \$URL -D uid=alice,ou=people,$B -w ''"
t "bind cleartext stored" "ldapwhoami -x -H \$URL -D uid=pwuser,$SB -w plain"
t "bind sasl external" "ldapwhoami -Y EXTERNAL -H \$URL"
t "bind sasl plain" "ldapwhoami -Y PLAIN -U alice -w pw -H \$URL"
t "passwd self" "ldappasswd -x -H \$URL -D uid=carol,ou=people,$B -w pw2 -s newpw
ldapwhoami -x -H \$URL -D uid=carol,ou=people,$B -w newpw
ldapwhoami -x -H \$URL -D uid=carol,ou=people,$B -w pw2"
t "passwd self generated" "ldappasswd -x -H \$URL -D uid=trent,ou=people,$B -w pw | sed 's/New password: .*/New password: X/'"
t "passwd self with -a old wrong" "ldappasswd -x -H \$URL -D uid=bob,ou=people,$B -w pw -a wrong -s x"
t "passwd self with -a old right" "ldappasswd -x -H \$URL -D uid=bob,ou=people,$B -w pw -a pw -s bobpw
ldapwhoami -x -H \$URL -D uid=bob,ou=people,$B -w bobpw"
t "passwd other as user" "ldappasswd -x -H \$URL -D uid=alice,ou=people,$B -w pw -s hacked uid=bob,ou=people,$B"
t "passwd other as root" "ldappasswd -x -H \$URL $ADM -s rootset uid=zoe,ou=people,$B
ldapwhoami -x -H \$URL -D uid=zoe,ou=people,$B -w rootset"
t "passwd anon" "ldappasswd -x -H \$URL -s x uid=bob,ou=people,$B"
t "passwd nonexistent as root" "ldappasswd -x -H \$URL $ADM -s x uid=nobody,ou=people,$B"
t "passwd root self" "ldappasswd -x -H \$URL $ADM -s x"
t "userPassword visible to root" "$L -b uid=bob,ou=people,$B -s base userPassword | sed -E 's/SSHA\}.*/SSHA}X/'"
t "userPassword visible to self" "ldapsearch -x -LLL -H \$URL -D uid=alice,ou=people,$B -w pw -b uid=alice,ou=people,$B -s base userPassword"
t "modify own userPassword" "ldapmodify -x -H \$URL -D uid=alice,ou=people,$B -w pw <<'X'
dn: uid=alice,ou=people,$B
changetype: modify
replace: userPassword
userPassword: alicepw
X
ldapwhoami -x -H \$URL -D uid=alice,ou=people,$B -w alicepw"
t "passwd empty new as root" "ldappasswd -x -H \$URL $ADM -s '' uid=zoe,ou=people,$B
ldapwhoami -x -H \$URL -D uid=zoe,ou=people,$B -w rootset"
t "passwd empty old" "ldappasswd -x -H \$URL -D uid=bob,ou=people,$B -w bobpw -a '' -s x"
t "passwd other as user with its right old" "ldappasswd -x -H \$URL -D uid=alice,ou=people,$B -w alicepw -a bobpw -s x uid=bob,ou=people,$B"
t "passwd other as root with right old" "ldappasswd -x -H \$URL $ADM -a rootset -s zoe2 uid=zoe,ou=people,$B
ldapwhoami -x -H \$URL -D uid=zoe,ou=people,$B -w zoe2"
t "bind empty dn with password" "ldapwhoami -x -H \$URL -D '' -w pw"
t "whoami with request data" "ldapexop -x -H \$URL 1.3.6.1.4.1.4203.1.11.3:abc"
# An attribute keeps its place while it has values (found by a seeded
# random comparison of modify sequences, 2026-12-05).
t "order: add a value, delete the first one" "ldapadd -x -H \$URL $ADM <<'X' >/dev/null
dn: cn=order1,ou=sandbox,$B
objectClass: inetOrgPerson
cn: order1
telephoneNumber: +1 555 0100
sn: One
description: d
X
ldapmodify -x -H \$URL $ADM <<'X'
dn: cn=order1,ou=sandbox,$B
changetype: modify
add: telephoneNumber
telephoneNumber: +1 555 0001
-
delete: telephoneNumber
telephoneNumber: +1 555 0100
X
ldapmodify -x -H \$URL $ADM <<'X'
dn: cn=order1,ou=sandbox,$B
changetype: modify
add: sn
sn: Two
X
ldapmodify -x -H \$URL $ADM <<'X'
dn: cn=order1,ou=sandbox,$B
changetype: modify
delete: sn
sn: One
X
$L -b cn=order1,ou=sandbox,$B -s base"
t "order: delete the only value, then add one" "ldapmodify -x -H \$URL $ADM <<'X'
dn: cn=order1,ou=sandbox,$B
changetype: modify
delete: telephoneNumber
telephoneNumber: +1 555 0001
-
add: telephoneNumber
telephoneNumber: +1 555 0002
X
$L -b cn=order1,ou=sandbox,$B -s base"
t "naming value only under an option" "ldapmodify -x -H \$URL $ADM <<'X'
dn: cn=order1,ou=sandbox,$B
changetype: modify
add: cn;lang-en
cn;lang-en: order1
X
ldapmodify -x -H \$URL $ADM <<'X'
dn: cn=order1,ou=sandbox,$B
changetype: modify
delete: cn
X
ldapmodify -x -H \$URL $ADM <<'X'
dn: cn=order1,ou=sandbox,$B
changetype: modify
replace: cn
X
$L -b cn=order1,ou=sandbox,$B -s base"
t "add: RDN values left out go in RDN order" "ldapadd -x -H \$URL $ADM <<'X'
dn: sn=B+cn=A,ou=sandbox,$B
objectClass: person
X
ldapadd -x -H \$URL $ADM <<'X'
dn: ou=X+description=Y,ou=sandbox,$B
objectClass: organizationalUnit
X
$L -b ou=sandbox,$B -s one '(|(cn=A)(ou=X))'"
t "modrdn: new RDN values appended in reverse RDN order" "ldapmodrdn -x -H \$URL $ADM 'cn=order1,ou=sandbox,$B' 'title=T+description=K'
ldapmodrdn -x -H \$URL $ADM -r 'cn=A+sn=B,ou=sandbox,$B' 'cn=A+sn=B'
$L -b ou=sandbox,$B -s one '(|(title=T)(cn=A))'"
t "modrdn of the suffix entry to its own name" "ldapmodrdn -x -H \$URL $ADM '$B' 'dc=example'; ldapmodrdn -x -H \$URL $ADM '$B' 'DC=EXAMPLE'"
t "modrdn: a value a rename kept in place, deleted later, leaves its attribute in place" "ldapmodify -x -H \$URL $ADM <<'X'
dn: cn=heldA,ou=sandbox,$B
changetype: add
objectClass: inetOrgPerson
cn: heldA
sn: S
description: d

dn: cn=heldA,ou=sandbox,$B
changetype: modify
add: cn
cn: heldB

dn: cn=heldA,ou=sandbox,$B
changetype: modrdn
newrdn: cn=heldC
deleteoldrdn: 0

dn: cn=heldC,ou=sandbox,$B
changetype: modrdn
newrdn: cn=heldA
deleteoldrdn: 1

dn: cn=heldA,ou=sandbox,$B
changetype: modrdn
newrdn: sn=S
deleteoldrdn: 1
X
$L -b sn=S,ou=sandbox,$B -s base"
echo "MATCH=$NMATCH DIFF=$NDIFF"
