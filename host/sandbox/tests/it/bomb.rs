//! Compile bombs, built in the test rather than committed: a component
//! holding one core module with one function that pushes `values` constants
//! and then adds them all up (every constant is live until the adds run,
//! which is what makes register allocation expensive).

/// Appends `n` as unsigned LEB128.
fn leb(out: &mut Vec<u8>, mut n: usize) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// Appends section `id` holding `body`.
fn section(out: &mut Vec<u8>, id: u8, body: &[u8]) {
    out.push(id);
    leb(out, body.len());
    out.extend_from_slice(body);
}

/// The body of `(func (result i32) (i32.const 1) x values, i32.add x values-1)`.
fn bomb_body(values: usize) -> Vec<u8> {
    let mut code = vec![0]; // no locals
    for _ in 0..values {
        code.extend_from_slice(&[0x41, 0x01]); // i32.const 1
    }
    code.extend(std::iter::repeat_n(0x6a, values.saturating_sub(1))); // i32.add
    code.push(0x0b); // end
    code
}

/// A core module with the bomb function (type `() -> i32`), exported as
/// "bomb".
fn bomb_module(values: usize) -> Vec<u8> {
    let mut m = b"\0asm\x01\0\0\0".to_vec();
    section(&mut m, 1, &[1, 0x60, 0, 1, 0x7f]); // type: () -> i32
    section(&mut m, 3, &[1, 0]); // one function of type 0
    let mut export = vec![1, 4];
    export.extend_from_slice(b"bomb");
    export.extend_from_slice(&[0, 0]);
    section(&mut m, 7, &export);
    let body = bomb_body(values);
    let mut code = vec![1];
    leb(&mut code, body.len());
    code.extend_from_slice(&body);
    section(&mut m, 10, &code);
    m
}

/// A component whose one core module is the bomb (it exports nothing
/// else: the compile cost is all there is to it).
pub fn bomb_component(values: usize) -> Vec<u8> {
    let mut c = b"\0asm\x0d\0\x01\0".to_vec();
    section(&mut c, 1, &bomb_module(values)); // core module section
    c
}

#[test]
fn the_bomb_is_valid_webassembly() {
    let bytes = bomb_component(1000);
    wasmparser::Validator::new()
        .validate_all(&bytes)
        .expect("a valid component");
    assert!(bomb_component(1_200_000).len() > 3_500_000);
}
