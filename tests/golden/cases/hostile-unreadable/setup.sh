#!/bin/sh
set -e
chmod 000 registry/locked/module.yaml
chmod 000 registry/closed-dir
