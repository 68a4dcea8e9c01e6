;; Make a hard link named hard2 to link-to-secret (a symlink to a host file outside the grant), following it and not.
;; Exits with the errno of the first call that was not refused (0 would mean the attack worked), else the refusal.
(module
  (import "wasi_snapshot_preview1" "path_link" (func $path_link (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "link-to-secret")
  (data (i32.const 120) "hard2")
  (func (export "_start") (local $e i32)
    ;; lookupflags 1: follow the symlink, linking the outside file itself
    (local.set $e (call $path_link (i32.const 3) (i32.const 1) (i32.const 100) (i32.const 14) (i32.const 3) (i32.const 120) (i32.const 5)))
    (if (i32.ne (local.get $e) (i32.const 76)) (then (call $exit (local.get $e))))
    ;; lookupflags 0: a second name for the symlink, which would lead outside from the new place too
    (call $exit (call $path_link (i32.const 3) (i32.const 0) (i32.const 100) (i32.const 14) (i32.const 3) (i32.const 120) (i32.const 5)))))
