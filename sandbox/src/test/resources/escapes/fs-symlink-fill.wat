;; Stores data outside the write quota in symlink targets: 100 dangling symlinks inside a read-write grant, each
;; with a 3,999-byte target ("x/x/.../x", which stays beneath the grant). Exits with the errno of the first refused
;; symlink, or 0 when all 100 (about 400 KB) were made.
(module
  (import "wasi_snapshot_preview1" "path_symlink" (func $path_symlink (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (local $i i32) (local $errno i32)
    (loop $fill
      (i32.store8 (i32.add (i32.const 1000) (i32.mul (local.get $i) (i32.const 2))) (i32.const 120))
      (i32.store8 (i32.add (i32.const 1001) (i32.mul (local.get $i) (i32.const 2))) (i32.const 47))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $fill (i32.lt_u (local.get $i) (i32.const 2000))))
    (local.set $i (i32.const 0))
    (block $done
      (loop $more
        ;; the link's name: two letters from 'a'
        (i32.store8 (i32.const 100) (i32.add (i32.const 97) (i32.div_u (local.get $i) (i32.const 10))))
        (i32.store8 (i32.const 101) (i32.add (i32.const 97) (i32.rem_u (local.get $i) (i32.const 10))))
        (local.set $errno (call $path_symlink (i32.const 1000) (i32.const 3999) (i32.const 3) (i32.const 100)
          (i32.const 2)))
        (br_if $done (local.get $errno))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $more (i32.lt_u (local.get $i) (i32.const 100)))))
    (call $exit (local.get $errno))))
