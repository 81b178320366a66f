;; A well-behaved prefilter and postfilter in one component (it exports
;; both `sandpress:plugin/prefilter@0.1.0` and
;; `sandpress:plugin/postfilter@0.1.0`): `prefilter` answers its input with
;; every byte plus 1 (wrapping), `postfilter` its input with every byte
;; minus 1, so the two undo each other.
(component
  (core module $m
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

    ;; Adds `delta` to every byte of [ptr, ptr+len) in place.
    (func $add (param $ptr i32) (param $len i32) (param $delta i32)
      (local $end i32)
      (local.set $end (i32.add (local.get $ptr) (local.get $len)))
      (block $done
        (loop $next
          (br_if $done (i32.ge_u (local.get $ptr) (local.get $end)))
          (i32.store8 (local.get $ptr)
            (i32.add (i32.load8_u (local.get $ptr)) (local.get $delta)))
          (local.set $ptr (i32.add (local.get $ptr) (i32.const 1)))
          (br $next))))

    (func (export "prefilter")
      (param $ptr i32) (param $len i32) (param $meta i32)
      (param $typesize i32) (param $blocksize i32) (param $chunk i64)
      (param $block i32) (param $offset i32)
      (result i32)
      (call $add (local.get $ptr) (local.get $len) (i32.const 1))
      (call $ok (local.get $ptr) (local.get $len)))

    (func (export "postfilter")
      (param $ptr i32) (param $len i32) (param $meta i32)
      (param $typesize i32) (param $blocksize i32) (param $chunk i64)
      (param $block i32) (param $offset i32)
      (result i32)
      (call $add (local.get $ptr) (local.get $len) (i32.const -1))
      (call $ok (local.get $ptr) (local.get $len)))

    (func (export "cabi_post") (param i32)
      (global.set $heap (i32.const 1024))))

  (core instance $i (instantiate $m))

  (type $info (record
    (field "typesize" u32) (field "blocksize" u32) (field "chunk-index" u64)
    (field "block-index" u32) (field "offset" u32)))
  (type $bytes-fn (func
    (param "input" (list u8)) (param "meta" u8) (param "info" $info)
    (result (result (list u8) (error string)))))

  (func $prefilter (type $bytes-fn)
    (canon lift (core func $i "prefilter")
      (memory (core memory $i "memory")) (realloc (core func $i "cabi_realloc"))
      (post-return (core func $i "cabi_post"))))
  (func $postfilter (type $bytes-fn)
    (canon lift (core func $i "postfilter")
      (memory (core memory $i "memory")) (realloc (core func $i "cabi_realloc"))
      (post-return (core func $i "cabi_post"))))

  (instance $pre
    (export "block-info" (type $info))
    (export "prefilter" (func $prefilter)))
  (instance $post
    (export "block-info" (type $info))
    (export "postfilter" (func $postfilter)))
  (export "sandpress:plugin/prefilter@0.1.0" (instance $pre))
  (export "sandpress:plugin/postfilter@0.1.0" (instance $post)))
