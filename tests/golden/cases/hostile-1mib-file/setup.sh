#!/bin/sh
# a manifest just over 1 MiB, and one exactly at the limit (generated: no big files in git)
set -e
mkdir -p registry/huge registry/at-limit
echo "# huge" >registry/huge/README.md
echo "# at-limit" >registry/at-limit/README.md
{
	printf 'apiVersion: modreg/v1\nname: %s\ndescription: %s\ntype: service\nversion: 1.0.0\n' 'Huge' 'Over one mebibyte of comments.'
	awk 'BEGIN { for (i = 0; i < 17000; i++) printf "# %060d\n", i }'
} >registry/huge/module.yaml
{
	printf 'apiVersion: modreg/v1\nname: %s\ndescription: %s\ntype: service\nversion: 1.0.0\n' 'At the limit' 'Exactly 1048576 bytes.'
	awk 'BEGIN { for (i = 0; i < 16383; i++) printf "# %060d\n", i }'
} >registry/at-limit/module.yaml
# pad to exactly 1 MiB with one comment line
size=$(wc -c <registry/at-limit/module.yaml)
awk -v n=$((1048576 - size - 3)) 'BEGIN { s = "# "; for (i = 0; i < n; i++) s = s "x"; print s }' >>registry/at-limit/module.yaml
test "$(wc -c <registry/at-limit/module.yaml)" -eq 1048576
