/* cmd_watch.c — `modreg watch`. */
#include "commands.h"

int mr_cmd_watch(const mr_opts *o)
{
	(void)o;
	mr_errorf("'watch' is not available in this build yet");
	return MR_EXIT_FAILURE;
}
