/* cmd_query.c — `modreg query`. */
#include "commands.h"

int mr_cmd_query(const mr_opts *o)
{
	(void)o;
	mr_errorf("'query' is not available in this build yet");
	return MR_EXIT_FAILURE;
}
