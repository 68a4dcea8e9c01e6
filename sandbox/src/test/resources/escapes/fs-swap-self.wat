;; Makes its own symlink s/up -> .. (allowed: it stays inside the grant), then renames its open directory d
;; away and s/up into its place (now pointing above the grant); then lists and reads through the old descriptor.
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
  (data (i32.const 150) "s/up")
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
  (func (export "_start")
    (call $check (call $mkdir (i32.const 3) (i32.const 250) (i32.const 1)))
    (i32.store8 (i32.const 251) (i32.const 47)) ;; "s/up" at 250: s, /, u, p
    (i32.store8 (i32.const 252) (i32.const 117))
    (i32.store8 (i32.const 253) (i32.const 112))
    (call $check (call $symlink (i32.const 260) (i32.const 2) (i32.const 3) (i32.const 250) (i32.const 4)))
    ;; d holds one file of ours; open d as a directory (O_DIRECTORY, rights fd_readdir, all inheriting)
    (call $check (call $mkdir (i32.const 3) (i32.const 100) (i32.const 1)))
    (call $check (call $open (i32.const 3) (i32.const 0) (i32.const 130) (i32.const 10) (i32.const 1)
      (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 0)))
    (call $check (call $open (i32.const 3) (i32.const 0) (i32.const 100) (i32.const 1) (i32.const 2)
      (i64.const 0x4000) (i64.const -1) (i32.const 0) (i32.const 4)))
    ;; move d away and put the symlink where d was
    (call $check (call $rename (i32.const 3) (i32.const 100) (i32.const 1) (i32.const 3) (i32.const 110) (i32.const 7)))
    (call $check (call $rename (i32.const 3) (i32.const 250) (i32.const 4) (i32.const 3) (i32.const 100) (i32.const 1)))
    ;; the old descriptor must still be the moved directory: list it, and read through it
    (call $list (i32.load (i32.const 4)))
    (call $cat (i32.load (i32.const 4)) (i32.const 200) (i32.const 10))
    (call $cat (i32.load (i32.const 4)) (i32.const 220) (i32.const 18))
    ;; a fresh open of d (following symlinks) goes through the symlink now: it must be refused
    (if (i32.eqz (call $open (i32.const 3) (i32.const 1) (i32.const 100) (i32.const 1) (i32.const 2)
          (i64.const 0x4000) (i64.const -1) (i32.const 0) (i32.const 12)))
      (then (call $list (i32.load (i32.const 12)))))
    (call $exit (i32.const 0))))
