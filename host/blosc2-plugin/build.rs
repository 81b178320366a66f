//! The library's DT_SONAME is the bare name C-Blosc2 dlopens
//! (`libblosc2_sandpress.so`): a copy the Python package loaded first by
//! its full path then satisfies C-Blosc2's own dlopen.

fn main() {
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libblosc2_sandpress.so");
}
