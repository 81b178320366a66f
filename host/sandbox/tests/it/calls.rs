//! Well-behaved guests: answers, identity and metadata.

use sandpress_core::plugin::{CodecPlugin, FilterPlugin, PluginKind, TransformPlugin};
use sha2::{Digest, Sha256};

use crate::common::{block, guest, info, sandbox};

#[test]
fn identity_codec_round_trips_and_records_its_identity() {
    let bytes = guest("identity_codec.wat");
    let codec = sandbox().load_codec("ident", 180, &bytes).expect("loads");
    let meta = codec.meta();
    assert_eq!(meta.id, 180);
    assert_eq!(meta.kind, PluginKind::Codec);
    assert_eq!(meta.name, "ident");
    assert_eq!(meta.sha256, <[u8; 32]>::from(Sha256::digest(&bytes)));

    for len in [0, 1, 7, 65536] {
        let input = block(3, len);
        let mut encoded = Vec::new();
        assert_eq!(codec.encode(&input, 0, &info(len), &mut encoded), Ok(true));
        let mut decoded = vec![0; len];
        codec
            .decode(&encoded, 0, &info(len), &mut decoded)
            .expect("decode");
        assert_eq!(decoded, input);
    }
}

#[test]
fn identity_filter_forward_and_backward() {
    let filter = sandbox()
        .load_filter(161, &guest("identity_filter.wat"))
        .expect("loads");
    assert_eq!(filter.meta().name, "filter-161");
    assert_eq!(filter.meta().kind, PluginKind::Filter);
    let input = block(0, 1 << 20);
    let mut out = vec![0; input.len()];
    filter
        .forward(&input, 5, &info(input.len()), &mut out)
        .expect("forward");
    assert_eq!(out, input);
    let mut back = vec![0; input.len()];
    filter
        .backward(&out, 5, &info(input.len()), &mut back)
        .expect("backward");
    assert_eq!(back, input);
}

#[test]
fn prefilter_and_postfilter_undo_each_other() {
    let bytes = guest("plus_one_transform.wat");
    let sandbox = sandbox();
    let pre = sandbox.load_prefilter(&bytes).expect("prefilter loads");
    let post = sandbox.load_postfilter(&bytes).expect("postfilter loads");
    assert_eq!((pre.meta().id, pre.meta().name.as_str()), (0, "prefilter"));
    assert_eq!(pre.meta().kind, PluginKind::Prefilter);
    assert_eq!(post.meta().kind, PluginKind::Postfilter);

    let input = block(255, 1000);
    let mut mid = vec![0; input.len()];
    pre.apply(&input, 0, &info(1000), &mut mid)
        .expect("prefilter");
    assert_eq!(mid[0], 0);
    assert_eq!(mid[1], input[1] + 1);
    let mut out = vec![0; input.len()];
    post.apply(&mid, 0, &info(1000), &mut out)
        .expect("postfilter");
    assert_eq!(out, input);
}

#[test]
fn a_wasi_guest_runs_with_no_environment_and_no_arguments() {
    let filter = sandbox()
        .load_filter(170, &guest("wasi_env_filter.wat"))
        .expect("loads");
    let input = block(0xEE, 100);
    let mut out = vec![0; input.len()];
    filter
        .forward(&input, 0, &info(input.len()), &mut out)
        .expect("forward");
    assert_eq!(
        out[0], 0,
        "the guest saw environment variables or arguments"
    );
    assert_eq!(out[1..], input[1..]);
}

#[test]
fn a_wasi_timer_cannot_hold_the_thread() {
    // The guest blocks on a two-minute timer; the sandbox's timers are ready
    // at once. (A bound of one minute: this checks that it did not sleep,
    // it does not measure speed.)
    let filter = sandbox()
        .load_filter(171, &guest("wasi_sleep_filter.wat"))
        .expect("loads");
    let input = block(1, 100);
    let mut out = vec![0; input.len()];
    let start = std::time::Instant::now();
    filter
        .forward(&input, 0, &info(input.len()), &mut out)
        .expect("forward");
    assert!(start.elapsed() < std::time::Duration::from_secs(60));
    assert_eq!(out, input);
}
