// glibc's malloc tuning (mallopt), which the Glibc module does not export.
// Only the credit executable imports this module.
#ifndef CREDITENGINE_CGLIBCMALLOC_SHIM_H
#define CREDITENGINE_CGLIBCMALLOC_SHIM_H
#include <malloc.h>
#endif
