;; Floods the audit log: asks for a path outside the grant in a loop, hoping to fill the disk or to corrupt the log
;; when the watchdog interrupts it in the middle of a write.
(module
  (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "../outside/secret.txt")
  (func (export "_start")
    (loop $again
      (drop (call $path_open (i32.const 3) (i32.const 1) (i32.const 100) (i32.const 21) (i32.const 0)
        (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 8)))
      (br $again))))
