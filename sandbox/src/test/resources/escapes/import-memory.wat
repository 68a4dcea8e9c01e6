;; Imports memory from the host, hoping to see host data.
(module
  (import "env" "memory" (memory 1))
  (func (export "_start")))
