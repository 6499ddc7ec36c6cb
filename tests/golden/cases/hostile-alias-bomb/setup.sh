#!/bin/sh
# a few bytes of text aliased into gigabytes (generated: the file is near 1 MiB)
set -e
mkdir -p registry/text-bomb
echo "# text-bomb" >registry/text-bomb/README.md
{
	printf 'apiVersion: modreg/v1\nname: %s\ndescription: %s\ntype: service\nversion: 1.0.0\n' 'Text bomb' 'One long string aliased many times.'
	awk 'BEGIN { printf "x-s: &s "; for (i = 0; i < 6000; i++) printf "%0100d", i; print "" }'
	awk 'BEGIN { printf "tags: ["; for (i = 0; i < 60000; i++) printf "*s,"; print "*s]" }'
} >registry/text-bomb/module.yaml
