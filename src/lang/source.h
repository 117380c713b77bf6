/* Source files: the text of each Taskfile read, and positions within it. */
#ifndef BATON_SOURCE_H
#define BATON_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A place in a source: byte offsets [off, end) of source number src (0: none). */
struct loc {
	uint32_t src, off, end;
};

struct source {
	char *name;  /* as given: the path used in messages */
	char *text;  /* the whole file, followed by a NUL */
	size_t len;  /* bytes of text, not counting the final NUL */
	char *dir;   /* directory of name, for relative includes ("" for the cwd) */
	uint32_t *lines; /* offset where each line starts, made for the first message */
	size_t nlines;
	/* A big file (256 KiB or more) stays open, and its text is kept on pages
	 * of its own (map), let go of a part at a time as the graph is built and
	 * all at once after; text is then NULL until a message needs it, when it
	 * is read again. fd is -1 and map NULL for a text held in memory. */
	int fd;
	char *map;
	size_t maplen, released; /* [0, released) of map is given back */
	uint64_t hash;           /* of the text, to tell whether the file changed */
	bool changed;            /* it did: that was reported */
};

/* What all the files read (the Taskfile, its includes, read_file()) may
 * hold in all, and how many they may be. */
enum { SOURCE_MAX_TOTAL = 256 << 20, SOURCE_MAX_FILES = 100000 };

/* Read a whole file and register it; returns its number (>0), or 0 with
 * errno set: EFBIG if it would take the bytes read in all over
 * SOURCE_MAX_TOTAL (it is read no further: /dev/zero ends), EMFILE if it
 * would be one file more than SOURCE_MAX_FILES. */
uint32_t source_load(const char *path);
/* The bytes and the number of the sources read so far. */
size_t source_bytes(size_t *count);
/* Register text held in memory under a name (used by tests); returns its number. */
uint32_t source_add(const char *name, const char *text, size_t len);
/* The source numbered id (1-based); its text is read again if it was let go of. */
const struct source *source_get(uint32_t id);
/* Let go of the text of a big source before offset off, which nothing reads
 * again but messages (see struct source); a megabyte at a time. */
void source_release(uint32_t id, uint32_t off);
/* Let go of the text of every big source: what is kept of it after the graph is
 * built has copies of its own, and a message that quotes a line reads the file
 * again (warning if it changed in the meantime). */
void source_shed_all(void);
/* Line and column (1-based, columns count characters) of a byte offset; the
 * first call for a source indexes its lines, so that each message costs only
 * the length of its line, not of the file. */
void source_linecol(const struct source *s, uint32_t off, unsigned *line, unsigned *col);
/* Forget every source and free their memory. */
void source_free_all(void);

#endif
