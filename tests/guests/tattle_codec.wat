;; A codec that tells tales: every `encode` refuses the block with an error
;; message holding the first 64 bytes of the block its instance was given
;; the call before (nothing on its first call), and keeps this block's for
;; the next. Through a shared instance, one caller's bytes would reach
;; another caller in an error message. `decode` answers its input.
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

    ;; The stash: up to 64 bytes at 512, its length in $stash_len; the
    ;; message is built at 600.
    (global $stash_len (mut i32) (i32.const 0))

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
      (local $n i32) (local $told i32)
      (local.set $told (global.get $stash_len))
      (memory.copy (i32.const 600) (i32.const 512) (local.get $told))
      (local.set $n (local.get $len))
      (if (i32.gt_u (local.get $n) (i32.const 64))
        (then (local.set $n (i32.const 64))))
      (memory.copy (i32.const 512) (local.get $ptr) (local.get $n))
      (global.set $stash_len (local.get $n))
      ;; err(string): tag 1 at 8, ptr at 12, len at 16.
      (i32.store8 (i32.const 8) (i32.const 1))
      (i32.store (i32.const 12) (i32.const 600))
      (i32.store (i32.const 16) (local.get $told))
      (i32.const 8))

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
