// step-codec: the start/step codec of python-blosc2's tutorial
// "User-defined codecs and filters" (codec id 184 there), byte for byte the
// Rust `examples/rust/step-codec` (`sandpress_algorithms::step`).
//
// Used after delta-filter, it stores an arithmetic sequence in two items: a
// block of at least three `typesize`-byte items whose items after the first
// are all equal becomes its first item (`start`) and its second (`step`);
// any other block is declined and stored raw. `meta` is ignored.

import { BlockInfo, fail, fillRepeating, periodic, uninitialized } from "../../../../sdk/assemblyscript/sandpress";

export function encode(input: Uint8Array, meta: u8, info: BlockInfo): Uint8Array | null {
  const ts = info.typesize;
  const len = <u32>input.byteLength;
  if (ts == 0 || len % ts != 0) return null;
  // At least three items: two would not shrink.
  const encoded = <u64>ts * 2;
  if (encoded > <u64>u32.MAX_VALUE || encoded >= <u64>len) return null;
  if (!periodic(input.subarray(<i32>ts), ts)) return null;
  // The first two items, as a view of the input (no copy).
  return input.subarray(0, <i32>encoded);
}

export function decode(input: Uint8Array, meta: u8, info: BlockInfo): Uint8Array {
  const ts = info.typesize;
  if (ts == 0) return fail("typesize is 0");
  // Lengths are computed as the Rust guest computes them (32-bit, saturating).
  const expected: u32 = <u64>ts * 2 > <u64>u32.MAX_VALUE ? u32.MAX_VALUE : ts * 2;
  const found = <u32>input.byteLength;
  if (found != expected || found < ts) {
    return fail(`encoded block holds ${found} bytes where ${expected} were expected`);
  }
  const outLen = info.blocksize;
  if (outLen % ts != 0 || outLen < ts) {
    return fail(`${outLen} bytes are not a whole number of ${ts}-byte items`);
  }
  const out = uninitialized(<i32>outLen);
  memory.copy(out.dataStart, input.dataStart, <usize>ts);
  fillRepeating(out.subarray(<i32>ts), input.subarray(<i32>ts));
  return out;
}
