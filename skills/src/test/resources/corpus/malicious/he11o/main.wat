(module

  (memory (export "memory") 1)
  (data (i32.const 0) "Hello")
  (func (export "_start") ))
