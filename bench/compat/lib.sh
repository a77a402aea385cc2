# source me. t "label" 'command using $URL'  -> runs against both, diffs stdout+stderr+exit
S=ldap://127.0.0.1:39001
M=ldap://127.0.0.1:39002
B=dc=example,dc=com
ADM="-D cn=admin,dc=example,dc=com -w secret"
WORK=${COMPAT_DIR:-/tmp/meshdir-compat}
OUT=$WORK/out; mkdir -p $OUT
NMATCH=0; NDIFF=0; NT=${NT0:-0}
norm() {
  # drop values that must differ
  sed -E -e '/^(entryUUID|entryCSN|createTimestamp|modifyTimestamp|creatorsName|modifiersName|vendorName|vendorVersion|contextCSN|entryDN|subschemaSubentry|hasSubordinates|structuralObjectClass)::? /d' \
         -e 's#ldap://127.0.0.1:3900[12]#URL#g'
}
t() {
  local label="$1"; shift
  local cmd="$*"
  NT=$((NT+1)); local f=$(printf "%03d_%s" $NT "$(echo -n "$label" | tr -c "A-Za-z0-9_-" "_" | cut -c1-60)")
  ( URL=$S; eval "$cmd" ) > $OUT/$f.s 2>&1; echo "exit=$?" >> $OUT/$f.s
  ( URL=$M; eval "$cmd" ) > $OUT/$f.m 2>&1; echo "exit=$?" >> $OUT/$f.m
  if diff <(norm < $OUT/$f.s) <(norm < $OUT/$f.m) > $OUT/$f.diff; then
    NMATCH=$((NMATCH+1)); echo "same: $label"
  else
    NDIFF=$((NDIFF+1)); echo "=== DIFF: $label"; echo "    \$ $cmd"; sed 's/^/    /' $OUT/$f.diff | head -40
  fi
}
