;; Tries to wrap the write quota's counter: an fd_pwrite of one byte at offset 2^63-1 would cost 2^63 bytes (a
;; negative long) if the hole were added without overflow checks. Then writes 4 x 64 KiB the ordinary way.
;; Exits with the errno of the first refused write (0 when all four went through).
(module
  (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_pwrite" (func $fd_pwrite (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 2)
  (data (i32.const 100) "wrap.bin")
  (func (export "_start") (local $errno i32) (local $i i32)
    (local.set $errno (call $path_open (i32.const 3) (i32.const 1) (i32.const 100) (i32.const 8) (i32.const 1)
      (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 8)))
    (if (local.get $errno) (then (call $exit (i32.add (i32.const 200) (local.get $errno)))))
    (i32.store (i32.const 16) (i32.const 1024))
    (i32.store (i32.const 20) (i32.const 1))
    (drop (call $fd_pwrite (i32.load (i32.const 8)) (i32.const 16) (i32.const 1) (i64.const 0x7fffffffffffffff)
      (i32.const 24)))
    (i32.store (i32.const 20) (i32.const 65536))
    (block $done
      (loop $more
        (local.set $errno (call $fd_write (i32.load (i32.const 8)) (i32.const 16) (i32.const 1) (i32.const 24)))
        (br_if $done (local.get $errno))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $more (i32.lt_u (local.get $i) (i32.const 4)))))
    (call $exit (local.get $errno))))
