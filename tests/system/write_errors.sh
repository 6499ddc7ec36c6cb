#!/bin/sh
# write_errors.sh — an output file that cannot be written fails the sync with a message
# naming it (exit 2), leaves no temporary file and no context.json listing a module
# whose files are missing; once the obstacle is gone the same command completes and
# equals a fresh index.  Both ways files are written: by the sync itself (a small
# registry) and by its writer thread (64 modules or more).
. "$(dirname "$0")/test_lib.inc"

check() { # check NAME REGISTRY MODULE
	name=$1 reg=$2 mod=$3 out=$tmp/out-$1
	mkdir -p "$out/api/ai/modules"
	: > "$out/api/ai/modules/$mod" # a file where the module's directory belongs
	"$MODREG" index -q --registry "$reg" --stats "$tmp/none" --out "$out" > "$tmp/$name.out" 2> "$tmp/$name.err"
	rc=$?
	[ "$rc" = 2 ] && ok "$name: exit status 2 when an api file cannot be written" ||
		bad "$name: exit status $rc, expected 2"
	grep -q "cannot write $out/api/ai/modules/$mod/capabilities.json: Not a directory" "$tmp/$name.err" &&
		ok "$name: the message names the file and the cause" || { bad "$name: message"; cat "$tmp/$name.err"; }
	[ ! -f "$out/context.json" ] && ok "$name: no context.json lists modules whose files are missing" ||
		bad "$name: context.json was written"
	left=$(find "$out" -name '*.tmp.*' | head -n 3)
	[ -z "$left" ] && ok "$name: no temporary file left" || bad "$name: temporary files left: $left"
	rm -f "$out/api/ai/modules/$mod"
	"$MODREG" index -q --registry "$reg" --stats "$tmp/none" --out "$out" > /dev/null 2>&1 &&
		"$MODREG" index -q --registry "$reg" --stats "$tmp/none" --out "$tmp/fresh-$name" > /dev/null 2>&1 &&
		cmp -s "$out/context.json" "$tmp/fresh-$name/context.json" &&
		diff -r "$out/api" "$tmp/fresh-$name/api" > /dev/null &&
		ok "$name: once the obstacle is gone the index completes and equals a fresh one" ||
		bad "$name: no recovery"
}

check small registry crm
sh bench/gen-registry.sh 100 "$tmp/reg-100" > /dev/null
check writer "$tmp/reg-100" mod-00050

[ "$failed" = 0 ]
