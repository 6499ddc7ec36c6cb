#!/bin/sh
# 100,000 tags: more than 100,000 nodes in all
set -e
mkdir -p registry/tagged
echo "# tagged" >registry/tagged/README.md
{
	printf 'apiVersion: modreg/v1\nname: %s\ndescription: %s\ntype: service\nversion: 1.0.0\n' 'Tagged' 'A hundred thousand tags.'
	awk 'BEGIN { printf "tags: ["; for (i = 0; i < 99999; i++) printf "t%d,", i; print "last]" }'
} >registry/tagged/module.yaml
