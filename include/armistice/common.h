/*
 * common.h - what every armistice source file includes, after its system
 * headers (banned.h must come last so it cannot break a system header).
 */
#ifndef ARMISTICE_COMMON_H
#define ARMISTICE_COMMON_H

#include "err.h"
#include "buf.h"

#define ARM_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#include "banned.h"

#endif
