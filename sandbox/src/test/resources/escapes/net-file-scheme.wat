;; A non-HTTP scheme.
;; Exits with 100 + the http_get result (99 = denied by policy).
(module
  (import "carapace" "http_get" (func $http_get (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 2)
  (data (i32.const 100) "file:///etc/passwd")
  (func (export "_start")
    (call $exit (i32.add (i32.const 100)
      (call $http_get (i32.const 100) (i32.const 18) (i32.const 65536) (i32.const 4096))))))
