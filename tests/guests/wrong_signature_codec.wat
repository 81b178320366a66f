;; A codec whose `encode` has the wrong type: it returns
;; result<list<u8>, string> where the contract says
;; result<option<list<u8>>, string>. `decode` is right. The sandbox refuses it,
;; showing both types.
(component
  (core module $m
    (memory (export "memory") 1)
    (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
      (i32.const 1024))
    (func (export "encode")
      (param i32 i32 i32 i32 i32 i64 i32 i32) (result i32)
      (i32.const 8))
    (func (export "decode")
      (param i32 i32 i32 i32 i32 i64 i32 i32) (result i32)
      (i32.const 8)))
  (core instance $i (instantiate $m))
  (type $info (record
    (field "typesize" u32) (field "blocksize" u32) (field "chunk-index" u64)
    (field "block-index" u32) (field "offset" u32)))
  (type $bytes-fn (func
    (param "input" (list u8)) (param "meta" u8) (param "info" $info)
    (result (result (list u8) (error string)))))
  (func $encode (type $bytes-fn)
    (canon lift (core func $i "encode")
      (memory (core memory $i "memory")) (realloc (core func $i "cabi_realloc"))))
  (func $decode (type $bytes-fn)
    (canon lift (core func $i "decode")
      (memory (core memory $i "memory")) (realloc (core func $i "cabi_realloc"))))
  (instance $codec
    (export "block-info" (type $info))
    (export "encode" (func $encode))
    (export "decode" (func $decode)))
  (export "sandpress:plugin/codec@0.1.0" (instance $codec)))
