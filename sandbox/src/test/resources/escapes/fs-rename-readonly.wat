;; Rename a file in a read-only grant.
;; Exits with the errno the host returned (0 would mean the attack worked).
(module
  (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "wasi_snapshot_preview1" "path_rename" (func $path_rename (param i32 i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "a.txt")
  (data (i32.const 120) "b.txt")
  (func (export "_start")
    (call $exit (call $path_rename (i32.const 3) (i32.const 100) (i32.const 5) (i32.const 3) (i32.const 120) (i32.const 5)))))
