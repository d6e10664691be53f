/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Stands in for <cmocka.h> where cmocka is not installed (configure puts
 * this directory on the include path then). The unit tests still
 * compile, so that the program and `make check` build everywhere, and
 * each test program reports itself skipped, naming the package, instead
 * of running: nothing here asserts anything. */
#ifndef DMARCPILOT_NOCMOCKA_H
#define DMARCPILOT_NOCMOCKA_H

#include <stdio.h>
#include <stdlib.h>

typedef void (*CMUnitTestFunction)(void **state);
typedef int (*CMFixtureFunction)(void **state);

struct CMUnitTest {
	const char *name;
	CMUnitTestFunction test_func;
	CMFixtureFunction setup_func;
	CMFixtureFunction teardown_func;
	void *initial_state;
};

/* Takes the arguments of an assertion, which is never run, so that the
 * compiler sees the values used. */
static inline void nocmocka_use(int unused, ...)
{
}

/* Where a test would stop: never reached, since no test runs. */
static inline _Noreturn void nocmocka_stop(void)
{
	abort();
}

/* Says why the tests do not run and ends the program with automake's
 * SKIP status (77), also where main would add up several groups. */
static inline int nocmocka_skip_all(const char *group, const void *tests)
{
	printf("SKIP: %s: the unit tests need cmocka; install the Debian "
	       "package libcmocka-dev and run configure again\n",
	       group);
	fflush(stdout);
	exit(77);
}

/* clang-format off */
#define cmocka_unit_test(f) { #f, f, NULL, NULL, NULL }
#define cmocka_unit_test_setup_teardown(f, setup, teardown) \
	{ #f, f, setup, teardown, NULL }
#define cmocka_run_group_tests(tests, setup, teardown) \
	(nocmocka_use(0, setup, teardown), nocmocka_skip_all(#tests, tests))
#define cmocka_run_group_tests_name(name, tests, setup, teardown) \
	(nocmocka_use(0, setup, teardown), nocmocka_skip_all(name, tests))
/* clang-format on */

#define assert_true(c) nocmocka_use(0, c)
#define assert_false(c) nocmocka_use(0, c)
#define assert_non_null(p) nocmocka_use(0, p)
#define assert_null(p) nocmocka_use(0, p)
#define assert_int_equal(a, b) nocmocka_use(0, a, b)
#define assert_int_not_equal(a, b) nocmocka_use(0, a, b)
#define assert_ptr_equal(a, b) nocmocka_use(0, a, b)
#define assert_ptr_not_equal(a, b) nocmocka_use(0, a, b)
#define assert_string_equal(a, b) nocmocka_use(0, a, b)
#define assert_string_not_equal(a, b) nocmocka_use(0, a, b)
#define assert_memory_equal(a, b, n) nocmocka_use(0, a, b, n)
#define print_message(...) nocmocka_use(0, __VA_ARGS__)
#define print_error(...) nocmocka_use(0, __VA_ARGS__)
#define fail() nocmocka_stop()
#define fail_msg(...) (nocmocka_use(0, __VA_ARGS__), nocmocka_stop())
#define skip() nocmocka_stop()

#endif
