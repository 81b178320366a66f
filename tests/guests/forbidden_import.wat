;; A component that imports a non-WASI interface (`evil:net/socket`); it
;; otherwise exports nothing. The sandbox refuses it naming the import.
(component
  (import "evil:net/socket" (instance
    (export "connect" (func (param "host" string) (result u32))))))
