#!/bin/sh
# names git should not have to hold: a newline, a tab, bytes that are not UTF-8
set -e
cd registry
mk() { mkdir -p "$1"; printf 'apiVersion: modreg/v1\nname: %s\ndescription: d\ntype: service\nversion: 1.0.0\n' "$2" >"$1/module.yaml"; }
mk "with space" Space
mk "new
line" Newline
mk "$(printf 'bad\377\376bytes')" Bytes
mk "ünïcödé" Unicode
mk "<script>alert(1)<" Script
mkdir "tab	only" "ümlaut-only" "spaced out"
