;; Spins forever: must be stopped by the wall-clock budget.
(module
  (func (export "_start") (loop $forever (br $forever))))
