/* One way every unit test program runs its suite and turns the outcome
 * into the exit status automake reads. */
#ifndef VERIPORT_TESTS_CHECK_RUN_H
#define VERIPORT_TESTS_CHECK_RUN_H

#include <check.h>
#include <stdlib.h>

static inline int check_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
