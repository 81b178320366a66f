;; The noisy neighbour's codec for `sandpress load`: `encode` and `decode`
;; spin until the sandbox stops them at their deadline.
(component
  (core module $m
    (memory (export "memory") 1)
    ;; Each call's input goes at 64 KiB; memory grows to fit it.
    (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
      (local $pages i32)
      (local.set $pages
        (i32.sub (i32.add (i32.shr_u (local.get 3) (i32.const 16)) (i32.const 2))
                 (memory.size)))
      (if (i32.gt_s (local.get $pages) (i32.const 0))
        (then (drop (memory.grow (local.get $pages)))))
      (i32.const 65536))
    (func (export "spin")
      (param i32 i32 i32 i32 i32 i64 i32 i32) (result i32)
      (loop $again (br $again))
      (unreachable)))
  (core instance $i (instantiate $m))
  (type $info (record
    (field "typesize" u32) (field "blocksize" u32) (field "chunk-index" u64)
    (field "block-index" u32) (field "offset" u32)))
  (func $encode
    (param "input" (list u8)) (param "meta" u8) (param "info" $info)
    (result (result (option (list u8)) (error string)))
    (canon lift (core func $i "spin")
      (memory (core memory $i "memory")) (realloc (core func $i "cabi_realloc"))))
  (func $decode
    (param "input" (list u8)) (param "meta" u8) (param "info" $info)
    (result (result (list u8) (error string)))
    (canon lift (core func $i "spin")
      (memory (core memory $i "memory")) (realloc (core func $i "cabi_realloc"))))
  (instance $codec
    (export "block-info" (type $info))
    (export "encode" (func $encode))
    (export "decode" (func $decode)))
  (export "sandpress:plugin/codec@0.1.0" (instance $codec)))
