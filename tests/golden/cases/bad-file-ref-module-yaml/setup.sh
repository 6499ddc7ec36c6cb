#!/bin/sh
# what git cannot hold (a FIFO) or should not (links out of the tree)
set -e
cd registry
mkdir fifo link-out dangling looping
mkfifo fifo/module.yaml
ln -s ../../outside.yaml link-out/module.yaml
ln -s nowhere.yaml dangling/module.yaml
ln -s module.yaml looping/module.yaml
ln -s ../outside-module linked-dir-out
ln -s ../no-such-dir linked-dir-dangling
for d in fifo link-out dangling looping; do echo "# $d" >$d/README.md; done
