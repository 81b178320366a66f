;; A core WebAssembly module (not a component): the sandbox refuses it and
;; says it must be made into a component.
(module
  (memory (export "memory") 1)
  (func (export "encode") (param i32 i32) (result i32)
    (local.get 0)))
