;; Makes a huge sparse file in a read-write grant: seeks 1 TiB past the start and writes one byte.
;; Exits with the errno of the write.
(module
  (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_seek" (func $fd_seek (param i32 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "sparse.bin")
  (func (export "_start") (local $errno i32)
    (local.set $errno (call $path_open (i32.const 3) (i32.const 1) (i32.const 100) (i32.const 10) (i32.const 9)
      (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 8)))
    (if (local.get $errno) (then (call $exit (i32.add (i32.const 200) (local.get $errno)))))
    (drop (call $fd_seek (i32.load (i32.const 8)) (i64.const 1099511627776) (i32.const 0) (i32.const 32)))
    (i32.store (i32.const 16) (i32.const 100))
    (i32.store (i32.const 20) (i32.const 1))
    (call $exit (call $fd_write (i32.load (i32.const 8)) (i32.const 16) (i32.const 1) (i32.const 24)))))
