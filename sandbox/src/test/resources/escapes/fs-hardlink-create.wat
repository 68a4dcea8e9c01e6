;; Create a hard link to a file inside a read-write grant (allowed: both names are inside the grant).
;; Exits with the errno the host returned.
(module
  (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "wasi_snapshot_preview1" "path_link" (func $path_link (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "a.txt")
  (data (i32.const 120) "hard")
  (func (export "_start")
    (call $exit (call $path_link (i32.const 3) (i32.const 0) (i32.const 100) (i32.const 5) (i32.const 3) (i32.const 120) (i32.const 4)))))
