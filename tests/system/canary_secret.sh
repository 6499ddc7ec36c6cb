#!/bin/sh
# canary_secret.sh — a secret planted in a manifest appears in no output (SPEC §3
# leaked-secret, §4 "No secrets").  Canaries (a GitHub token, an AWS key id, a password in
# a URL, a PEM private key, Slack and JWT tokens, and plain strings given as defaults of
# secret config fields) go into a description, an x- extension, a link, a relationship's
# config, a job, the AI patterns, config defaults and a field whose bad value a diagnostic
# quotes — one canary per module, so that one caught secret cannot hide another.  First the
# same manifests with harmless markers must be valid and show their markers in
# context.json (so each place is one that is published); then, with the canaries, no file
# written by `modreg index` (fresh, and over a previous index: last-known-good entries),
# no output of `modreg validate` (text, json, whole registry and single modules), nor the
# site of `modreg build` (when it is available) may contain any canary.
set -eu
. "$(dirname "$0")/test_lib.inc"

C_GH=ghp_CanaryTok3nCanaryTok3nCanaryTok3n0AB
C_AWS=AKIACANARY7Q3Z9X1234
C_URLPW=CanaryUrlPassw0rd-5h2
C_PEM=MIICanaryPemBody9w0BAQEFAAOCAg8AMIICCgKCAgEA
C_SLACK=xoxb-2411canary-7730canary-Zq8ChzCanaryTok
C_JWT=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjYW5hcnkifQ.Q2FuYXJ5U2lnbmF0dXJlQ2FuYXJ5
C_PWDEF=CanaryDefaultSecret-6tY
C_SENSDEF=CanarySensitiveDefault-2pQ
C_ECHO=ghp_EchoCanaryEchoCanaryEchoCanary123456
CANARIES="$C_GH $C_AWS $C_URLPW $C_PEM $C_SLACK $C_JWT $C_PWDEF $C_SENSDEF $C_ECHO"
MODULES="canary-desc canary-ext canary-link canary-relcfg canary-job canary-ai canary-pwdefault canary-sensdefault canary-echo"

# write the canary modules into $1; $2 = harmless | secret
plant() {
	reg=$1
	if [ "$2" = harmless ]; then
		v_desc=harmless-marker-desc v_ext=harmless-marker-ext v_link="https://example.org/harmless-marker-link"
		v_pem=harmless-marker-pem v_job=harmless-marker-job v_ai=harmless-marker-ai
		pw_type=string v_pwdef=harmless-marker-pwdefault sens=false v_sensdef=harmless-marker-sensdefault
		v_version=1.0.0-harmlessmarkerecho
	else
		v_desc="Call the API with $C_GH for now." v_ext=$C_AWS v_link="https://deploy:$C_URLPW@example.org/hook"
		v_pem="-----BEGIN RSA PRIVATE KEY-----
        $C_PEM
        -----END RSA PRIVATE KEY-----" v_job="Posts with $C_SLACK to the channel." v_ai="use token $C_JWT"
		pw_type=password v_pwdef=$C_PWDEF sens=true v_sensdef=$C_SENSDEF
		v_version=$C_ECHO
	fi
	for id in $MODULES; do
		mkdir -p "$reg/$id"
		printf '# %s\n\nA module of the canary test.\n' "$id" >"$reg/$id/README.md"
		{
			printf 'apiVersion: modreg/v1\nname: Module %s\ntype: library\n' "$id"
			[ "$id" = canary-echo ] && printf 'version: "%s"\n' "$v_version" || printf 'version: 1.0.0\n'
			[ "$id" = canary-desc ] && printf 'description: "%s"\n' "$v_desc" || printf 'description: The %s module.\n' "$id"
			case $id in
			canary-ext) printf 'x-deploy:\n  accessKeyId: "%s"\n' "$v_ext" ;;
			canary-link) printf 'links:\n  homepage: "%s"\n' "$v_link" ;;
			canary-relcfg) printf 'relationships:\n  - target: core-auth\n    type: integration\n    config:\n      cert: |\n        %s\n' "$v_pem" ;;
			canary-job) printf 'jobs:\n  - { name: notify, schedule: "0 * * * *", description: "%s" }\n' "$v_job" ;;
			canary-ai) printf 'ai:\n  purpose: Nothing.\n  patterns: ["%s"]\n' "$v_ai" ;;
			canary-pwdefault) printf 'config:\n  adminPassword: { type: %s, default: "%s" }\n' "$pw_type" "$v_pwdef" ;;
			canary-sensdefault) printf 'config:\n  signingKey: { type: string, sensitive: %s, default: "%s" }\n' "$sens" "$v_sensdef" ;;
			esac
		} >"$reg/$id/module.yaml"
	done
}

