/* semver_oracle.c — `modreg __semver-oracle TABLE`: checks the semver module
 * against a conformance table recorded from node-semver, so that any table of
 * that format can be run, not only the one the unit tests carry.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "semver_oracle.h"
#include "util.h"

int mr_cmd_semver_oracle(int argc, char **argv)
{
	mr_buf report = MR_BUF_INIT;
	size_t passed = 0, failed = 0;

	if (argc != 2) {
		mr_errorf("usage: modreg __semver-oracle TABLE");
		return 2;
	}
	if (mr_semver_oracle_run(argv[1], &passed, &failed, &report) < 0) {
		mr_errorf("cannot read %s: %s", argv[1], strerror(errno));
		mr_buf_release(&report);
		return 2;
	}
	fputs(mr_buf_str(&report), stdout);
	printf("%zu passed, %zu failed\n", passed, failed);
	mr_buf_release(&report);
	return failed ? 1 : 0;
}
