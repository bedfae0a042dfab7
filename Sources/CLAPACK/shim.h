// CBLAS and LAPACKE from Debian's libopenblas-dev and liblapacke-dev.
// Only CreditLinearAlgebra imports this module.
#ifndef CREDITENGINE_CLAPACK_SHIM_H
#define CREDITENGINE_CLAPACK_SHIM_H
#include <cblas.h>
#include <lapacke.h>
#endif
