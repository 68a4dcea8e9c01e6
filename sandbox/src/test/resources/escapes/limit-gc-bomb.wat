;; Allocates WasmGC arrays forever: heap objects that page limits do not see.
;; wabt 1.0.32 (Debian) cannot assemble GC text, so the test loads limit-gc-bomb.hex, the same module assembled
;; by hand: type 0 = (array (mut i64)), type 1 = (func); _start loops on array.new_default 0 (1000000) and drop.
(module
  (type $big (array (mut i64)))
  (func (export "_start")
    (loop $forever
      (drop (array.new_default $big (i32.const 1000000)))
      (br $forever))))
