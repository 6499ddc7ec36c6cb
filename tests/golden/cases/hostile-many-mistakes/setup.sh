#!/bin/sh
# 6,000 entities and 6,000 routes that refer to them, with a few mistakes among
# them: duplicates and references must be found without comparing all pairs
set -e
mkdir -p registry/many registry/other
echo "# many" >registry/many/README.md
echo "# other" >registry/other/README.md
printf 'apiVersion: modreg/v1\nname: Other\ndescription: A relationship target.\ntype: service\nversion: 1.0.0\n' >registry/other/module.yaml
{
	printf 'apiVersion: modreg/v1\nname: Many\ndescription: Thousands of routes and entities.\ntype: service\nversion: 1.0.0\n'
	echo "entities:"
	awk 'BEGIN { for (i = 0; i < 6000; i++) printf "  - { name: E%d }\n", i == 5999 ? 17 : i }'
	echo "api:"
	echo "  routes:"
	awk 'BEGIN { for (i = 0; i < 6000; i++) printf "  - { method: GET, path: \"/r/{id}/%d\", entity: %s }\n", i == 5999 ? 5 : i, i == 4242 ? "X1" : "E" i % 5999 }'
	echo "relationships:"
	echo "  - { target: other, type: integration }"
	echo "  - { target: other, type: integration }"
} >registry/many/module.yaml
