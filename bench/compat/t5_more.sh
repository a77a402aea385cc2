#!/usr/bin/env bash
. "$(dirname "$0")/lib.sh"
L="ldapsearch -x -LLL -H \$URL"
A="ldapadd -x -H \$URL $ADM"
MO="ldapmodify -x -H \$URL $ADM"
SB=ou=sandbox,$B
t "move subtree newSuperior" "ldapmodrdn -x -H \$URL $ADM -s $SB cn=operations,ou=groups,$B cn=operations
$L -b $SB '(cn=sub)' dn
$L -b ou=groups,$B '(cn=sub)' dn"
t "modrdn single-valued existing no -r" "ldapmodrdn -x -H \$URL $ADM uid=oscar,ou=people,$B uidNumber=2001"
t "modrdn single-valued existing -r" "ldapmodrdn -x -H \$URL $ADM -r uid=oscar,ou=people,$B uidNumber=2001"
t "mod replace dup values" "$MO <<'X'
dn: uid=ivan,ou=people,$B
changetype: modify
replace: mail
mail: x@y
mail: X@Y
X"
t "mod delete+add same value" "$MO <<'X'
dn: uid=ivan,ou=people,$B
changetype: modify
delete: mail
mail: ivan@example.com
-
add: mail
mail: IVAN@example.com
X
$L -b uid=ivan,ou=people,$B -s base mail"
t "mod tagged add" "$MO <<'X'
dn: uid=ivan,ou=people,$B
changetype: modify
add: description;lang-ru
description;lang-ru: privet
-
add: description
description: hello
X
$L -b uid=ivan,ou=people,$B -s base description"
t "mod delete untagged attr" "$MO <<'X'
dn: uid=ivan,ou=people,$B
changetype: modify
delete: description
X
$L -b uid=ivan,ou=people,$B -s base description"
t "mod replace untagged" "$MO <<'X'
dn: uid=ivan,ou=people,$B
changetype: modify
replace: description
description: new
X
$L -b uid=ivan,ou=people,$B -s base description"
t "add oc dup case" "$A <<'X'
dn: cn=ocdup,$SB
objectClass: person
objectClass: Person
cn: ocdup
sn: x
X"
t "add attr by oid" "$A <<'X'
dn: cn=byoid,$SB
objectClass: person
2.5.4.3: byoid
2.5.4.4: x
X
$L -b cn=byoid,$SB -s base"
t "add attr by alias name" "$A <<'X'
dn: cn=byalias,$SB
objectClass: person
commonName: byalias
surname: x
X
$L -b cn=byalias,$SB -s base"
t "search attr alias name" "$L -b uid=alice,ou=people,$B -s base commonName surname"
t "add entry rdn by oid" "$A <<'X'
dn: 2.5.4.3=rdnoid,$SB
objectClass: person
cn: rdnoid
sn: x
X
$L -b $SB '(cn=rdnoid)' dn"
t "add entry rdn commonName" "$A <<'X'
dn: commonName=rdnalias,$SB
objectClass: person
cn: rdnalias
sn: x
X
$L -b $SB '(cn=rdnalias)' dn"
t "search base by oid dn" "$L -b 2.5.4.3=rdnoid,$SB -s base dn"
t "delete readd" "ldapdelete -x -H \$URL $ADM cn=byalias,$SB
$A <<'X'
dn: cn=byalias,$SB
objectClass: person
cn: byalias
sn: y
X
$L -b cn=byalias,$SB -s base sn"
t "children scope suffix" "$L -b $B -s children '(ou=*)' dn"
t "base scope suffix plus filter" "$L -b $B -s base '(dc=EXAMPLE)' dc o"
t "compare on multi rdn entry" "ldapcompare -x -H \$URL 'uid=multi+cn=Multi Rdn,ou=people,$B' uid:multi"
t "ldapmodify replace on multi-rdn rdn attr" "$MO <<'X'
dn: cn=Multi Rdn+uid=multi,ou=people,$B
changetype: modify
replace: uid
uid: other
X"
t "modify via OID attr" "$MO <<'X'
dn: uid=ivan,ou=people,$B
changetype: modify
replace: 2.5.4.13
2.5.4.13: viaoid
X
$L -b uid=ivan,ou=people,$B -s base description"
t "typesonly plus" "$L -A -b uid=ivan,ou=people,$B -s base '+' | sed 's/:.*//' | sort"
t "search objectClass value case output" "$L -b uid=peggy,ou=people,$B -s base objectClass"
t "deleteoldrdn multi rdn" "ldapmodrdn -x -H \$URL $ADM -r 'cn=m+sn=n,$SB' cn=m2
$L -b $SB '(cn=m2)' cn sn"
echo "MATCH=$NMATCH DIFF=$NDIFF"
