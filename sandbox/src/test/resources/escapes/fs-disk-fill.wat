;; Fills the disk through a read-write grant: writes 64 KiB blocks to /data/fill.bin until the host says no.
;; Exits with the errno of the refused write.
(module
  (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 2)
  (data (i32.const 100) "fill.bin")
  (func (export "_start") (local $errno i32)
    (local.set $errno (call $path_open (i32.const 3) (i32.const 1) (i32.const 100) (i32.const 8) (i32.const 9)
      (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 8)))
    (if (local.get $errno) (then (call $exit (i32.add (i32.const 200) (local.get $errno)))))
    ;; iovec: 64 KiB from address 65536
    (i32.store (i32.const 16) (i32.const 65536))
    (i32.store (i32.const 20) (i32.const 65536))
    (loop $more
      (local.set $errno (call $fd_write (i32.load (i32.const 8)) (i32.const 16) (i32.const 1) (i32.const 24)))
      (br_if $more (i32.eqz (local.get $errno))))
    (call $exit (local.get $errno))))
