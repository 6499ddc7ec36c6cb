#!/bin/sh
# 90,000 tags, two of them invalid: must be checked in well under a second
set -e
mkdir -p registry/tagged
echo "# tagged" >registry/tagged/README.md
{
	printf 'apiVersion: modreg/v1\nname: %s\ndescription: %s\ntype: service\nversion: 1.0.0\n' 'Tagged' 'Ninety thousand tags.'
	echo "tags:"
	awk 'BEGIN { for (i = 0; i < 90000; i++) if (i == 500) print "  - Bad_Tag"; else if (i == 89999) print "  - \"\""; else print "  - t" i }'
} >registry/tagged/module.yaml
