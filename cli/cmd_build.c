/* cmd_build.c — `modreg build`. */
#include "commands.h"

int mr_cmd_build(const mr_opts *o)
{
	(void)o;
	mr_errorf("'build' is not available in this build yet");
	return MR_EXIT_FAILURE;
}
