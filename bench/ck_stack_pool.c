/* ck_stack_pool.c: see ck_stack_pool.h. */
#include "ck_stack_pool.h"

#include <ck_stack.h>
#include <stdlib.h>

struct JetBenchCkStack {
  ck_stack_t stack; /* first: aligned as malloc aligns (16 on x86-64) */
  ck_stack_entry_t* entries;
};

JetBenchCkStack* JetBenchCkStackCreate(uint32_t capacity) {
  JetBenchCkStack* pool = aligned_alloc(16, sizeof(JetBenchCkStack) + 16);
  uint32_t i;
  if (pool == NULL) return NULL;
  pool->entries = calloc(capacity, sizeof(ck_stack_entry_t));
  if (pool->entries == NULL) {
    free(pool);
    return NULL;
  }
  ck_stack_init(&pool->stack);
  for (i = capacity; i > 0; --i) {
    ck_stack_push_mpmc(&pool->stack, &pool->entries[i - 1]);
  }
  return pool;
}

void JetBenchCkStackDestroy(JetBenchCkStack* pool) {
  if (pool == NULL) return;
  free(pool->entries);
  free(pool);
}

int JetBenchCkStackAcquire(JetBenchCkStack* pool, uint32_t* slot) {
  ck_stack_entry_t* entry = ck_stack_pop_mpmc(&pool->stack);
  if (entry == NULL) return 0;
  *slot = (uint32_t)(entry - pool->entries);
  return 1;
}

void JetBenchCkStackRelease(JetBenchCkStack* pool, uint32_t slot) {
  ck_stack_push_mpmc(&pool->stack, &pool->entries[slot]);
}
