//! DT_SONAME = the bare name C-Blosc2 dlopens for the filter name
//! `sandpress_filter`.

fn main() {
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libblosc2_sandpress_filter.so");
}
