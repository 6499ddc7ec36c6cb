/* cmd_mcp.c — `modreg mcp`: the MCP server on stdin/stdout (SPEC §9).  One JSON-RPC
 * message per line in, one reply per line out, flushed at once; only protocol on stdout,
 * logs (with -v) on stderr; exit 0 at end of input.  The protocol itself is core/mcp.c. */
#include "commands.h"
#include "mcp.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

/* the SDK's own reader stops at 10 MiB; a longer line is no message we could answer */
#define MAX_LINE (16u * 1024 * 1024)

static void log_line(void *arg, const char *line)
{
	(void)arg;
	fprintf(stderr, "modreg mcp: %s\n", line);
}

/* Read one line into b (without the newline).  Returns 1 for a line, 0 at end of input,
 * -1 for a line longer than MAX_LINE (read and dropped). */
static int read_line(FILE *in, mr_buf *b)
{
	int c;
	bool any = false, too_long = false;
	mr_buf_reset(b);
	while ((c = getc(in)) != EOF) {
		any = true;
		if (c == '\n') break;
		if (b->len >= MAX_LINE) too_long = true;
		else mr_buf_putc(b, (char)c);
	}
	if (!any) return 0;
	return too_long ? -1 : 1;
}

static bool write_reply(const char *reply)
{
	return fputs(reply, stdout) != EOF && putchar('\n') != EOF && fflush(stdout) != EOF;
}

int mr_cmd_mcp(const mr_opts *o)
{
	/* a client that went away must not kill us mid-write; the failed write ends the loop */
	signal(SIGPIPE, SIG_IGN);
	mr_mcp_config cfg = {o->registry, o->stats, o->out, o->verbose ? log_line : NULL, NULL};
	mr_mcp *s = mr_mcp_new(&cfg);
	if (o->verbose) fprintf(stderr, "modreg mcp: serving registry %s (MCP %s)\n", o->registry, MR_MCP_PROTOCOL_VERSION);
	mr_buf line = MR_BUF_INIT;
	int r;
	while ((r = read_line(stdin, &line)) != 0) {
		char *reply;
		if (r < 0)
			reply = mr_xstrdup("{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,\"message\":"
			                   "\"parse error: message longer than 16 MiB\"}}");
		else reply = mr_mcp_handle(s, mr_buf_str(&line), line.len);
		bool ok = !reply || write_reply(reply);
		free(reply);
		if (!ok) break;
	}
	mr_buf_release(&line);
	mr_mcp_free(s);
	return MR_EXIT_OK;
}
