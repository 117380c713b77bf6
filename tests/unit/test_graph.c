/* Paths and the graph: canonical names, one node per file, one producer per output. */
#include "common.h"
#include "graph/graph.h"
#include "lang/ast.h"
#include "graph/taskfile.h"
#include "base/path.h"

static char *canon(const char *p)
{
	char *s = strcpy(malloc(strlen(p) + 1), p);

	path_canon(s, strlen(s));
	return s;
}

#define CANON_EQ(in, want)                                                                         \
	do {                                                                                       \
		char *got = canon(in);                                                             \
		ck_assert_str_eq(got, want);                                                       \
		free(got);                                                                         \
	} while (0)

START_TEST(canonical_paths)
{
	CANON_EQ("a", "a");
	CANON_EQ("src/main.c", "src/main.c");
	CANON_EQ("/usr/include/x.h", "/usr/include/x.h");
	CANON_EQ("a/.hidden/b", "a/.hidden/b");
	CANON_EQ("a/b/.", "a/b");
	CANON_EQ("a/b/..", "a");
	CANON_EQ("out.", "out.");
	CANON_EQ("./a", "a");
	CANON_EQ("a//b", "a/b");
	CANON_EQ("x/../a", "a");
	CANON_EQ("a/", "a");
	CANON_EQ("./", ".");
	CANON_EQ("a/..", ".");
	CANON_EQ("../a", "../a");
	CANON_EQ("../../a/./b/../c", "../../a/c");
	CANON_EQ("/a/../../b", "/b");
	CANON_EQ("//a///b/", "/a/b");
	CANON_EQ("a/b/c/../../d", "a/d");
}
END_TEST

START_TEST(one_node_per_file)
{
	struct graph g = {0};
	struct node *a = graph_node(&g, "out/a.o", 7);

	ck_assert_ptr_eq(graph_node(&g, "./out//a.o", 10), a);
	ck_assert_ptr_eq(graph_node(&g, "x/../out/a.o", 12), a);
	ck_assert_ptr_eq(graph_find(&g, "out/a.o"), a);
	ck_assert_ptr_ne(graph_node(&g, "out/b.o", 7), a);
	graph_free(&g);
}
END_TEST

/* The set behind the node table: keys that are prefixes of each other or differ
 * only in length are told apart, and growing keeps every object findable. */
START_TEST(hash_set_of_keyed_objects)
{
	struct obj {
		struct hkey k;
		int n;
	} objs[300];
	char names[300][8];
	struct hset h = {0};
	void **slot;
	int i;

	ck_assert_ptr_null(hset_get(&h, "A", 1));
	for (i = 0; i < 300; i++) {
		/* "A", "AA", ... "AAAAAAA", then "B", ... */
		memset(names[i], 'A' + i / 7, sizeof(names[i]));
		names[i][i % 7 + 1] = '\0';
		objs[i] = (struct obj){{names[i], (uint32_t)(i % 7 + 1)}, i};
		slot = hset_slot(&h, objs[i].k.s, objs[i].k.len);
		ck_assert_ptr_null(*slot);
		*slot = &objs[i];
	}
	ck_assert_uint_eq(h.n, 300);
	ck_assert_uint_ge(h.cap, 512); /* grew from 64, at most three quarters full */
	for (i = 0; i < 300; i++) {
		ck_assert_ptr_eq(hset_get(&h, names[i], strlen(names[i])), &objs[i]);
		ck_assert_ptr_eq(*hset_slot(&h, names[i], strlen(names[i])), &objs[i]);
	}
	ck_assert_uint_eq(h.n, 300); /* finding a slot again adds nothing */
	ck_assert_ptr_null(hset_get(&h, "AAAAAAAA", 8));
	ck_assert_ptr_null(hset_get(&h, "", 0));
	ck_assert_ptr_null(hset_get(&h, "AB", 2));
	hset_free(&h);
	ck_assert_ptr_null(hset_get(&h, "A", 1));
}
END_TEST

/* Enough nodes that the table grows past OS_BIG onto huge pages: each is found
 * again, once, by its name. */
START_TEST(many_nodes)
{
	struct graph g = {0};
	struct node **made = malloc(200000 * sizeof(*made));
	char name[32];
	int i, n;

	for (i = 0; i < 200000; i++) {
		n = snprintf(name, sizeof(name), "out/%d/%d.o", i % 97, i);
		made[i] = graph_node(&g, name, (size_t)n);
	}
	ck_assert(g.nodes.big); /* 200,000 entries: over 4 MiB */
	ck_assert_uint_eq(g.nodes.n, 200000);
	for (i = 0; i < 200000; i++) {
		snprintf(name, sizeof(name), "out/%d/%d.o", i % 97, i);
		ck_assert_ptr_eq(graph_find(&g, name), made[i]);
		ck_assert_str_eq(made[i]->path, name);
	}
	ck_assert_ptr_null(graph_find(&g, "out/0/200000.o"));
	graph_free(&g);
	free(made);
}
END_TEST

static char *graph_of(const char *text, char **diag)
{
	struct taskfile l;
	struct buf b = {0};

	taskfile_init(&l);
	capture_start();
	if (taskfile_source(&l, src_of(text)))
		taskfile_graph(&l);
	*diag = capture_end();
	graph_dump(&b, &l.graph);
	taskfile_free(&l);
	buf_add(&b, "", 0);
	return b.s;
}

START_TEST(edges_from_rules)
{
	char *d, *g = graph_of("objs = a.o ./b.o\napp: {{objs}} | out/\n\tld\ntask t x: app\n\techo\n",
			       &d);

	ck_assert_str_eq(d, "");
	ck_assert_str_eq(g, "app: a.o b.o | out\ntask t: app\n");
	free(g);
	free(d);
}
END_TEST

