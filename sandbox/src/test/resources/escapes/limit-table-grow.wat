;; Grows a table without bound; exits with 1 when growth was refused.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (table $t 1 funcref)
  (func (export "_start")
    (loop $more
      (if (i32.eq (table.grow $t (ref.null func) (i32.const 100000)) (i32.const -1))
        (then (call $exit (i32.const 1))))
      (br $more))))
