(module
  (import "wasi_snapshot_preview1" "path_open" (func $f0 (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "carapace" "http_get" (func $f1 (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "/home/u/.carapace/keystore.json")
  (func (export "_start") (drop (call $f0 (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 4) (i32.const 0) (i64.const 0) (i64.const 0) (i32.const 0) (i32.const 64))) (drop (call $f1 (i32.const 0) (i32.const 4)))))