REG=$tmp/registry
cp -R registry "$REG"
plant "$REG" harmless
"$MODREG" index -q --registry "$REG" --out "$tmp/lkg"
for id in $MODULES; do
	grep -q '"valid": true' "$tmp/lkg/api/ai/modules/$id.json" || bad "control: $id with a harmless value is not valid"
done
for m in desc ext link pem job ai pwdefault sensdefault echo; do
	grep -q "harmless-\{0,1\}marker-\{0,1\}$m" "$tmp/lkg/context.json" || bad "control: the harmless marker of $m is not in context.json, so that place is not tested"
done
[ "$failed" = 0 ] && ok "control: the 9 modules with harmless values are valid and each value is published in context.json"

plant "$REG" secret
outs="$tmp/lkg $tmp/fresh $tmp/cli"
mkdir -p "$tmp/cli"
"$MODREG" index -v --registry "$REG" --out "$tmp/lkg" >"$tmp/cli/index-lkg.txt" 2>&1 || bad "modreg index over the previous index failed"
"$MODREG" index -v --registry "$REG" --out "$tmp/fresh" >"$tmp/cli/index-fresh.txt" 2>&1 || bad "modreg index failed"
"$MODREG" status --out "$tmp/lkg" >"$tmp/cli/status.txt" 2>&1 || true
"$MODREG" status --out "$tmp/lkg" --format json >"$tmp/cli/status.json" 2>&1 || true
"$MODREG" validate --registry "$REG" >"$tmp/cli/validate.txt" 2>&1 && bad "modreg validate exited 0 although secrets were planted"
"$MODREG" validate --registry "$REG" --format json >"$tmp/cli/validate.json" 2>&1 || true
for id in $MODULES; do
	"$MODREG" validate "$REG/$id" >>"$tmp/cli/validate-one.txt" 2>&1 || true
	"$MODREG" validate --format json "$REG/$id/module.yaml" >>"$tmp/cli/validate-one.json" 2>&1 || true
done
if "$MODREG" build --registry "$REG" --out "$tmp/site" >"$tmp/cli/build.txt" 2>&1; then
	outs="$outs $tmp/site"
	ok "modreg build works: its site is searched too"
else
	echo "canary_secret: skip - modreg build is not available ($(head -1 "$tmp/cli/build.txt")); the site is not searched"
fi

# every canary module was caught: invalid in a fresh index, with the diagnostic that says why
caught=1
for id in $MODULES; do
	grep -q '"valid": false' "$tmp/fresh/api/ai/modules/$id.json" || { caught=0; bad "$id with a planted secret is valid in a fresh index"; }
	grep -q '"stale": true' "$tmp/lkg/api/ai/modules/$id.json" || { caught=0; bad "$id is not a stale (last-known-good) entry over the previous index"; }
done
for code in leaked-secret sensitive-default; do
	grep -q "\"code\": \"$code\"" "$tmp/fresh/context.json" || { caught=0; bad "no $code diagnostic in context.json"; }
done
n=$(grep -c '\[leaked-secret\]' "$tmp/cli/validate.txt" || true)
[ "$n" -ge 7 ] || { caught=0; bad "modreg validate reports only $n leaked-secret errors (want 7: desc ext link relcfg job ai echo)"; }
[ "$caught" = 1 ] && ok "modreg validate reports $n leaked-secret errors; the 9 modules are invalid in a fresh index and stale over the previous one"

files=$(find $outs -type f | wc -l)
leaks=0
for c in $CANARIES "BEGIN RSA PRIVATE KEY"; do
	if grep -r -F -l -e "$c" $outs >"$tmp/hits" 2>/dev/null; then
		leaks=1
		bad "canary '$(printf '%.12s' "$c")…' appears in: $(sed "s|$tmp/||" "$tmp/hits" | tr '\n' ' ')"
	fi
done
[ "$leaks" = 0 ] && ok "none of the $(echo "$CANARIES" | wc -w) canaries appears in the $files files written or printed (index fresh and over a previous index, status, validate text/json, whole registry and per module)"

[ "$failed" = 0 ] && echo "canary_secret: all checks passed" || echo "canary_secret: some checks FAILED"
exit "$failed"
