;; Lists and reads a directory that a host thread keeps swapping with a symlink to a folder outside the grant.
;; Exits 0 when every step it needs succeeded (1xx = step failed with errno xx); what it could see goes to stdout.
(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_create_directory" (func $mkdir (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_rename" (func $rename (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_symlink" (func $symlink (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_readdir" (func $readdir (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "d")
  (data (i32.const 110) "d-moved")
  (data (i32.const 130) "d/mine.txt")
  (data (i32.const 150) "")
  (data (i32.const 200) "secret.txt")
  (data (i32.const 220) "outside/secret.txt")
  (data (i32.const 250) "s")
  (data (i32.const 260) "..")
  (data (i32.const 270) "race")
  (func $check (param $errno i32)
    (if (local.get $errno) (then (call $exit (i32.add (i32.const 100) (local.get $errno))))))
  ;; writes memory[ptr, ptr+len) to stdout
  (func $print (param $ptr i32) (param $len i32)
    (i32.store (i32.const 16) (local.get $ptr))
    (i32.store (i32.const 20) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24))))
  ;; lists directory fd from cookie 0 to stdout
  (func $list (param $fd i32)
    (if (i32.eqz (call $readdir (local.get $fd) (i32.const 1024) (i32.const 4096) (i64.const 0) (i32.const 8)))
      (then (call $print (i32.const 1024) (i32.load (i32.const 8))))))
  ;; opens NAME beneath dir fd for reading and prints what it reads
  (func $cat (param $dir i32) (param $ptr i32) (param $len i32)
    (if (i32.eqz (call $open (local.get $dir) (i32.const 1) (local.get $ptr) (local.get $len) (i32.const 0)
          (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 40)))
      (then
        (i32.store (i32.const 32) (i32.const 6144))
        (i32.store (i32.const 36) (i32.const 1024))
        (if (i32.eqz (call $fd_read (i32.load (i32.const 40)) (i32.const 32) (i32.const 1) (i32.const 24)))
          (then (call $print (i32.const 6144) (i32.load (i32.const 24)))))
        (drop (call $close (i32.load (i32.const 40)))))))
  (func (export "_start") (local $i i32)
    ;; opens "race" (which the host keeps swapping with a symlink to a folder outside), lists it, reads
    ;; race/secret.txt through the open descriptor, closes; 1500 times
    (loop $again
      (if (i32.eqz (call $open (i32.const 3) (i32.const 1) (i32.const 270) (i32.const 4) (i32.const 2)
            (i64.const 0x4000) (i64.const -1) (i32.const 0) (i32.const 4)))
        (then
          (call $list (i32.load (i32.const 4)))
          (call $cat (i32.load (i32.const 4)) (i32.const 200) (i32.const 10))
          (drop (call $close (i32.load (i32.const 4))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $i) (i32.const 1500))))
    (call $exit (i32.const 0))))
