//! `sandpress demo` replays the tutorial and prints its figures.

#[test]
fn demo_prints_the_tutorial_figures() {
    let mut out = Vec::new();
    sandpress::demo::run(2, &mut out).expect("demo runs");
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("schunk cratio:  476.19"), "{text}");
    assert!(
        text.contains("schunk's compression ratio:  476.19"),
        "{text}"
    );
    assert_eq!(
        text.matches("np.array_equal(data, out): True").count(),
        3,
        "{text}"
    );
    assert!(!text.contains("False"), "{text}");
}
