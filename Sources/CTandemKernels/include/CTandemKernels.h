#ifndef CTANDEM_KERNELS_H
#define CTANDEM_KERNELS_H
#include <stdint.h>
#include <stddef.h>
#endif
