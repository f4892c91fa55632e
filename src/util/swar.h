/* SWAR byte tests: eight bytes of a string, loaded into a uint64_t, tested at once. Each returns
 * the high bit of every byte that passes, exactly (no carry crosses from one byte to the next),
 * so the flags can be counted, shifted or masked, not only tested for zero. */
#ifndef FAULTLINE_UTIL_SWAR_H
#define FAULTLINE_UTIL_SWAR_H

#include <stdint.h>

#define SWAR_ONES  0x0101010101010101ULL
#define SWAR_HIGHS 0x8080808080808080ULL

/* Bytes equal to c. */
static inline uint64_t swar_eq(uint64_t x, unsigned char c)
{
    uint64_t z = x ^ (SWAR_ONES * c);
    return ~(((z & ~SWAR_HIGHS) + ~SWAR_HIGHS) | z) & SWAR_HIGHS;
}

/* Bytes in lo..hi, for 1 <= lo <= hi <= 0x7f (bytes from 0x80 never pass). */
static inline uint64_t swar_between(uint64_t x, unsigned char lo, unsigned char hi)
{
    uint64_t y = x & ~SWAR_HIGHS;
    return (y + SWAR_ONES * (0x80u - lo)) & ~(y + SWAR_ONES * (0x80u - hi - 1)) & ~x & SWAR_HIGHS;
}

#endif
