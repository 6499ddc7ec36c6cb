#!/bin/sh
# 10,000 levels of [ (generated: one long line)
set -e
mkdir -p registry/brackets
echo "# brackets" >registry/brackets/README.md
{
	printf 'apiVersion: modreg/v1\nname: %s\ndescription: %s\ntype: service\nversion: 1.0.0\n' 'Brackets' 'Ten thousand opening brackets.'
	awk 'BEGIN { printf "x-deep: "; for (i = 0; i < 10000; i++) printf "["; print "" }'
} >registry/brackets/module.yaml
