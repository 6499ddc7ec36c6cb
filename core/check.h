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
	size_t nrel;            /* how many relations satisfied and target cover */
	size_t cross_errors;    /* cross-module errors reported on this module */
	mr_diags diags;         /* cross-module diagnostics reported on this module */
	size_t *deps;           /* the dependency edges of a valid manifest (targets, in order) */
	size_t ndeps;
	long hparent;           /* its first hierarchical parent (first declared), or -1 */
} mr_modinfo;

/* The groups of checks, each with what it finds kept apart, so that the next analysis
 * (mr_analyse_again) takes over a group's findings when no module changed what the group
 * reads (mr_module.sig). */
enum {
	MR_GROUP_RELATIONS, /* targets, ranges, deprecated targets, incoming lists, cycles, hierarchy */
	MR_GROUP_EVENTS,    /* unpublished events */
	MR_GROUP_CLAIMS,    /* routes, UI paths and names claimed by several modules */
	MR_GROUP_LIKENESS,  /* possible duplicates */
	MR_GROUPS
};

/* The lists of findings, per module: the relations group keeps three (what a module
 * reports of its own relationships, what is reported on it as their target, cycles),
 * so that a change of one module re-checks only its neighbours. */
enum {
	MR_FOUND_SOURCE,
	MR_FOUND_TARGET,
	MR_FOUND_CYCLES,
	MR_FOUND_EVENTS,
	MR_FOUND_CLAIMS,
	MR_FOUND_LIKENESS,
	MR_FOUND_LISTS
};

typedef struct mr_claims mr_claims; /* the claims group's keys, kept for the next analysis */
typedef struct mr_events mr_events;     /* the events group's publications and subscriptions, likewise */
typedef struct mr_likeness mr_likeness; /* the likeness group's tokens and alike modules, likewise */

typedef struct mr_analysis {
	size_t n;               /* registry size when analysed */
	mr_modinfo *info;       /* per module, registry order */
	size_t *order;          /* dependencyOrder: n module indices */
	mr_cycle *cycles;       /* dependency cycles */
	size_t ncycles;
	size_t *roots;          /* modules nothing depends on */
	size_t nroots;
	/* each group's findings, per module (info[i].diags holds shallow copies of them),
	 * and the fingerprints of the modules analysed (NULL when one had none) */
	mr_diags *found[MR_FOUND_LISTS];
	size_t *found_errors[MR_FOUND_LISTS];
	uint64_t (*sig)[MR_GROUPS];
	uint64_t *idh;          /* the modules' ids, hashed (mr_module.idhash) */
	bool taken[MR_GROUPS];  /* the group's results were taken over by a later analysis */
	mr_claims *claims;
	mr_events *events;
	mr_likeness *likeness;
	/* per module, whether its findings, relationships or incoming list may differ from
	 * those of the analysis this one was made from (mr_analyse_again); NULL: any may */
	bool *changed;
} mr_analysis;

/* Analyse reg (which must not change until mr_analysis_release). */
void mr_analyse(const mr_registry *reg, mr_analysis *an);
/* The same, for reg as it is after prev was made (prev may be NULL): a group of checks
 * whose inputs no module changed (same modules, in the same order, with the same
 * fingerprints) is not run again — its results are moved from prev, which is left
 * to be released (mr_analysis_release) and is of no other use.  When only some modules
 * changed their relationships (the same ids), the relations group checks again only
 * them, their sources and their targets; when some changed their routes, UI paths or
 * names, the claims group checks again only the keys they had and have; their events,
 * the events group only the subscribers of the names they published and publish; what
 * their likeness is made of, the likeness group scores again only their pairs. */
void mr_analyse_again(const mr_registry *reg, mr_analysis *an, mr_analysis *prev);
/* Set mod->sig and mod->idhash: fingerprints of what each group of checks reads of the module (its id,
 * file, validity and parts of its manifest).  mr_module_load calls it. */
void mr_module_fingerprint(mr_module *mod);
void mr_analysis_release(mr_analysis *an);
/* How many claims, publications, subscriptions, tokens and alike pairs the analysis keeps
 * for the next one (an analysis made again keeps as many as a whole new one). */
size_t mr_analysis_kept(const mr_analysis *an);

#endif
