;; path_filestat_get of "." (the preopened directory itself), without and with symlink_follow: exits with
;; filetype * 10 + filetype of the two answers (33 when both say directory), or 100 + errno.
(module
  (import "wasi_snapshot_preview1" "path_filestat_get" (func $stat (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) ".")
  (func $type (param $follow i32) (result i32) (local $e i32)
    (local.set $e (call $stat (i32.const 3) (local.get $follow) (i32.const 100) (i32.const 1) (i32.const 200)))
    (if (local.get $e) (then (call $exit (i32.add (i32.const 100) (local.get $e)))))
    (i32.load8_u (i32.const 216)))
  (func (export "_start")
    (call $exit (i32.add (i32.mul (call $type (i32.const 0)) (i32.const 10)) (call $type (i32.const 1))))))
