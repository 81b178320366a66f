;; Hostile codec with three linear memories (its own and those of two
;; other core instances): when the block's first byte is 0xFF, `encode`
;; grows each of the three by 1 MiB in turn, writing every new byte, until
;; each has grown by N MiB, N being the block's second byte; a grow
;; answered -1 executes `unreachable`. With N = 200 each memory stays under
;; a per-memory limit of 256 MiB while the three together reach 600 MiB.
;; Otherwise it behaves like identity_codec.wat.
(component
  ;; A memory of its own and a function that grows it by 1 MiB and fills
  ;; the new MiB with 1s (a grow answered -1 executes `unreachable`).
  (core module $extra
    (memory (export "memory") 1)
    (func (export "grow_fill")
      (local $old i32)
      (local.set $old (memory.grow (i32.const 16)))
      (if (i32.eq (local.get $old) (i32.const -1)) (then unreachable))
      (memory.fill (i32.shl (local.get $old) (i32.const 16)) (i32.const 1) (i32.const 0x100000))))

  (core module $m
    (import "a" "grow_fill" (func $grow_a))
    (import "b" "grow_fill" (func $grow_b))
    (memory (export "memory") 1)

    ;; The same for this module's memory.
    (func $grow_own
      (local $old i32)
      (local.set $old (memory.grow (i32.const 16)))
      (if (i32.eq (local.get $old) (i32.const -1)) (then unreachable))
      (memory.fill (i32.shl (local.get $old) (i32.const 16)) (i32.const 1) (i32.const 0x100000)))
    (global $heap (mut i32) (i32.const 1024))

    ;; Bump allocator; grows memory as needed, traps when it cannot.
    (func $realloc (export "cabi_realloc")
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

    ;; 1 when the block is not empty and its first byte is `byte`.
    (func $first_is (param $ptr i32) (param $len i32) (param $byte i32) (result i32)
      (if (result i32) (i32.eqz (local.get $len))
        (then (i32.const 0))
        (else (i32.eq (i32.load8_u (local.get $ptr)) (local.get $byte)))))

    ;; encode's result<option<list<u8>>, string> at 8:
    ;; tag at 8; ok: option tag at 12, ptr at 16, len at 20; err: ptr at 12, len at 16.
    (func $encode_some (param $ptr i32) (param $len i32) (result i32)
      (i32.store8 (i32.const 8) (i32.const 0))
      (i32.store8 (i32.const 12) (i32.const 1))
      (i32.store (i32.const 16) (local.get $ptr))
      (i32.store (i32.const 20) (local.get $len))
      (i32.const 8))

    ;; result<list<u8>, string> at 8: tag at 8, ptr at 12, len at 16.
    (func $ok (param $ptr i32) (param $len i32) (result i32)
      (i32.store8 (i32.const 8) (i32.const 0))
      (i32.store (i32.const 12) (local.get $ptr))
      (i32.store (i32.const 16) (local.get $len))
      (i32.const 8))
    (func $err (param $ptr i32) (param $len i32) (result i32)
      (i32.store8 (i32.const 8) (i32.const 1))
      (i32.store (i32.const 12) (local.get $ptr))
      (i32.store (i32.const 16) (local.get $len))
      (i32.const 8))

    (func (export "encode")
      (param $ptr i32) (param $len i32) (param $meta i32)
      (param $typesize i32) (param $blocksize i32) (param $chunk i64)
      (param $block i32) (param $offset i32)
      (result i32)
      (local $n i32) (local $i i32)
      (if (i32.and
            (call $first_is (local.get $ptr) (local.get $len) (i32.const 0xFF))
            (i32.ge_u (local.get $len) (i32.const 2)))
        (then
          (local.set $n (i32.load8_u offset=1 (local.get $ptr)))
          (block $end
            (loop $more
              (br_if $end (i32.ge_u (local.get $i) (local.get $n)))
              (call $grow_own)
              (call $grow_a)
              (call $grow_b)
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br $more)))))
      (call $encode_some (local.get $ptr) (local.get $len)))

    (func (export "decode")
      (param $ptr i32) (param $len i32) (param $meta i32)
      (param $typesize i32) (param $blocksize i32) (param $chunk i64)
      (param $block i32) (param $offset i32)
      (result i32)
      (call $ok (local.get $ptr) (local.get $len)))

    (func (export "cabi_post_encode") (param i32)
      (global.set $heap (i32.const 1024)))
    (func (export "cabi_post_decode") (param i32)
      (global.set $heap (i32.const 1024))))

  (core instance $ea (instantiate $extra))
  (core instance $eb (instantiate $extra))
  (core instance $i (instantiate $m
    (with "a" (instance $ea))
    (with "b" (instance $eb))))

  (type $info (record
    (field "typesize" u32) (field "blocksize" u32) (field "chunk-index" u64)
    (field "block-index" u32) (field "offset" u32)))
  (type $encode-fn (func
    (param "input" (list u8)) (param "meta" u8) (param "info" $info)
    (result (result (option (list u8)) (error string)))))
  (type $decode-fn (func
    (param "input" (list u8)) (param "meta" u8) (param "info" $info)
    (result (result (list u8) (error string)))))

  (func $encode (type $encode-fn)
    (canon lift (core func $i "encode")
      (memory (core memory $i "memory")) (realloc (core func $i "cabi_realloc"))
      (post-return (core func $i "cabi_post_encode"))))
  (func $decode (type $decode-fn)
    (canon lift (core func $i "decode")
      (memory (core memory $i "memory")) (realloc (core func $i "cabi_realloc"))
      (post-return (core func $i "cabi_post_decode"))))

  (instance $codec
    (export "block-info" (type $info))
    (export "encode" (func $encode))
    (export "decode" (func $decode)))
  (export "sandpress:plugin/codec@0.1.0" (instance $codec)))
