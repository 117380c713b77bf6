/* What taskfile.c (reading a Taskfile's files) and rules.c (making its rules
 * into edges) share. */
#ifndef BATON_GRAPH_INTERNAL_H
#define BATON_GRAPH_INTERNAL_H

struct taskfile;

/* Free what making the rules into edges needed, and no more. */
void taskfile_freescratch(struct taskfile *l);

#endif
