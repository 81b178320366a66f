;; A codec whose decode output depends on how many times its instance has
;; been called (which the contract forbids): a "trim" codec, honest but for
;; that. `encode` answers the block without the run of bytes that ends it,
;; all but the run's first byte (none when the last two bytes differ:
;; stored raw); `decode` repeats its input's last byte up to the block size. From its instance's second `decode` call on,
;; `decode` flips the low bit of the first byte it answers, so data comes
;; back wrong from the second block on unless verify on write or checksums
;; catch it.
(component
  (core module $m
    (memory (export "memory") 1)
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

    (global $calls (mut i32) (i32.const 0))

    ;; Counts a call of the drifting function; flips the low bit of byte
    ;; `ptr` from the second call on.
    (func $drift (param $ptr i32) (param $len i32)
      (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
      (if (i32.and (i32.ge_u (global.get $calls) (i32.const 2)) (i32.ne (local.get $len) (i32.const 0)))
        (then
          (i32.store8 (local.get $ptr)
            (i32.xor (i32.load8_u (local.get $ptr)) (i32.const 1))))))

    ;; encode's result<option<list<u8>>, string> at 8:
    ;; tag at 8; ok: option tag at 12, ptr at 16, len at 20.
    (func $encode_some (param $ptr i32) (param $len i32) (result i32)
      (i32.store8 (i32.const 8) (i32.const 0))
      (i32.store8 (i32.const 12) (i32.const 1))
      (i32.store (i32.const 16) (local.get $ptr))
      (i32.store (i32.const 20) (local.get $len))
      (i32.const 8))
    (func $encode_none (result i32)
      (i32.store8 (i32.const 8) (i32.const 0))
      (i32.store8 (i32.const 12) (i32.const 0))
      (i32.const 8))

    ;; result<list<u8>, string> at 8: tag at 8, ptr at 12, len at 16.
    (func $ok (param $ptr i32) (param $len i32) (result i32)
      (i32.store8 (i32.const 8) (i32.const 0))
      (i32.store (i32.const 12) (local.get $ptr))
      (i32.store (i32.const 16) (local.get $len))
      (i32.const 8))

    (func (export "encode")
      (param $ptr i32) (param $len i32) (param $meta i32)
      (param $typesize i32) (param $blocksize i32) (param $chunk i64)
      (param $block i32) (param $offset i32)
      (result i32)
      (local $n i32)
      (if (i32.lt_u (local.get $len) (i32.const 2))
        (then (return (call $encode_none))))
      ;; $n: length without the run that ends the block, but its first byte.
      (local.set $n (local.get $len))
      (block $done
        (loop $back
          (br_if $done (i32.lt_u (local.get $n) (i32.const 2)))
          (br_if $done
            (i32.ne
              (i32.load8_u (i32.add (local.get $ptr) (i32.sub (local.get $n) (i32.const 1))))
              (i32.load8_u (i32.add (local.get $ptr) (i32.sub (local.get $n) (i32.const 2))))))
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (br $back)))
      (if (i32.eq (local.get $n) (local.get $len))
        (then (return (call $encode_none))))
      (call $encode_some (local.get $ptr) (local.get $n)))

    (func (export "decode")
      (param $ptr i32) (param $len i32) (param $meta i32)
      (param $typesize i32) (param $blocksize i32) (param $chunk i64)
      (param $block i32) (param $offset i32)
      (result i32)
      (local $out i32)
      (if (i32.or (i32.eqz (local.get $len)) (i32.lt_u (local.get $blocksize) (local.get $len)))
        (then (return (call $ok (local.get $ptr) (local.get $len)))))
      (local.set $out
        (call $realloc (i32.const 0) (i32.const 0) (i32.const 1) (local.get $blocksize)))
      (memory.copy (local.get $out) (local.get $ptr) (local.get $len))
      (memory.fill (i32.add (local.get $out) (local.get $len))
        (i32.load8_u (i32.add (local.get $ptr) (i32.sub (local.get $len) (i32.const 1))))
        (i32.sub (local.get $blocksize) (local.get $len)))
      (call $drift (local.get $out) (local.get $blocksize))
      (call $ok (local.get $out) (local.get $blocksize)))

    (func (export "cabi_post_encode") (param i32)
      (global.set $heap (i32.const 1024)))
    (func (export "cabi_post_decode") (param i32)
      (global.set $heap (i32.const 1024))))

  (core instance $i (instantiate $m))

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
