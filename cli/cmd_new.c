/* cmd_new.c — `modreg new`. */
#include "commands.h"

int mr_cmd_new(const mr_opts *o)
{
	(void)o;
	mr_errorf("'new' is not available in this build yet");
	return MR_EXIT_FAILURE;
}
