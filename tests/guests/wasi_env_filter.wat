;; A filter that imports WASI (as a wasm32-wasip2 build would): `forward`
;; calls wasi:cli/environment's `get-environment` and `get-arguments` and
;; answers its input with the first byte replaced by the number of
;; environment variables plus the number of arguments it was given (the
;; sandbox's deny-all WASI gives none, so 0). `backward` answers its input.
(component
  (import "wasi:cli/environment@0.2.0" (instance $env
    (export "get-environment" (func (result (list (tuple string string)))))
    (export "get-arguments" (func (result (list string))))))

  ;; Memory and allocator first, so the WASI imports can be lowered into them.
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
      (local.get $ptr))

)
  (core instance $mi (instantiate $mem))

  (core func $get-environment (canon lower (func $env "get-environment")
    (memory (core memory $mi "memory")) (realloc (core func $mi "cabi_realloc"))))
  (core func $get-arguments (canon lower (func $env "get-arguments")
    (memory (core memory $mi "memory")) (realloc (core func $mi "cabi_realloc"))))

  (core module $m
    (import "mem" "memory" (memory 1))
    (import "mem" "heap" (global $heap (mut i32)))
    (import "wasi" "get-environment" (func $get-environment (param i32)))
    (import "wasi" "get-arguments" (func $get-arguments (param i32)))

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
      ;; Each import writes its list (ptr, len) at 32.
      (local $count i32)
      (call $get-environment (i32.const 32))
      (local.set $count (i32.load (i32.const 36)))
      (call $get-arguments (i32.const 32))
      (local.set $count (i32.add (local.get $count) (i32.load (i32.const 36))))
      (if (local.get $len)
        (then (i32.store8 (local.get $ptr) (local.get $count))))
      (call $ok (local.get $ptr) (local.get $len)))

    (func (export "backward")
      (param $ptr i32) (param $len i32) (param $meta i32)
      (param $typesize i32) (param $blocksize i32) (param $chunk i64)
      (param $block i32) (param $offset i32)
      (result i32)
      (call $ok (local.get $ptr) (local.get $len)))

    (func (export "cabi_post") (param i32)
      (global.set $heap (i32.const 1024))))

  (core instance $i (instantiate $m
    (with "mem" (instance $mi))
    (with "wasi" (instance
      (export "get-environment" (func $get-environment))
      (export "get-arguments" (func $get-arguments))))))

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
