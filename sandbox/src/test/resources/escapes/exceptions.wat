;; Exception tags: thrown payloads live on the host heap.
(module
  (tag $boom (param i64))
  (func (export "_start") (throw $boom (i64.const 1))))
