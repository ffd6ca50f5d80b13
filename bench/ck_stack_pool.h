/* ck_stack_pool.h: a free list over Concurrency Kit's ck_stack (MPMC pop
 * with a generation counter, CAS2), in C: ck_stack.h is a C header that
 * does not compile as C++. The calls cross a C translation unit, so they are
 * not inlined into the benchmark loop (a call each, a few ns). */
#ifndef JETSESSION_BENCH_CK_STACK_POOL_H_
#define JETSESSION_BENCH_CK_STACK_POOL_H_

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct JetBenchCkStack JetBenchCkStack;

/* A pool of slots 0..capacity-1, all free; NULL when memory runs out. */
JetBenchCkStack* JetBenchCkStackCreate(uint32_t capacity);
void JetBenchCkStackDestroy(JetBenchCkStack* pool);
/* Claims a slot into *slot; 0 when the stack is empty. */
int JetBenchCkStackAcquire(JetBenchCkStack* pool, uint32_t* slot);
void JetBenchCkStackRelease(JetBenchCkStack* pool, uint32_t slot);

#ifdef __cplusplus
}
#endif

#endif /* JETSESSION_BENCH_CK_STACK_POOL_H_ */
