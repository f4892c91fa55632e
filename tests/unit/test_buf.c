#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "util/buf.h"

static void test_append_and_printf(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    assert_int_equal(buf_puts(&b, "abc"), 0);
    assert_int_equal(buf_printf(&b, "-%d-", 42), 0);
    assert_string_equal(b.data, "abc-42-");
    assert_int_equal(b.len, 7);
    for (int i = 0; i < 1000; i++)
        buf_putc(&b, 'x');
    assert_int_equal(b.len, 1007);
    assert_int_equal(b.data[1007], '\0');
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_append_and_printf)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