START_TEST(variables_named_alone_in_headers)
{
	/* "{{ name }}" alone is a word of its own: its nodes are found by the first
	 * header that names it and used again by the others, in any part of them;
	 * next to other text, or indexed, it is evaluated as before */
	char *d, *g = graph_of("h = x.h ./y.h\nouts = p q\n"
			       "a.o: a.c {{h}}\n\tcc\n"
			       "b.o: {{ h }} b.c | {{h}}\n\tcc\n"
			       "{{outs}}: {{h}} {{h}}\n\tgen\n"
			       "c.o: {{h}}.gch {{h[1]}}\n\tcc\n"
			       "d.o: {{h}}\n\tcc\n",
			       &d);

	ck_assert_str_eq(d, "");
	ck_assert_str_eq(g, "a.o: a.c x.h y.h\n"
			    "b.o: x.h y.h b.c | x.h y.h\n"
			    "p q: x.h y.h x.h y.h\n"
			    "c.o: x.h.gch y.h.gch y.h\n"
			    "d.o: x.h y.h\n");
	free(g);
	free(d);
	/* errors as before: an unknown name, at each header that names it */
	g = graph_of("a: {{nope}}\n\ttrue\nb: {{nope}}\n\ttrue\n", &d);
	ck_assert_str_eq(d, "Taskfile:1:6: error: unknown variable 'nope'\n"
			    "    a: {{nope}}\n"
			    "         ^~~~\n"
			    "Taskfile:3:6: error: unknown variable 'nope'\n"
			    "    b: {{nope}}\n"
			    "         ^~~~\n");
	free(g);
	free(d);
	/* an empty variable as the only output: no outputs */
	g = graph_of("none =\n{{none}}: x\n\ttrue\nb: {{none}}\n\ttrue\n", &d);
	ck_assert_str_eq(d, "Taskfile:2:1: error: the rule has no outputs (its output words are empty)\n"
			    "    {{none}}: x\n"
			    "    ^~~~~~~~\n");
	ck_assert_str_eq(g, "b:\n");
	free(g);
	free(d);
}
END_TEST

START_TEST(rules_written_alike_share_a_statement)
{
	/* rules with the same recipe text share one statement after loading, and
	 * each edge keeps where its own rule is; one with a doc comment or an
	 * attribute, or another recipe, has a statement of its own */
	struct taskfile l;
	struct edge **e;

	taskfile_init(&l);
	capture_start();
	ck_assert(taskfile_source(&l, src_of("a: x\n\ttouch {{out}}\n"
					 "b: y\n\ttouch {{out}}\n"
					 "## made with care\n"
					 "c: z\n\ttouch {{out}}\n"
					 "[precious]\n"
					 "d: w\n\ttouch {{out}}\n"
					 "e: v\n\tcp {{in}} {{out}}\n"
					 "f: u\n\ttouch {{out}}\n")));
	ck_assert(taskfile_graph(&l));
	free(capture_end());
	ck_assert_uint_eq(l.graph.nedges, 6);
	e = l.graph.edges;
	ck_assert_ptr_eq(e[0]->rule, e[1]->rule);
	ck_assert_ptr_eq(e[0]->rule, e[5]->rule);
	ck_assert_ptr_ne(e[2]->rule, e[0]->rule);
	ck_assert_ptr_ne(e[3]->rule, e[0]->rule);
	ck_assert_ptr_ne(e[4]->rule, e[0]->rule);
	ck_assert_str_eq(e[2]->rule->doc, "made with care");
	ck_assert_ptr_nonnull(ast_getattr(e[3]->rule, "precious"));
	ck_assert_ptr_null(ast_getattr(e[0]->rule, "precious"));
	/* where each rule is: its own header, line by line */
	ck_assert_uint_eq(e[0]->loc.off, 0);
	ck_assert_uint_eq(e[1]->loc.off, 20);
	ck_assert_uint_ne(e[1]->shift, 0);
	ck_assert_uint_eq(e[5]->loc.off, e[5]->shift + e[0]->loc.off);
	/* the rules' list holds what outlives the segments */
	ck_assert_ptr_eq(l.rules[1], e[1]->rule);
	ck_assert_ptr_eq(l.rules[2], e[2]->rule);
	taskfile_free(&l);
}
END_TEST

START_TEST(duplicate_producer)
{
	char *d, *g = graph_of("a b:\n\ttrue\nx:\n\ttrue\n./b:\n\ttrue\n", &d);

	ck_assert_str_eq(d, "Taskfile:5:1: error: 'b' is already made by the rule at Taskfile:1:1\n"
			    "    ./b:\n"
			    "    ^~~\n"
			    "Taskfile:1:1: note: the first rule that makes 'b' is here\n"
			    "    a b:\n"
			    "    ^~~\n");
	free(g);
	free(d);
	g = graph_of("test:\n\ttrue\ntask test:\n\ttrue\n", &d);
	ck_assert_ptr_nonnull(strstr(d, "Taskfile:3:1: error: 'test' is both a task and a file"));
	free(g);
	free(d);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("graph");
	TCase *tc = tcase_create("graph");

	tcase_add_test(tc, canonical_paths);
	tcase_add_test(tc, one_node_per_file);
	tcase_add_test(tc, hash_set_of_keyed_objects);
	tcase_add_test(tc, many_nodes);
	tcase_add_test(tc, edges_from_rules);
	tcase_add_test(tc, variables_named_alone_in_headers);
	tcase_add_test(tc, rules_written_alike_share_a_statement);
	tcase_add_test(tc, duplicate_producer);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
