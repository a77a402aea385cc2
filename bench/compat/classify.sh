#!/usr/bin/env bash
# for each differing test, say whether the difference is only in entry order
. "$(dirname "$0")/lib.sh" >/dev/null
cd "$OUT"
for d in *.diff; do
  [ -s "$d" ] || continue
  b=${d%.diff}
  # split into entry blocks, sort blocks
  blk() { norm < $1 | awk 'BEGIN{RS="";ORS="\n\n"}{print}' | sort; }
  sortblocks() { norm < $1 | perl -00 -ne 'push @b,$_; END{print sort @b}'; }
  if diff <(sortblocks $b.s) <(sortblocks $b.m) >/dev/null; then echo "ORDER-ONLY $b"; else echo "CONTENT    $b"; fi
done
