// delta-filter: the delta filter of python-blosc2's tutorial "User-defined
// codecs and filters" (filter id 160 there), byte for byte the Rust
// `examples/rust/delta-filter` (`sandpress_algorithms::delta`).
//
// Forward keeps the first item and replaces each later item by its
// wrapping difference with the item before; backward is the running sum.
// Items of 1, 2, 4 (the tutorial's int32) and 8 bytes are little-endian
// integers; items of any other size are differenced byte lane by byte
// lane. Trailing bytes that do not form a whole item are left as they are.
// `meta` is ignored.
//
// Both directions work in place in the block the host passed in, so a call
// allocates nothing. With `--enable simd` (what `sandpress plugin build`
// passes) the loops run 16 bytes at a time.

import { BlockInfo, fail } from "../../../../sdk/assemblyscript/sandpress";

export function forward(input: Uint8Array, meta: u8, info: BlockInfo): Uint8Array {
  const ts = <usize>info.typesize;
  if (ts == 0) return fail("typesize is 0");
  const p = input.dataStart;
  const body = bodyLength(<usize>input.byteLength, ts);
  if (ts == 1) forwardWords<u8>(p, body);
  else if (ts == 2) forwardWords<u16>(p, body);
  else if (ts == 4) forwardWords<u32>(p, body);
  else if (ts == 8) forwardWords<u64>(p, body);
  else forwardLanes(p, body, ts);
  return input;
}

export function backward(input: Uint8Array, meta: u8, info: BlockInfo): Uint8Array {
  const ts = <usize>info.typesize;
  if (ts == 0) return fail("typesize is 0");
  const p = input.dataStart;
  const body = bodyLength(<usize>input.byteLength, ts);
  if (ts == 1) backwardWords<u8>(p, body);
  else if (ts == 2) backwardWords<u16>(p, body);
  else if (ts == 4) backwardWords<u32>(p, body);
  else if (ts == 8) backwardWords<u64>(p, body);
  else backwardLanes(p, body, ts);
  return input;
}

/** Length of the part of a block made of whole items. */
// @ts-ignore: decorator
@inline function bodyLength(len: usize, ts: usize): usize {
  return len - len % ts;
}

// Forward, in place, over the whole items `[0, body)` of `T`-sized items:
// item k becomes item k - item k-1 (item 0 stays). The vector loop runs
// from the end down, so every item still holds its original value when
// the one after it subtracts it; what is left at the front goes scalar.
function forwardWords<T>(p: usize, body: usize): void {
  const ts = sizeof<T>();
  let end = body;
  if (ASC_FEATURE_SIMD) {
    while (end >= ts + 16) {
      const q = p + end - 16;
      v128.store(q, sub<T>(v128.load(q), v128.load(q - ts)));
      end -= 16;
    }
  }
  if (end <= ts) return;
  let prev = load<T>(p);
  for (let i = ts; i < end; i += ts) {
    const cur = load<T>(p + i);
    store<T>(p + i, cur - prev);
    prev = cur;
  }
}

// Backward, in place: the running sum of `T`-sized items, four items per
// round. Bytes are summed 16 at a time with SIMD first (measured: for wider
// items a vector prefix sum is no faster than this loop).
function backwardWords<T>(p: usize, body: usize): void {
  const ts = sizeof<T>();
  let i: usize = 0;
  let sum: T = 0;
  if (ASC_FEATURE_SIMD && ts == 1) {
    i = backwardBytes16(p, body);
    if (i > 0) sum = load<T>(p + i - 1);
  }
  for (; i + 4 * ts <= body; i += 4 * ts) {
    const a = load<T>(p + i);
    const b = load<T>(p + i + ts);
    const c = load<T>(p + i + 2 * ts);
    const d = load<T>(p + i + 3 * ts);
    sum += a;
    store<T>(p + i, sum);
    sum += b;
    store<T>(p + i + ts, sum);
    sum += c;
    store<T>(p + i + 2 * ts, sum);
    sum += d;
    store<T>(p + i + 3 * ts, sum);
  }
  for (; i < body; i += ts) {
    sum += load<T>(p + i);
    store<T>(p + i, sum);
  }
}

// The running sum of bytes, 16 at a time: within a vector in four
// shift-and-add steps, plus the last sum of the vector before. Returns how
// many bytes it did (a multiple of 16).
function backwardBytes16(p: usize, body: usize): usize {
  const z = i32x4.splat(0);
  let carry = z;
  let i: usize = 0;
  for (; i + 16 <= body; i += 16) {
    let x = v128.load(p + i);
    x = i8x16.add(x, i8x16.shuffle(x, z, 16, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14));
    x = i8x16.add(x, i8x16.shuffle(x, z, 16, 16, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13));
    x = i8x16.add(x, i8x16.shuffle(x, z, 16, 16, 16, 16, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11));
    x = i8x16.add(x, i8x16.shuffle(x, z, 16, 16, 16, 16, 16, 16, 16, 16, 0, 1, 2, 3, 4, 5, 6, 7));
    x = i8x16.add(x, carry);
    v128.store(p + i, x);
    carry = i8x16.shuffle(x, x, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15);
  }
  return i;
}

// Items of other sizes: each byte minus the byte `ts` before it.
function forwardLanes(p: usize, body: usize, ts: usize): void {
  let end = body;
  if (ASC_FEATURE_SIMD) {
    while (end >= ts + 16) {
      const q = p + end - 16;
      v128.store(q, i8x16.sub(v128.load(q), v128.load(q - ts)));
      end -= 16;
    }
  }
  for (let i = end; i > ts; ) {
    i--;
    store<u8>(p + i, load<u8>(p + i) - load<u8>(p + i - ts));
  }
}

function backwardLanes(p: usize, body: usize, ts: usize): void {
  let i = ts;
  // With items of 16 bytes or more, the 16 bytes `ts` back are final.
  if (ASC_FEATURE_SIMD && ts >= 16) {
    for (; i + 16 <= body; i += 16) {
      v128.store(p + i, i8x16.add(v128.load(p + i), v128.load(p + i - ts)));
    }
  }
  for (; i < body; i++) {
    store<u8>(p + i, load<u8>(p + i) + load<u8>(p + i - ts));
  }
}

// @ts-ignore: decorator
@inline function sub<T>(a: v128, b: v128): v128 {
  if (sizeof<T>() == 1) return i8x16.sub(a, b);
  if (sizeof<T>() == 2) return i16x8.sub(a, b);
  if (sizeof<T>() == 4) return i32x4.sub(a, b);
  return i64x2.sub(a, b);
}
