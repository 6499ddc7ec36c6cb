/* commands.h — the commands of the modreg front end, one function each;
 * each returns the process exit status.
 */
#ifndef MR_COMMANDS_H
#define MR_COMMANDS_H

/* `modreg __semver-oracle TABLE`, with argv[0] the command name and argv[1]
 * the table: runs a node-semver conformance table (see
 * core/semver_oracle.h), prints each failing case, then "N passed, N failed".
 * Exit status 0 when every case passed, 1 when one failed, 2 when the table
 * cannot be read or no table was given. */
int mr_cmd_semver_oracle(int argc, char **argv);

#include "cli.h"

int mr_cmd_validate(const mr_opts *o);
int mr_cmd_index(const mr_opts *o);
int mr_cmd_status(const mr_opts *o);
int mr_cmd_build(const mr_opts *o);
int mr_cmd_watch(const mr_opts *o);
int mr_cmd_query(const mr_opts *o);
int mr_cmd_new(const mr_opts *o);
int mr_cmd_mcp(const mr_opts *o);

#endif
