/* mcp.h — the Model Context Protocol server (revision 2025-11-25) of SPEC §9, as a
 * function from one JSON-RPC message to its reply, so that the stdio loop stays trivial
 * and tests can drive the protocol without a process.  Tools: list_modules, get_module,
 * get_dependencies, find_similar, validate_manifest; resources: modreg://context and
 * the template modreg://modules/{id}.  Every tools/call and resources request reads
 * the registry afresh: a model never sees data older than the files on disk. */
#ifndef MR_MCP_H
#define MR_MCP_H

#include <stddef.h>

#define MR_MCP_PROTOCOL_VERSION "2025-11-25"

/* JSON-RPC and MCP error codes */
enum {
	MR_RPC_PARSE_ERROR = -32700,
	MR_RPC_INVALID_REQUEST = -32600,
	MR_RPC_METHOD_NOT_FOUND = -32601,
	MR_RPC_INVALID_PARAMS = -32602,
	MR_RPC_INTERNAL_ERROR = -32603,
	MR_MCP_RESOURCE_NOT_FOUND = -32002
};

typedef struct mr_mcp_config {
	const char *registry; /* registry root */
	const char *stats;    /* statistics directory, or NULL */
	const char *out;      /* output directory whose context.json gives last-known-good entries, or NULL */
	/* optional: one line per request handled (method, tool, milliseconds), for stderr */
	void (*log)(void *arg, const char *line);
	void *log_arg;
} mr_mcp_config;

typedef struct mr_mcp mr_mcp;

/* The strings of cfg are borrowed and must outlive the server.  Never NULL. */
mr_mcp *mr_mcp_new(const mr_mcp_config *cfg);
void mr_mcp_free(mr_mcp *s); /* NULL is a no-op */

/* Handle one message (one line of input, without its newline; a trailing \r is ignored).
 * Returns the reply as compact JSON without newline (heap, the caller frees it), or NULL
 * when no reply is due: a notification, a response, or a blank line.  Broken JSON gets a
 * -32700 error with id null. */
char *mr_mcp_handle(mr_mcp *s, const char *line, size_t len);

#endif
