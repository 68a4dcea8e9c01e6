;; Declares 1024 initial pages (64 MiB) when the manifest allows 16.
(module
  (memory (export "memory") 1024)
  (func (export "_start")))
