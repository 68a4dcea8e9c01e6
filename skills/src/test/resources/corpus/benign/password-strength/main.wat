(module

  (memory (export "memory") 1)
  (data (i32.const 0) "aaaaaa password123 qwerty")
  (func (export "_start") ))
