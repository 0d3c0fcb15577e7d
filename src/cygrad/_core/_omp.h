/* OpenMP queries that also compile when the build has no OpenMP (serial fallback). */
#ifndef CYGRAD_OMP_H
#define CYGRAD_OMP_H
#ifdef _OPENMP
#include <omp.h>
static int cg_omp_max_threads(void) { return omp_get_max_threads(); }
static void cg_omp_set_threads(int n) { omp_set_num_threads(n); }
static int cg_have_openmp(void) { return 1; }
#else
static int cg_omp_max_threads(void) { return 1; }
static void cg_omp_set_threads(int n) { (void)n; }
static int cg_have_openmp(void) { return 0; }
#endif
#endif
