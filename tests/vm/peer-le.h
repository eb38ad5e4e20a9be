/* SPDX-License-Identifier: MIT */
/*
 * Forced into the kernel's ffs-aio-example device apps when fetch.sh builds
 * them (x86 only, little-endian): they fill static descriptor tables with
 * htole16/htole32, which glibc defines as inline calls, not constant
 * expressions, so C rejects them in initializers.  On little-endian the
 * conversion is the identity.
 */
#include <endian.h>
#include <stdint.h>
#if __BYTE_ORDER != __LITTLE_ENDIAN
#error "peer-le.h: little-endian builds only"
#endif
#undef htole16
#undef htole32
#define htole16(x) ((uint16_t)(x))
#define htole32(x) ((uint32_t)(x))
