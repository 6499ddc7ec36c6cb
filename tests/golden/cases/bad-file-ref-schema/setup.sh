#!/bin/sh
# links and a FIFO: git cannot hold a FIFO, and links are made here to keep the tree portable
set -e
cd registry/refs/schemas
ln -s ../../../outside.json link-out.json
ln -s ok.json link-in.json
ln -s does-not-exist.json dangling.json
mkfifo fifo.json
