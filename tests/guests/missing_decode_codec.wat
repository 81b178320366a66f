;; A codec that exports `encode` but no `decode`. The sandbox refuses it,
;; naming the missing function.
(component
  (core module $m
    (memory (export "memory") 1)
    (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
      (i32.const 1024))
    (func (export "encode")
      (param i32 i32 i32 i32 i32 i64 i32 i32) (result i32)
      (i32.const 8)))
  (core instance $i (instantiate $m))
  (type $info (record
    (field "typesize" u32) (field "blocksize" u32) (field "chunk-index" u64)
    (field "block-index" u32) (field "offset" u32)))
  (type $encode-fn (func
    (param "input" (list u8)) (param "meta" u8) (param "info" $info)
    (result (result (option (list u8)) (error string)))))
  (func $encode (type $encode-fn)
    (canon lift (core func $i "encode")
      (memory (core memory $i "memory")) (realloc (core func $i "cabi_realloc"))))
  (instance $codec
    (export "block-info" (type $info))
    (export "encode" (func $encode)))
  (export "sandpress:plugin/codec@0.1.0" (instance $codec)))
