#!/bin/sh
# watch_random.sh — hundreds of random operations on a small registry while the
# daemon runs: valid and invalid manifests (syntax errors, unknown keys, bad versions,
# self, unknown and unsatisfied dependencies), saves in place, by rename and vim-style,
# modules created, deleted, renamed, READMEs and statistics toggled, bursts and pauses.
# Then: index with the daemon's output as its previous context.json reproduces it (last
# known good entries included); every manifest is made valid; the daemon converges to
# a fresh index, and its site (rendered change by change) to a fresh build.  The operations are a function of the seed, printed first:
#   WATCH_SEED=1234 sh tests/system/watch_random.sh     reproduces a run
#   WATCH_OPS=600                                       more operations
. "$(dirname "$0")/watch_lib.inc"

SEED=${WATCH_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
OPS=${WATCH_OPS:-300}
echo "seed=$SEED ops=$OPS (rerun: WATCH_SEED=$SEED sh tests/system/watch_random.sh)"
fail_seed() { fail "$* (seed=$SEED)"; }

# w_valid ID VERSION MODE [DEPENDENCY...] — a valid manifest, saved in place, by rename or vim-style
w_valid() {
	id=$1 ver=$2 mode=$3
	shift 3
	mkdir -p "$REG/$id"
	{
		printf 'apiVersion: modreg/v1\nname: Random %s\ndescription: Module %s at %s.\n' "$id" "$id" "$ver"
		printf 'type: library\nversion: %s\n' "$ver"
		if [ $# -gt 0 ]; then
			printf 'relationships:\n'
			for dep in "$@"; do printf '  - { target: %s, type: dependency, version: "^1.0.0" }\n' "$dep"; done
		fi
	} > "$T/m.yaml"
	case $mode in
	inplace) cat "$T/m.yaml" > "$REG/$id/module.yaml" ;;
	rename) mv "$T/m.yaml" "$REG/$id/.module.yaml.tmp" && mv "$REG/$id/.module.yaml.tmp" "$REG/$id/module.yaml" ;;
	vim)
		[ -f "$REG/$id/module.yaml" ] && mv "$REG/$id/module.yaml" "$REG/$id/module.yaml~"
		cat "$T/m.yaml" > "$REG/$id/module.yaml"
		rm -f "$REG/$id/module.yaml~"
		;;
	esac
}

# w_invalid ID KIND — an invalid manifest
w_invalid() {
	mkdir -p "$REG/$1"
	case $2 in
	syntax) printf 'apiVersion: modreg/v1\nname: [unclosed\n' > "$REG/$1/module.yaml" ;;
	key) printf 'apiVersion: modreg/v1\nname: K %s\ndescripton: typo\ntype: library\nversion: 1.0.0\n' "$1" > "$REG/$1/module.yaml" ;;
	version) printf 'apiVersion: modreg/v1\nname: V %s\ndescription: bad.\ntype: library\nversion: one\n' "$1" > "$REG/$1/module.yaml" ;;
	esac
}

mvmod() { [ -d "$REG/$1" ] && [ ! -e "$REG/$2" ] && mv "$REG/$1" "$REG/$2"; return 0; }
rmmod() { rm -rf "$REG/$1"; }
readme() { [ -d "$REG/$1" ] || return 0; if [ -f "$REG/$1/README.md" ]; then rm "$REG/$1/README.md"; else printf '# %s\n' "$1" > "$REG/$1/README.md"; fi; }
stat_w() { mkdir -p "$STATS" && printf '{ "collectedAt": "2026-11-%02dT00:00:00Z", "requests": %d, "errors": %d }\n' "$2" "$3" "$4" > "$STATS/$1.json.t" && mv "$STATS/$1.json.t" "$STATS/$1.json"; }
stat_bad() { mkdir -p "$STATS" && printf 'garbage %s' "$1" > "$STATS/$1.json"; }
stat_rm() { rm -f "$STATS/$1.json"; }

for id in a01 a02 a03 a04 a05 a06 a07 a08; do w_valid $id 1.0.0 inplace; done
SITE=1 start_watch # the site too: every sync renders the pages it affects

# the operations, a pure function of the seed
awk -v seed="$SEED" -v n="$OPS" 'BEGIN {
	srand(seed)
	for (i = 0; i < n; i++) {
		r = rand()
		id = sprintf("a%02d", 1 + int(rand() * 20))
		if (r < 0.30) {
			m = int(rand() * 3); mode = m == 0 ? "inplace" : m == 1 ? "rename" : "vim"
			deps = ""
			for (k = int(rand() * 3); k > 0; k--) deps = deps " " sprintf("a%02d", 1 + int(rand() * 22))
			printf "w_valid %s %d.%d.%d %s%s\n", id, 1 + int(rand() * 2), int(rand() * 3), int(rand() * 3), mode, deps
		} else if (r < 0.42) {
			k = int(rand() * 3); printf "w_invalid %s %s\n", id, k == 0 ? "syntax" : k == 1 ? "key" : "version"
		} else if (r < 0.49) printf "rmmod %s\n", id
		else if (r < 0.55) printf "mvmod %s %s\n", id, sprintf("a%02d", 1 + int(rand() * 20))
		else if (r < 0.61) printf "readme %s\n", id
		else if (r < 0.69) printf "stat_w %s %d %d %d\n", id, 1 + int(rand() * 28), 1 + int(rand() * 1000), int(rand() * 100)
		else if (r < 0.72) printf "stat_bad %s\n", id
		else if (r < 0.75) printf "stat_rm %s\n", id
		else if (r < 0.85) {
			for (k = 0; k < 10; k++) printf "w_valid %s 1.0.%d rename\n", sprintf("a%02d", 1 + int(rand() * 20)), k
		} else {
			s = rand(); printf "sleep %s\n", s < 0.5 ? "0.01" : s < 0.8 ? "0.05" : s < 0.95 ? "0.2" : "0.6"
		}
	}
}' > "$T/ops.sh"
. "$T/ops.sh"
ok "$(wc -l < "$T/ops.sh") operations done"

# with invalid manifests left: the output is a fixed point of index (last known good included)
quiet 1
kill -0 "$WPID" || fail_seed "the daemon died"
i=0
while :; do
	rm -rf "$FRESH" && mkdir -p "$FRESH" && cp "$OUT/context.json" "$FRESH/"
	"$MODREG" index --registry "$REG" --out "$FRESH" --stats "$STATS" -q > /dev/null 2>&1
	cmp -s "$FRESH/context.json" "$OUT/context.json" && break
	i=$((i + 1))
	if [ $i -gt $((SETTLE_SECONDS * 2)) ]; then
		diff "$FRESH/context.json" "$OUT/context.json" | head -n 40
		fail_seed "index with the daemon's output as previous disagrees"
	fi
	sleep 0.5
done
ok "index from the daemon's output reproduces it"

# every module made valid: converge to a fresh index
for d in "$REG"/*/; do
	id=$(basename "$d")
	w_valid "$id" 1.0.0 rename
done
SETTLE_SECONDS=$((SETTLE_SECONDS * 2))
converge "all valid again (seed=$SEED)"
site_matches "all valid again (seed=$SEED)"
stop_watch
no_temp_files
echo "watch_random: $CHECKS checks passed (seed=$SEED)"
