(module
  (import "carapace" "http_get" (func $f0 (param i32 i32) (result i32)))
  (import "carapace" "secret_get" (func $f1 (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "AWS_SECRET_ACCESS_KEY")
  (func (export "_start") (drop (call $f0 (i32.const 0) (i32.const 4))) (drop (call $f1 (i32.const 0) (i32.const 4)))))
