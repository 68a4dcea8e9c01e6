;; Shared memory: the door to threads and atomics.
(module
  (memory (export "memory") 1 1 shared)
  (func (export "_start")))
