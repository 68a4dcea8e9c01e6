(module

  (memory (export "memory") 1)
  (data (i32.const 0) "x")
  (func (export "_start") ))
