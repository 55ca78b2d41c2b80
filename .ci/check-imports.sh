#!/usr/bin/env bash
# Fails when risk-core's top-level modules do not form a DAG in the order lib.rs lists them:
# a module may use `crate::<m>` only for modules declared above it in risk-core/src/lib.rs.
# Re-exports kept for an old public path are allowed when the line carries `// old path`
# (or follows a comment line starting with `// old path`); they are listed, not failed.
# Usage: .ci/check-imports.sh [path/to/risk-core/src]
set -euo pipefail

src="${1:-$(dirname "$0")/../risk-core/src}"
lib="$src/lib.rs"
[ -f "$lib" ] || { echo "check-imports: no $lib" >&2; exit 2; }

# Modules in declaration order.
mapfile -t order < <(sed -nE 's/^[[:space:]]*(pub(\([a-z]+\))?[[:space:]]+)?mod[[:space:]]+([a-z_0-9]+)[[:space:]]*;.*/\3/p' "$lib")
declare -A rank
for i in "${!order[@]}"; do rank[${order[$i]}]=$i; done

edges=$(mktemp)
trap 'rm -f "$edges"' EXIT
status=0

for f in $(find "$src" -name '*.rs' ! -path "$lib" | sort); do
    rel=${f#"$src"/}
    from=${rel%%/*}
    from=${from%.rs}
    [ -n "${rank[$from]+x}" ] || { echo "check-imports: $rel is in no module of lib.rs" >&2; status=1; continue; }
    # Every `crate::<m>` (grouped `crate::{a::…, b}` too) outside comments, with its line.
    perl -0777 -ne '
        my $text = $_;
        my @lines = split /\n/, $text, -1;
        my $prev_old = 0;
        my $n = 0;
        my $code = "";
        for my $l (@lines) {
            $n++;
            my $old = ($l =~ m{//\s*old path} || $prev_old) ? 1 : 0;
            $prev_old = ($l =~ m{^\s*//\s*old path}) ? 1 : 0;
            (my $c = $l) =~ s{//.*$}{};
            $code .= ($old ? "\x01" : "") . $c . "\n";
        }
        # Grouped imports may span lines: match balanced braces after crate::
        while ($code =~ m{(\x01?)[^\n\x01]*?crate::(\{((?:[^{}]++|\{(?3)\})*)\}|([a-z_][a-z_0-9]*))}g) {
            my ($old, $group, $single) = ($1, $3, $4);
            my $line = () = substr($code, 0, pos($code)) =~ /\n/g;
            $line++;
            my @mods;
            if (defined $single) { @mods = ($single) }
            else {
                my $g = $group; 1 while $g =~ s/\{[^{}]*\}//g;
                @mods = map { /^\s*([a-z_][a-z_0-9]*)/ ? $1 : () } split /,/, $g;
            }
            print join("\t", $_, $line, $old ? "old" : "use"), "\n" for @mods;
        }
    ' "$f" | while IFS=$'\t' read -r to line kind; do
        [ "$to" = "$from" ] && continue
        [ "$to" = self ] || [ "$to" = super ] && continue
        echo "$from $to $rel:$line $kind"
    done >>"$edges"
done

while read -r from to at kind; do
    if [ -z "${rank[$to]+x}" ]; then
        echo "check-imports: $at uses crate::$to, not a module of lib.rs" >&2
        status=1
    elif [ "${rank[$to]}" -gt "${rank[$from]}" ]; then
        if [ "$kind" = old ]; then
            echo "check-imports: note: $at re-exports crate::$to at an old path"
        else
            echo "check-imports: $at: \`$from\` uses \`crate::$to\`, declared after it in lib.rs" >&2
            status=1
        fi
    fi
done <"$edges"

# Cycles (independent of the declared order), old-path re-exports left out.
if ! awk '$4 == "use" { print $1, $2 }' "$edges" | sort -u | tsort >/dev/null 2>"$edges.tsort"; then
    echo "check-imports: import cycle between top-level modules:" >&2
    cat "$edges.tsort" >&2
    status=1
fi
rm -f "$edges.tsort"

if [ "$status" -eq 0 ]; then
    echo "check-imports: ok (${order[*]})"
fi
exit "$status"
