#!/bin/sh
# tsan.sh MODREG — the commands that run threads, built with ThreadSanitizer (make tsan):
# validate, index and build a 300-module registry (parallel load, the analysis in two
# threads, the writer of api files), validate modules both threads report errors on, then the daemon's tests of saves and of its spare
# context.json (background closes).  A race ends the program (halt_on_error), which
# fails the command or the test.
set -eu
cd "$(dirname "$0")/.."
MODREG=$1
case $MODREG in /*) ;; *) MODREG=$PWD/$MODREG ;; esac
export MODREG
T=$(mktemp -d "${TMPDIR:-/tmp}/modreg-tsan.XXXXXX")
trap 'rm -rf "$T"' EXIT
sh bench/gen-registry.sh 300 "$T/reg" > /dev/null
"$MODREG" validate -q --registry "$T/reg" > /dev/null || [ $? = 1 ]
"$MODREG" index -q --registry "$T/reg" --stats "$T/none" --out "$T/out"
"$MODREG" build -q --registry "$T/reg" --stats "$T/none" --out "$T/site"
# both threads of the analysis report errors on the same modules: unknown targets (the
# first), conflicting routes (the second)
for m in a b; do
	mkdir -p "$T/clash/$m"
	printf 'apiVersion: modreg/v1\nname: Module %s\ndescription: Clashes.\ntype: service\nversion: 1.0.0\n%s\n%s\n' \
		"$m" 'relationships: [{ target: nowhere, type: dependency }]' \
		'api: { basePath: /, routes: [{ method: GET, path: /same }] }' > "$T/clash/$m/module.yaml"
done
"$MODREG" validate -q --registry "$T/clash" > "$T/clash.out" || [ $? = 1 ]
grep -q route-conflict "$T/clash.out" && grep -q unknown-target "$T/clash.out"
echo "tsan: validate, index and build of 300 modules, and two threads' errors on one module: no race"
sh tests/system/watch_edits.sh
sh tests/system/watch_spare.sh
echo "tsan: all passed"
