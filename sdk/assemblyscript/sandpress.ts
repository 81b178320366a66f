// The AssemblyScript SDK for sandpress plugins.
//
// A plugin is `assembly/index.ts` exporting the functions of its kind, on
// `Uint8Array`s:
//
//   codec:      encode(input: Uint8Array, meta: u8, info: BlockInfo): Uint8Array | null
//               decode(input: Uint8Array, meta: u8, info: BlockInfo): Uint8Array
//   filter:     forward(...): Uint8Array and backward(...): Uint8Array
//   prefilter:  prefilter(...): Uint8Array
//   postfilter: postfilter(...): Uint8Array
//
// `encode` returns the encoded block, or `null` for "store it raw". Any
// function fails with an error message by returning `fail("message")`.
//
// Ownership: `input` is the block the host copied into the plugin's memory,
// wrapped without another copy; it belongs to the call, so a function may
// change it in place and return it (or a `subarray` of it). What a function
// returns is read by the host after the call; then everything the call
// allocated, the input included, is freed at once. Keep nothing between
// calls: the host may run many instances and replace any of them.
//
// `sandpress plugin build` compiles the plugin with a generated entry file
// that calls these functions through the canonical ABI helpers below
// (`abi`), with `asc -O3 --runtime minimal --noAssert --use abort=
// --enable simd`, and renames the exports to their canonical names.
// Plugins must import nothing: no `console`, `trace`, `Date` or
// `Math.random`.

/** Where a block sits in its chunk and how its items are laid out (the WIT
 * record `sandpress:plugin/types.block-info`). */
export class BlockInfo {
  constructor(
    /** Size in bytes of one item (1 for bytes, 4 for int32 or float32, ...). */
    public typesize: u32,
    /** Uncompressed size in bytes of the data this call handles: the block,
     * or for a codec in split mode one stream of it. A decoder returns
     * exactly this many bytes. */
    public blocksize: u32,
    /** Index of the chunk in its super-chunk. */
    public chunkIndex: u64,
    /** Index of this block in its chunk. */
    public blockIndex: u32,
    /** Offset in bytes of this block (or stream) in the chunk's data. */
    public offset: u32,
  ) {}
}

// The message of the current call's failure, if it failed.
let failure: string | null = null;

/** Fails the current call with `message` (the chunk fails with it):
 * `return fail("...")` from any plugin function. */
export function fail(message: string): Uint8Array {
  failure = message;
  return new Uint8Array(0);
}

/** A new array of `length` bytes whose contents are NOT zeroed (unlike
 * `new Uint8Array(length)`): for outputs every byte of which is written. */
export function uninitialized(length: i32): Uint8Array {
  const buffer = changetype<ArrayBuffer>(__new(<usize>length, idof<ArrayBuffer>()));
  return Uint8Array.wrap(buffer, 0, length);
}

/** Whether `a` and `b` hold the same bytes (word-wide, SIMD when enabled). */
export function sameBytes(a: Uint8Array, b: Uint8Array): bool {
  const n = <usize>a.byteLength;
  if (n != <usize>b.byteLength) return false;
  return equalRange(a.dataStart, b.dataStart, n);
}

/** Whether `bytes` is periodic with period `period` (every byte equals the
 * one `period` bytes before it). False when `period` exceeds its length. */
export function periodic(bytes: Uint8Array, period: u32): bool {
  const n = <usize>bytes.byteLength;
  if (<usize>period > n) return false;
  return equalRange(bytes.dataStart + <usize>period, bytes.dataStart, n - <usize>period);
}

/** Fills `out` with copies of `value` (`out.length` a multiple of
 * `value.length`), doubling the filled prefix with `memory.copy`. Leaves
 * `out` as it is when `value` is empty or longer than `out`. */
export function fillRepeating(out: Uint8Array, value: Uint8Array): void {
  const n = <usize>out.byteLength;
  const v = <usize>value.byteLength;
  if (v == 0 || v > n) return;
  const dst = out.dataStart;
  memory.copy(dst, value.dataStart, v);
  let filled = v;
  while (filled < n) {
    const k = min(filled, n - filled);
    memory.copy(dst + filled, dst, k);
    filled += k;
  }
}

function equalRange(a: usize, b: usize, n: usize): bool {
  let i: usize = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 64 <= n; i += 64) {
      let d = v128.xor(v128.load(a + i), v128.load(b + i));
      d = v128.or(d, v128.xor(v128.load(a + i, 16), v128.load(b + i, 16)));
      d = v128.or(d, v128.xor(v128.load(a + i, 32), v128.load(b + i, 32)));
      d = v128.or(d, v128.xor(v128.load(a + i, 48), v128.load(b + i, 48)));
      if (v128.any_true(d)) return false;
    }
  }
  for (; i + 8 <= n; i += 8) {
    if (load<u64>(a + i) != load<u64>(b + i)) return false;
  }
  for (; i < n; i++) {
    if (load<u8>(a + i) != load<u8>(b + i)) return false;
  }
  return true;
}

/** The canonical ABI glue the generated entry file calls. Not for plugin
 * code. */
export namespace abi {
  // The return area: [tag u8][pad][payload...], at most 16 bytes.
  const RET: usize = memory.data(16, 8);

  /** `cabi_realloc`: the host allocates each call's input list here. The
   * list is a managed `ArrayBuffer` (not zeroed under the minimal
   * runtime), so `lift` wraps it without a copy and the collector frees it
   * after the call. */
  export function realloc(oldPtr: usize, oldSize: usize, align: usize, newSize: usize): usize {
    if (align > 16) unreachable();
    if (oldPtr == 0) return __new(newSize, idof<ArrayBuffer>());
    return __renew(oldPtr, newSize);
  }

  /** The input list `(ptr, len)` as a `Uint8Array`, without a copy. */
  export function lift(ptr: usize, len: usize): Uint8Array {
    failure = null;
    if (len == 0) return new Uint8Array(0);
    return Uint8Array.wrap(changetype<ArrayBuffer>(ptr), 0, <i32>len);
  }

  /** `result<list<u8>, string>`. */
  export function lowerList(out: Uint8Array): usize {
    if (failure !== null) return lowerError(4);
    store<u8>(RET, 0);
    store<u32>(RET, <u32>out.dataStart, 4);
    store<u32>(RET, <u32>out.byteLength, 8);
    return RET;
  }

  /** `result<option<list<u8>>, string>`. */
  export function lowerOption(out: Uint8Array | null): usize {
    if (failure !== null) return lowerError(4);
    store<u8>(RET, 0);
    if (out === null) {
      store<u8>(RET, 0, 4);
    } else {
      store<u8>(RET, 1, 4);
      store<u32>(RET, <u32>out.dataStart, 8);
      store<u32>(RET, <u32>out.byteLength, 12);
    }
    return RET;
  }

  function lowerError(at: usize): usize {
    const bytes = String.UTF8.encode(<string>failure);
    failure = null;
    store<u8>(RET, 1);
    store<u32>(RET + at, <u32>changetype<usize>(bytes));
    store<u32>(RET + at, <u32>bytes.byteLength, 4);
    return RET;
  }

  /** `cabi_post_*`: the host has read the result; free everything the call
   * allocated (input, output, temporaries). */
  export function release(): void {
    failure = null;
    __collect();
  }
}
