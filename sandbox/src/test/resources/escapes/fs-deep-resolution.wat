;; Makes one path resolution hold thousands of host descriptors. Builds a chain of 2,100 nested directories "a" in
;; a read-write grant, with a symlink "s" every 2,000 levels whose 4,001-byte target ("a/a/.../a/s") leads 2,000
;; levels further down; then stats "s" following symlinks from the grant's root. Each directory on the way is held
;; open so ".." can go back: 2,100 at once, and nothing but the symlink count bounded how many. (With 22,000 levels, 11 symlinks, the same walk exhausted a JVM allowed
;; 20,000 descriptors: the stat failed with EIO, and so would anything else the host opened meanwhile.) Directories are opened with the rights
;; to make directories, open and make symlinks (16785920). Exits with that stat's errno
;; (ENOENT when the chain was walked to its end; 200 + errno when building the chain failed).
(module
  (import "wasi_snapshot_preview1" "path_create_directory" (func $mkdir (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_symlink" (func $path_symlink (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_filestat_get" (func $stat (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "a")
  (data (i32.const 104) "s")
  (func $check (param $errno i32)
    (if (local.get $errno) (then (call $exit (i32.add (i32.const 200) (local.get $errno))))))
  (func (export "_start") (local $i i32) (local $fd i32) (local $next i32)
    ;; the symlink target: 2,000 times "a/", then "s"
    (loop $fill
      (i32.store8 (i32.add (i32.const 1000) (i32.mul (local.get $i) (i32.const 2))) (i32.const 97))
      (i32.store8 (i32.add (i32.const 1001) (i32.mul (local.get $i) (i32.const 2))) (i32.const 47))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $fill (i32.lt_u (local.get $i) (i32.const 2000))))
    (i32.store8 (i32.const 5000) (i32.const 115))
    (local.set $fd (i32.const 3))
    (local.set $i (i32.const 0))
    (loop $down
      (if (i32.eqz (i32.rem_u (local.get $i) (i32.const 2000)))
        (then (call $check (call $path_symlink (i32.const 1000) (i32.const 4001) (local.get $fd) (i32.const 104)
          (i32.const 1)))))
      (call $check (call $mkdir (local.get $fd) (i32.const 100) (i32.const 1)))
      (call $check (call $path_open (local.get $fd) (i32.const 0) (i32.const 100) (i32.const 1) (i32.const 2)
        (i64.const 16785920) (i64.const 16785920) (i32.const 0) (i32.const 8)))
      (local.set $next (i32.load (i32.const 8)))
      (if (i32.ne (local.get $fd) (i32.const 3)) (then (drop (call $fd_close (local.get $fd)))))
      (local.set $fd (local.get $next))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $down (i32.lt_u (local.get $i) (i32.const 2100))))
    (call $exit (call $stat (i32.const 3) (i32.const 1) (i32.const 104) (i32.const 1) (i32.const 200)))))
