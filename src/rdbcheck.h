/* rdbcheck: checks an RDB image in memory and reports on stdout in the
 * words of Redis 7.0's redis-check-rdb. Shared by redis-check-rdb and
 * redis-check-aof (for an AOF's RDB preamble or base file). */
#ifndef RDBCHECK_H
#define RDBCHECK_H

#include <stddef.h>

int rdbCheckMemory(const char *name, const unsigned char *buf, size_t len,
                   size_t *end);

#endif
