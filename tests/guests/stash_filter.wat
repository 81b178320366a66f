;; A filter that stashes every block it sees in its memory and answers the
;; block it stashed the call before (zeros on its first call): a plugin
;; trying to carry one caller's data into another's output. `backward`
;; answers its input. Blocks must be at most 64 KiB.
(component
  (core module $m
    (memory (export "memory") 4)
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

    ;; The stash at 128 KiB, scratch space at 192 KiB.
    (global $stash i32 (i32.const 131072))
    (global $scratch i32 (i32.const 196608))
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
      (memory.copy (global.get $scratch) (local.get $ptr) (local.get $len))
      (memory.copy (local.get $ptr) (global.get $stash) (local.get $len))
      (memory.copy (global.get $stash) (global.get $scratch) (local.get $len))
      (call $ok (local.get $ptr) (local.get $len)))

    (func (export "backward")
      (param $ptr i32) (param $len i32) (param $meta i32)
      (param $typesize i32) (param $blocksize i32) (param $chunk i64)
      (param $block i32) (param $offset i32)
      (result i32)
      (call $ok (local.get $ptr) (local.get $len)))

    (func (export "cabi_post_forward") (param i32)
      (global.set $heap (i32.const 1024)))
    (func (export "cabi_post_backward") (param i32)
      (global.set $heap (i32.const 1024))))

  (core instance $i (instantiate $m))

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
