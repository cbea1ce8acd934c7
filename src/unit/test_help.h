/* test_help.h: the smallest C unit-test harness.
 *
 * Each src/unit/test_<module>.c defines tests with TEST_CASE and runs them
 * from main() with RUN_TEST; TEST_REPORT() prints "N passed, N failed" and
 * returns the exit status. A failed ASSERT ends the current test case. */
#ifndef TEST_HELP_H
#define TEST_HELP_H

#include <stdio.h>
#include <string.h>

static int test_passed, test_failed, test_current_failed;

#define TEST_CASE(name) static void name(void)

#define ASSERT(cond)                                                       \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "  assertion failed %s:%d: %s\n", __FILE__,    \
                    __LINE__, #cond);                                      \
            test_current_failed = 1;                                       \
            return;                                                        \
        }                                                                  \
    } while (0)

#define ASSERT_EQ_INT(a, b)                                                \
    do {                                                                   \
        long long _a = (long long)(a), _b = (long long)(b);                \
        if (_a != _b) {                                                    \
            fprintf(stderr, "  %s:%d: %s == %lld, expected %lld\n",        \
                    __FILE__, __LINE__, #a, _a, _b);                       \
            test_current_failed = 1;                                       \
            return;                                                        \
        }                                                                  \
    } while (0)

#define ASSERT_EQ_STR(a, b) ASSERT(strcmp((a), (b)) == 0)

#define RUN_TEST(fn)                                                       \
    do {                                                                   \
        test_current_failed = 0;                                           \
        fn();                                                              \
        if (test_current_failed) {                                         \
            test_failed++;                                                 \
            printf("[err] %s\n", #fn);                                     \
        } else {                                                           \
            test_passed++;                                                 \
            printf("[ok] %s\n", #fn);                                      \
        }                                                                  \
    } while (0)

#define TEST_REPORT()                                                      \
    (printf("%d passed, %d failed\n", test_passed, test_failed),           \
     test_failed ? 1 : 0)

#endif
