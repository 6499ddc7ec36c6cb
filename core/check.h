/* check.h — rules across modules (SPEC §3): unknown targets, version ranges,
 * dependency and hierarchy cycles, conflicting routes, UI paths and names,
 * possible duplicates, deprecated/inactive dependencies, unpublished events —
 * plus what context.json needs from the whole graph (incoming relationships,
 * dependency order, roots, hierarchy).  Every pass is linear or n log n in the
 * size of the registry: no pass over all pairs of modules. */
#ifndef MR_CHECK_H
#define MR_CHECK_H

#include "graph.h"
#include "registry.h"

typedef struct mr_relref {
	size_t module; /* index in the registry */
	size_t rel;    /* index in that manifest's relations */
} mr_relref;

typedef struct mr_modinfo {
	mr_relref *incoming; /* relationships that point at this module, by source id then type */
	size_t nincoming;
	signed char *satisfied; /* per outgoing relation: 1 yes, 0 no, -1 not a dependency / unknown */
	long *target;           /* per outgoing relation: the target's index in the registry, or -1 */
	size_t cross_errors;    /* cross-module errors reported on this module */
	mr_diags diags;         /* cross-module diagnostics reported on this module */
	char *parent;           /* hierarchical parent id (first declared), or NULL */
} mr_modinfo;

typedef struct mr_analysis {
	size_t n;               /* registry size when analysed */
	mr_modinfo *info;       /* per module, registry order */
	size_t *order;          /* dependencyOrder: n module indices */
	mr_cycle *cycles;       /* dependency cycles */
	size_t ncycles;
	size_t *roots;          /* modules nothing depends on */
	size_t nroots;
} mr_analysis;

/* Analyse reg (which must not change until mr_analysis_release). */
void mr_analyse(const mr_registry *reg, mr_analysis *an);
void mr_analysis_release(mr_analysis *an);

#endif
