//! The sandbox's limits: memory per instance over all its memories and
//! tables, one memory budget for all instances of a sandbox, and the
//! compile budget checked before anything is compiled.

use std::sync::mpsc;
use std::time::Duration;

use sandpress_core::plugin::{CodecPlugin, PluginError, Stopped};
use sandpress_sandbox::{CompileBudget, CompileLimit, SandboxError, WasmCodec};

use crate::bomb::bomb_component;
use crate::common::{block, guest, info, limits, sandbox_with};

/// A block that asks the hog / three-memories guests for `mib` MiB.
fn asking(mib: u8) -> Vec<u8> {
    let mut b = block(0xFF, 64);
    b[1] = mib;
    b
}

fn encode(codec: &WasmCodec, input: &[u8]) -> Result<bool, PluginError> {
    codec.encode(input, 0, &info(input.len()), &mut Vec::new())
}

#[test]
fn three_memories_of_200_mib_are_stopped_at_the_instance_limit() {
    // 256 MiB per instance (the default): each memory alone would fit.
    // Writing 256 MiB takes longer than the tests' 50 ms deadline.
    let sandbox = sandbox_with(limits().memory(256 << 20).deadline(Duration::from_secs(60)));
    let codec = sandbox
        .load_codec("three", 200, &guest("three_memories_codec.wat"))
        .expect("loads");
    assert_eq!(
        encode(&codec, &asking(200)),
        Err(PluginError::Stopped(Stopped::MemoryLimit {
            limit: 256 << 20
        }))
    );
    assert_eq!(encode(&codec, &asking(1)), Ok(true), "a fresh instance");
}

#[test]
fn memories_that_start_too_large_together_are_refused_at_load() {
    let wat = r#"(component
        (core module $a (memory 100))
        (core module $b (memory 100))
        (core instance (instantiate $a))
        (core instance (instantiate $b)))"#;
    let bytes = wat::parse_str(wat).expect("parses");
    let err = sandbox_with(limits().memory(10 << 20))
        .load_codec("big", 200, &bytes)
        .expect_err("refused");
    assert_eq!(
        err,
        SandboxError::InitialMemoryTooLarge {
            initial: 200 << 16,
            limit: 10 << 20
        }
    );
}

#[test]
fn instances_on_two_threads_share_the_sandbox_budget() {
    let sandbox = sandbox_with(limits().memory(16 << 20).total_memory(20 << 20));
    let codec = sandbox
        .load_codec("hog", 200, &guest("hog_codec.wat"))
        .expect("loads");
    let (to_main, from_helper) = mpsc::channel();
    let (to_helper, from_main) = mpsc::channel();
    std::thread::scope(|s| {
        let helper_codec = &codec;
        s.spawn(move || {
            // Holds 12 MiB in this thread's instance, which it keeps.
            to_main.send(encode(helper_codec, &asking(12))).unwrap();
            from_main.recv().unwrap();
            // Past its own limit: its instance is dropped, with its memory.
            to_main.send(encode(helper_codec, &asking(255))).unwrap();
        });
        assert_eq!(from_helper.recv().unwrap(), Ok(true));
        assert_eq!(
            encode(&codec, &asking(12)),
            Err(PluginError::Stopped(Stopped::SandboxMemoryLimit {
                limit: 20 << 20
            })),
            "12 MiB on each of two threads is past the 20 MiB budget"
        );
        to_helper.send(()).unwrap();
        assert_eq!(
            from_helper.recv().unwrap(),
            Err(PluginError::Stopped(Stopped::MemoryLimit {
                limit: 16 << 20
            }))
        );
        assert_eq!(
            encode(&codec, &asking(12)),
            Ok(true),
            "the budget came back when the other instance was dropped"
        );
    });
}

#[test]
fn a_compile_bomb_is_refused_before_compiling() {
    // 1.2 million live values in one 3.6 MB function: 11 s and 800 MB of
    // Cranelift when it was compiled.
    let bomb = bomb_component(1_200_000);
    let err = sandbox_with(limits())
        .load_codec("bomb", 200, &bomb)
        .expect_err("refused");
    match err {
        SandboxError::CompileBudget {
            limit: CompileLimit::FunctionSize,
            allowed,
            found,
        } => {
            assert_eq!(allowed, CompileBudget::DEFAULT_MAX_FUNCTION_SIZE);
            assert!(found > 3_500_000, "{found}");
        }
        other => panic!("expected the compile budget, got {other:?}"),
    }
}

#[test]
fn the_compile_budget_is_set_in_the_limits() {
    let small = bomb_component(1000);
    let tight = limits().compile_budget(CompileBudget::default().max_function_size(100));
    assert!(matches!(
        sandbox_with(tight).load_codec("small", 200, &small),
        Err(SandboxError::CompileBudget {
            limit: CompileLimit::FunctionSize,
            allowed: 100,
            ..
        })
    ));
    // Under the default budget it compiles, then fails the contract.
    assert!(matches!(
        sandbox_with(limits()).load_codec("small", 200, &small),
        Err(SandboxError::MissingInterface { .. })
    ));
}
