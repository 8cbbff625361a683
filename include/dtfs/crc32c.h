/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DTFS_CRC32C_H
#define DTFS_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* crc32c (Castagnoli) of @len bytes at @buf, continuing @crc (0 to start). */
uint32_t dt_crc32c(uint32_t crc, const void *buf, size_t len);

#endif
