/* File paths in canonical form, so that one file has one node. */
#ifndef BATON_PATH_H
#define BATON_PATH_H

#include <stdbool.h>
#include <stddef.h>

/* Canonicalise s[0..len) in place ("./a" "a//b" "x/../a" "a/" all become "a");
 * returns the new length. ".." at the start of a relative path is kept. */
size_t path_canon(char *s, size_t len);
/* Whether s[0..len) is surely canonical already: no empty, "." or ".."
 * component. Most paths are, and this look is cheaper than taking them apart. */
bool path_plain(const char *s, size_t len);

#endif
