/* Helpers shared by the unit tests: sources from strings, captured diagnostics. */
#ifndef BATON_TEST_COMMON_H
#define BATON_TEST_COMMON_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/diag.h"
#include "lang/source.h"

/* Register text as a source named "Taskfile". */
static inline uint32_t src_of(const char *text)
{
	return source_add("Taskfile", text, strlen(text));
}

/* Diagnostics go to a memory stream between capture_start and capture_end. */
static char *capture_buf;
static size_t capture_len;
static FILE *capture_f;

static inline void capture_start(void)
{
	diag_reset();
	capture_f = open_memstream(&capture_buf, &capture_len);
	diag_set_stream(capture_f);
}

/* The text captured; the caller frees it. */
static inline char *capture_end(void)
{
	fclose(capture_f);
	diag_set_stream(NULL);
	return capture_buf;
}

/* Run a suite and exit with its verdict. */
static inline int run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
