/* cmd_mcp.c — `modreg mcp`. */
#include "commands.h"

int mr_cmd_mcp(const mr_opts *o)
{
	(void)o;
	mr_errorf("'mcp' is not available in this build yet");
	return MR_EXIT_FAILURE;
}
