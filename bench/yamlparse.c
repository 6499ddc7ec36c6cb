/* yamlparse.c — the reference of SPEC §10's cold-index figure: read every
 * <root>/<id>/module.yaml and parse it with libyaml alone, single thread.
 * Usage: yamlparse ROOT [--load]   (--load builds libyaml's document tree too) */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) return NULL;
	size_t cap = 65536, n = 0, r;
	char *buf = malloc(cap);
	while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			char *nb = realloc(buf, cap *= 2);
			if (!nb) {
				free(buf);
				buf = NULL;
			}
			buf = nb;
		}
	}
	fclose(f);
	*len = n;
	return buf;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: yamlparse ROOT [--load]\n");
		return 2;
	}
	int load = argc > 2 && !strcmp(argv[2], "--load");
	DIR *d = opendir(argv[1]);
	if (!d) {
		perror(argv[1]);
		return 2;
	}
	struct dirent *e;
	size_t files = 0, events = 0, bytes = 0;
	char path[4096];
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.') continue;
		snprintf(path, sizeof path, "%s/%s/module.yaml", argv[1], e->d_name);
		size_t len;
		char *data = slurp(path, &len);
		if (!data) continue;
		yaml_parser_t p;
		yaml_parser_initialize(&p);
		yaml_parser_set_input_string(&p, (const unsigned char *)data, len);
		if (load) {
			yaml_document_t doc;
			if (yaml_parser_load(&p, &doc)) {
				events += (size_t)(doc.nodes.top - doc.nodes.start);
				yaml_document_delete(&doc);
			}
		} else {
			yaml_event_t ev;
			int done = 0;
			while (!done && yaml_parser_parse(&p, &ev)) {
				done = ev.type == YAML_STREAM_END_EVENT;
				events++;
				yaml_event_delete(&ev);
			}
		}
		yaml_parser_delete(&p);
		free(data);
		files++;
		bytes += len;
	}
	closedir(d);
	printf("%zu files, %zu bytes, %zu %s\n", files, bytes, events, load ? "nodes" : "events");
	return 0;
}
