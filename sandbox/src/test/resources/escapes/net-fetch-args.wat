;; Calls carapace.http_get for each argument in turn; exits with 100 + the last return value
;; (so -1 denied = 99, -2 network error = 98, -3 too large = 97, -4 limit reached = 96) and prints the last body.
(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "carapace" "http_get" (func $http_get (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (func $strlen (param $p i32) (result i32) (local $n i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (i32.load8_u (i32.add (local.get $p) (local.get $n)))))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $n))
  (func (export "_start") (local $argc i32) (local $i i32) (local $url i32) (local $r i32)
    (drop (call $args_sizes_get (i32.const 0) (i32.const 4)))
    (local.set $argc (i32.load (i32.const 0)))
    (drop (call $args_get (i32.const 64) (i32.const 1024)))
    (local.set $i (i32.const 1))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $argc)))
        (local.set $url (i32.load (i32.add (i32.const 64) (i32.mul (local.get $i) (i32.const 4)))))
        ;; body buffer at 65536, out_cap 4096
        (local.set $r (call $http_get (local.get $url) (call $strlen (local.get $url)) (i32.const 65536) (i32.const 4096)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (if (i32.gt_s (local.get $r) (i32.const 0))
      (then
        (i32.store (i32.const 8) (i32.const 65536))
        (i32.store (i32.const 12) (local.get $r))
        (drop (call $fd_write (i32.const 1) (i32.const 8) (i32.const 1) (i32.const 16)))))
    (call $exit (i32.add (local.get $r) (i32.const 100)))))
