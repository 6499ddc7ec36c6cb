#!/bin/sh
# Plants one credential of each kind that leaked-secret knows, in many places of two
# manifests, and lists them in secrets.txt: run.sh checks that none of them appears in
# any output.  The credentials are made up, and built from pieces here so that no
# secret scanner mistakes the test tree for a leak.
set -e
pem="-----BEGIN RSA PRIV""ATE KEY-----"
aws="AK""IAQWERTYUIOPASDFGH"
ghp="gh""p_Xq7Lm2Np9Rs4Tv6Wy8Za1Bc3De5Fg7Hj9K0m"
pat="github""_pat_11ABCDEFG0123456789xyz"
slack="xo""xb-1234567890-abcdefghij"
google="AI""zaSyD-1234567890abcdefghijklmnopqrstu"
jwt="ey""JhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
urlpw="https://deploy:Tr0ub4dor3xyz""@git.example.org/repo.git"

mkdir -p registry/leaky registry/other
cat >registry/leaky/module.yaml <<YAML
apiVersion: modreg/v1
name: Leaky
description: "Set the key to $aws before you start."
type: service
version: "$ghp"
owner: "$slack"
tags: [fine, "$google"]
links:
  repository: "$urlpw"
entities:
  - { name: Thing }
api:
  routes:
    - { method: GET, path: "/hooks/$ghp" }
    - { method: GET, path: /things, entity: "$pat" }
config:
  region: { type: string, default: "$jwt" }
relationships:
  - target: other
    type: integration
    config:
      deploy: { key: "$pem\nMIIEowIBAAKCAQEA" }
"$ghp": 1
x-notes:
  - "token: $pat"
  - nested: { deeper: "$jwt" }
YAML
cat >registry/other/module.yaml <<YAML
apiVersion: modreg/v1
name: Other
description: Declares the same webhook route, so the conflict message would quote the path.
type: service
version: 1.0.0
api:
  routes:
    - { method: GET, path: "/hooks/$ghp" }
YAML
for m in leaky other; do echo "# $m" >registry/$m/README.md; done
# whole values, and the parts that make each of them secret
printf '%s\n' "$pem" "$aws" "$ghp" "$pat" "$slack" "$google" "$jwt" "$urlpw" \
	"PRIVATE KEY" "QWERTYUIOPASDFGH" "Xq7Lm2Np9Rs4Tv6Wy8Za1Bc3De5Fg7Hj9K0m" "11ABCDEFG0123456789xyz" \
	"1234567890-abcdefghij" "SyD-1234567890abcdefghijklmnopqrstu" "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U" \
	"Tr0ub4dor3xyz" >secrets.txt
