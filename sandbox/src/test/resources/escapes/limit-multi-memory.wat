;; Two memories: the second would escape the page accounting of the first.
(module
  (memory $a 1)
  (memory $b 1)
  (func (export "_start")))
