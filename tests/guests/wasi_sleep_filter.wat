;; A filter that imports WASI to sleep: `forward` subscribes to a two-minute
;; wasi:clocks/monotonic-clock timer and blocks on it before answering its
;; input. Host calls cannot be interrupted by the epoch deadline, so the
;; sandbox's WASI makes every timer ready at once: the call must return
;; without sleeping. `backward` answers its input, but when the block's
;; first byte is 0xFF it first floods the host with pollables: it
;; subscribes to N timers and drops none, N being the little-endian u16 in
;; bytes 1 and 2.
(component $c
  (import "wasi:io/poll@0.2.0" (instance $poll
    (export "pollable" (type $p (sub resource)))
    (export "[method]pollable.block" (func (param "self" (borrow $p))))))
  (alias export $poll "pollable" (type $pollable))
  (import "wasi:clocks/monotonic-clock@0.2.0" (instance $clock
    (alias outer $c $pollable (type $p))
    (export "subscribe-duration" (func (param "when" u64) (result (own $p))))))

  (core func $subscribe (canon lower (func $clock "subscribe-duration")))
  (core func $block (canon lower (func $poll "[method]pollable.block")))
  (core func $drop (canon resource.drop $pollable))

  (core module $m
    (import "wasi" "subscribe-duration" (func $subscribe (param i64) (result i32)))
    (import "wasi" "block" (func $block (param i32)))
    (import "wasi" "drop" (func $drop (param i32)))
    (memory (export "memory") 1)
    (global $heap (mut i32) (i32.const 1024))

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
      (local.get $ptr))

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
      (local $pollable i32)
      ;; Sleep for two minutes.
      (local.set $pollable (call $subscribe (i64.const 120_000_000_000)))
      (call $block (local.get $pollable))
      (call $drop (local.get $pollable))
      (call $ok (local.get $ptr) (local.get $len)))

    (func (export "backward")
      (param $ptr i32) (param $len i32) (param $meta i32)
      (param $typesize i32) (param $blocksize i32) (param $chunk i64)
      (param $block i32) (param $offset i32)
      (result i32)
      (local $n i32)
      (if (i32.eq (i32.load8_u (local.get $ptr)) (i32.const 0xFF))
        (then
          (local.set $n (i32.load16_u offset=1 (local.get $ptr)))
          (block $done
            (loop $flood
              (br_if $done (i32.eqz (local.get $n)))
              (drop (call $subscribe (i64.const 1_000_000_000)))
              (local.set $n (i32.sub (local.get $n) (i32.const 1)))
              (br $flood)))))
      (call $ok (local.get $ptr) (local.get $len)))

    (func (export "cabi_post_forward") (param i32)
      (global.set $heap (i32.const 1024)))
    (func (export "cabi_post_backward") (param i32)
      (global.set $heap (i32.const 1024))))

  (core instance $i (instantiate $m
    (with "wasi" (instance
      (export "subscribe-duration" (func $subscribe))
      (export "block" (func $block))
      (export "drop" (func $drop))))))

  (type $info (record
    (field "typesize" u32) (field "blocksize" u32) (field "chunk-index" u64)
    (field "block-index" u32) (field "offset" u32)))
  (type $bytes-fn (func
    (param "input" (list u8)) (param "meta" u8) (param "info" $info)
    (result (result (list u8) (error string)))))

  (func $forward (type $bytes-fn)
    (canon lift (core func $i "forward")
      (memory (core memory $i "memory")) (realloc (core func $i "cabi_realloc"))
      (post-return (core func $i "cabi_post_forward"))))
  (func $backward (type $bytes-fn)
    (canon lift (core func $i "backward")
      (memory (core memory $i "memory")) (realloc (core func $i "cabi_realloc"))
      (post-return (core func $i "cabi_post_backward"))))

  (instance $filter
    (export "block-info" (type $info))
    (export "forward" (func $forward))
    (export "backward" (func $backward)))
  (export "sandpress:plugin/filter@0.1.0" (instance $filter)))
