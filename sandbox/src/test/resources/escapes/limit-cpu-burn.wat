;; Burns CPU in arithmetic with a side effect the interpreter cannot skip.
(module
  (global $acc (mut i64) (i64.const 1))
  (func (export "_start")
    (loop $forever
      (global.set $acc (i64.add (i64.mul (global.get $acc) (i64.const 6364136223846793005)) (i64.const 1442695040888963407)))
      (br $forever))))
