;; Declares a table of ten million function references.
(module
  (table 10000000 funcref)
  (func (export "_start")))
