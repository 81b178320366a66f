;; A filter that imports WASI randomness and clocks (as a wasm32-wasip2
;; build may): `forward` answers its input with bytes 0..8 replaced by
;; wasi:random/random's `get-random-u64`, 8..16 by wasi:random/insecure's
;; `get-insecure-random-u64` and 16..24 by wasi:clocks/monotonic-clock's
;; `now` (blocks shorter than 24 bytes are answered as they are). The
;; sandbox's deny-all WASI makes these the same on every run. `backward`
;; answers its input, except that when the block's first byte is 0xFF it
;; asks `get-random-bytes` for 1 GiB (more than the host allows).
(component
  (import "wasi:random/random@0.2.0" (instance $random
    (export "get-random-u64" (func (result u64)))
    (export "get-random-bytes" (func (param "len" u64) (result (list u8))))))
  (import "wasi:random/insecure@0.2.0" (instance $insecure
    (export "get-insecure-random-u64" (func (result u64)))))
  (import "wasi:clocks/monotonic-clock@0.2.0" (instance $clock
    (export "now" (func (result u64)))))

  ;; Memory and allocator first, so the imports can be lowered into them.
  (core module $mem
    (memory (export "memory") 1)
    (global $heap (export "heap") (mut i32) (i32.const 1024))

    ;; Bump allocator; grows memory as needed, traps when it cannot.
    (func (export "cabi_realloc")
      (param $old i32) (param $old_size i32) (param $align i32) (param $size i32)
      (result i32)
      (local $ptr i32) (local $end i32)
      (local.set $ptr
        (i32.and
          (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
          (i32.sub (i32.const 0) (local.get $align))))
      (local.set $end (i32.add (local.get $ptr) (local.get $size)))
      (if (i32.gt_u (local.get $end) (i32.shl (memory.size) (i32.const 16)))
        (then
          (if (i32.eq
                (memory.grow
                  (i32.sub
                    (i32.shr_u (i32.add (local.get $end) (i32.const 65535)) (i32.const 16))
                    (memory.size)))
                (i32.const -1))
            (then unreachable))))
      (global.set $heap (local.get $end))
      (local.get $ptr)))
  (core instance $mi (instantiate $mem))

  (core func $get-random-u64 (canon lower (func $random "get-random-u64")))
  (core func $get-random-bytes (canon lower (func $random "get-random-bytes")
    (memory (core memory $mi "memory")) (realloc (core func $mi "cabi_realloc"))))
  (core func $get-insecure-random-u64 (canon lower (func $insecure "get-insecure-random-u64")))
  (core func $now (canon lower (func $clock "now")))

  (core module $m
    (import "mem" "memory" (memory 1))
    (import "mem" "heap" (global $heap (mut i32)))
    (import "wasi" "get-random-u64" (func $get-random-u64 (result i64)))
    (import "wasi" "get-random-bytes" (func $get-random-bytes (param i64 i32)))
    (import "wasi" "get-insecure-random-u64" (func $get-insecure-random-u64 (result i64)))
    (import "wasi" "now" (func $now (result i64)))

    ;; result<list<u8>, string> at 8: tag u8 at 8, ptr at 12, len at 16.
    (func $ok (param $ptr i32) (param $len i32) (result i32)
      (i32.store8 (i32.const 8) (i32.const 0))
      (i32.store (i32.const 12) (local.get $ptr))
      (i32.store (i32.const 16) (local.get $len))
      (i32.const 8))

    (func (export "forward")
      (param $ptr i32) (param $len i32) (param $meta i32)
      (param $typesize i32) (param $blocksize i32) (param $chunk i64)
      (param $block i32) (param $offset i32)
      (result i32)
      (if (i32.ge_u (local.get $len) (i32.const 24))
        (then
          (i64.store (local.get $ptr) (call $get-random-u64))
          (i64.store offset=8 (local.get $ptr) (call $get-insecure-random-u64))
          (i64.store offset=16 (local.get $ptr) (call $now))))
      (call $ok (local.get $ptr) (local.get $len)))

    (func (export "backward")
      (param $ptr i32) (param $len i32) (param $meta i32)
      (param $typesize i32) (param $blocksize i32) (param $chunk i64)
      (param $block i32) (param $offset i32)
      (result i32)
      (if (i32.and
            (i32.ne (local.get $len) (i32.const 0))
            (i32.eq (i32.load8_u (local.get $ptr)) (i32.const 0xFF)))
        (then (call $get-random-bytes (i64.const 0x40000000) (i32.const 32))))
      (call $ok (local.get $ptr) (local.get $len)))

    (func (export "cabi_post") (param i32)
      (global.set $heap (i32.const 1024))))

  (core instance $i (instantiate $m
    (with "mem" (instance $mi))
    (with "wasi" (instance
      (export "get-random-u64" (func $get-random-u64))
      (export "get-random-bytes" (func $get-random-bytes))
      (export "get-insecure-random-u64" (func $get-insecure-random-u64))
      (export "now" (func $now))))))

  (type $info (record
    (field "typesize" u32) (field "blocksize" u32) (field "chunk-index" u64)
    (field "block-index" u32) (field "offset" u32)))
  (type $bytes-fn (func
    (param "input" (list u8)) (param "meta" u8) (param "info" $info)
    (result (result (list u8) (error string)))))

  (func $forward (type $bytes-fn)
    (canon lift (core func $i "forward")
      (memory (core memory $mi "memory")) (realloc (core func $mi "cabi_realloc"))
      (post-return (core func $i "cabi_post"))))
  (func $backward (type $bytes-fn)
    (canon lift (core func $i "backward")
      (memory (core memory $mi "memory")) (realloc (core func $mi "cabi_realloc"))
      (post-return (core func $i "cabi_post"))))

  (instance $filter
    (export "block-info" (type $info))
    (export "forward" (func $forward))
    (export "backward" (func $backward)))
  (export "sandpress:plugin/filter@0.1.0" (instance $filter)))
