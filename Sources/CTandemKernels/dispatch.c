#include "CTandemKernels.h"
