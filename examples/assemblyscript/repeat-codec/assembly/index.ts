// repeat-codec: the repeated-value codec of python-blosc2's tutorial
// "User-defined codecs and filters" (codec id 160 there), byte for byte the
// Rust `examples/rust/repeat-codec` (`sandpress_algorithms::repeat`).
//
// A block whose `typesize`-byte items are all equal is stored as the value
// (`typesize` bytes) then the item count (4 bytes, little-endian if `meta`
// is 0, big-endian otherwise). Any other block is declined and stored raw,
// as are blocks the encoding would not make smaller and blocks that are
// not a whole number of items.

import { BlockInfo, fail, fillRepeating, periodic, uninitialized } from "../../../../sdk/assemblyscript/sandpress";

/** Size in bytes of the item count that follows the value. */
const COUNT_BYTES: u64 = 4;

export function encode(input: Uint8Array, meta: u8, info: BlockInfo): Uint8Array | null {
  const ts = info.typesize;
  const len = <u32>input.byteLength;
  if (ts == 0 || len % ts != 0) return null;
  if (<u64>ts + COUNT_BYTES >= <u64>len || !periodic(input, ts)) return null;
  const out = uninitialized(<i32>ts + 4);
  memory.copy(out.dataStart, input.dataStart, <usize>ts);
  storeCount(out.dataStart + <usize>ts, len / ts, meta);
  return out;
}

export function decode(input: Uint8Array, meta: u8, info: BlockInfo): Uint8Array {
  const ts = info.typesize;
  if (ts == 0) return fail("typesize is 0");
  // Lengths are computed as the Rust guest computes them (32-bit, saturating).
  const expected = saturate(<u64>ts + COUNT_BYTES);
  const found = <u32>input.byteLength;
  if (found != expected) {
    return fail(`encoded block holds ${found} bytes where ${expected} were expected`);
  }
  const count = loadCount(input.dataStart + <usize>ts, meta);
  const decoded = saturate(<u64>count * <u64>ts);
  const outLen = info.blocksize;
  if (decoded != outLen) {
    return fail(`output holds ${outLen} bytes where ${decoded} are written`);
  }
  const out = uninitialized(<i32>outLen);
  fillRepeating(out, input.subarray(0, <i32>ts));
  return out;
}

// @ts-ignore: decorator
@inline function saturate(x: u64): u32 {
  return x > <u64>u32.MAX_VALUE ? u32.MAX_VALUE : <u32>x;
}

function storeCount(at: usize, count: u32, meta: u8): void {
  store<u32>(at, meta == 0 ? count : bswap<u32>(count));
}

function loadCount(at: usize, meta: u8): u32 {
  const raw = load<u32>(at);
  return meta == 0 ? raw : bswap<u32>(raw);
}
