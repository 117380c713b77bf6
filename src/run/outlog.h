/* The output of each job's last run, kept in .baton/output so that
 * `baton --log TARGET` can print it again: one block per job that ran,
 * appended as it ends; at most OUTLOG_BLOCK bytes of each (its end), and the
 * file compacted to the last block of each job once it grows past OUTLOG_MAX. */
#ifndef BATON_OUTLOG_H
#define BATON_OUTLOG_H

#include <stdbool.h>
#include <stdint.h>

struct output;

enum { OUTLOG_BLOCK = 1 << 20 };
#define OUTLOG_MAX ((uint64_t)64 << 20)

struct outlog;

/* The output log dir/output, opened for appending when the first block comes
 * (a warning then if it cannot be). */
struct outlog *outlog_open(const char *dir);
/* Append the output o of the job called name. */
void outlog_add(struct outlog *l, const char *name, const struct output *o);
/* Close it, compacting the file if it grew too big. */
void outlog_close(struct outlog *l);
/* Print the last block of name from dir/output to stdout: 1 if there is one,
 * 0 if none, -1 after reporting that the file cannot be read. */
int outlog_print(const char *dir, const char *name);

#endif
