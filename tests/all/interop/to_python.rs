//! sandpress → python: sandpress writes its plan and python-blosc2 reads
//! every frame; stored zero chunks python-blosc2 cannot read.

use super::plan::*;
use super::*;

/// Writes frame `n` of the plan into `dir` with its data file; returns its
/// manifest entry, or what went wrong on the sandpress side.
///
/// Problems that do not stop python from checking the frame go to `problems`.
fn write_frame(
    dir: &Path,
    n: usize,
    s: &Spec,
    registry: &Registry,
    rng: &mut Rng,
    problems: &mut Vec<String>,
) -> Result<Value, String> {
    let (cs, bs, total, gnote) = s.geometry;
    let data = make_data(s.kind, s.typesize, total, rng);
    let label = s.label(n);
    let path = dir.join(format!("{label}.b2frame"));
    let cp = s.cparams();
    let metas = meta_set(s.meta);
    let vlmetas = vlmeta_set(s.vlmeta);
    let err = |what: &str, e: &dyn std::error::Error| format!("{what}: {}", chain(e));
    let mut w = FrameWriter::create(&path, cp.clone(), cs, metas.clone(), registry.clone())
        .map_err(|e| err("create", &e))?;
    w.append(&data).map_err(|e| err("append", &e))?;
    for (name, v) in &vlmetas {
        w.set_vlmeta(name, v).map_err(|e| err("set_vlmeta", &e))?;
    }
    w.finish().map_err(|e| err("finish", &e))?;

    // Read back: the expected data is sandpress's own output (for
    // TRUNC_PREC), which must equal the input for lossless pipelines.
    let mut f = Frame::open(&path).map_err(|e| err("reopen", &e))?;
    f.set_registry(registry.clone())
        .map_err(|e| err("set_registry", &e))?;
    let nchunks = total.div_ceil(cs);
    if f.nchunks() != nchunks {
        return Err(format!(
            "reopened: {} chunks, expected {nchunks}",
            f.nchunks()
        ));
    }
    let mut stored_specials = Vec::new();
    for i in 0..nchunks {
        if let Some(ChunkLoc::At(_)) = f.chunk_loc(i) {
            let c = f.chunk(i).map_err(|e| err("chunk", &e))?;
            let h = ChunkHeader::parse(&c).map_err(|e| err("chunk header", &e))?;
            if !matches!(h.special(), Special::None | Special::Value) {
                stored_specials.push((i, h.special()));
            }
        }
    }
    if !stored_specials.is_empty() {
        problems.push(format!(
            "chunks (index, kind) {stored_specials:?} are stored special chunks: C-Blosc2 accepts \
             only VALUE specials stored in a frame, the others must be special offsets in the \
             index (frames_info.md §4, §6)"
        ));
    }
    let mut out = Vec::with_capacity(total);
    for i in 0..nchunks {
        out.extend(
            f.decompress_chunk_vec(i)
                .map_err(|e| err(&format!("decompress chunk {i}"), &e))?,
        );
    }
    let lossy = s.filters.contains(&ids::TRUNC_PREC);
    let drop = if s.typesize == 4 { 23 } else { 52 } - u32::from(s.trunc_bits());
    if !lossy && out != data || lossy && !truncated(&data, &out, s.typesize.into(), drop) {
        return Err(format!(
            "sandpress reads back other data: first difference at byte {}",
            first_diff(&out, &data)
        ));
    }
    std::fs::write(dir.join(format!("{label}.bin")), &out)
        .map_err(|e| format!("write data: {e}"))?;

    let mut vl: BTreeMap<String, String> =
        vlmetas.iter().map(|(k, v)| (k.clone(), hex(v))).collect();
    if s.codec >= ids::USER_START {
        // The plugin table sandpress records: python compares its raw bytes.
        let table = f
            .vlmeta(plugins::VLMETA_NAME)
            .map_err(|e| err("plugin table", &e))?;
        vl.insert(
            plugins::VLMETA_NAME.into(),
            hex(&table.ok_or("no plugin table in a user-codec frame")?),
        );
    }
    // The checksum table sandpress writes (none when every chunk is
    // special): python reads it as an ordinary vlmeta entry.
    if let Some(table) = f
        .vlmeta(checksums::VLMETA_NAME)
        .map_err(|e| err("checksum table", &e))?
    {
        vl.insert(checksums::VLMETA_NAME.into(), hex(&table));
    }
    let names: BTreeSet<&str> = f.vlmeta_names().collect();
    if names != vl.keys().map(String::as_str).collect() {
        return Err(format!(
            "reopened vlmeta names {names:?}, expected {:?}",
            vl.keys()
        ));
    }
    let (filters, filters_meta) = slots(&cp.filters);
    Ok(json!({
        "frame": format!("{label}.b2frame"),
        "data": format!("{label}.bin"),
        "codec": codec_name(s.codec).ok_or(format!("codec {} has no manifest name", s.codec))?,
        "codec_id": s.codec,
        "codec_meta": cp.codec_meta,
        "clevel": s.clevel,
        "filters": filters,
        "filters_meta": filters_meta,
        "typesize": s.typesize,
        "chunksize": cs,
        "blocksize": bs,
        "splitmode": s.split.name(),
        "nchunks": nchunks,
        "meta": metas.iter().map(|(k, v)| (k.clone(), hex(v))).collect::<BTreeMap<_, _>>(),
        "vlmeta": vl,
        "notes": format!("sandpress {}; {:?} data; {gnote}; {} thread(s); filters in the {} slots",
            s.part, s.kind, s.nthreads, if s.last_slots { "last" } else { "first" }),
    }))
}

/// sandpress writes its plan; python-blosc2 reads every frame
/// (`read_frames.py` exits 0) and sandpress reads back its own.
#[test]
fn interop_sandpress_frames_read_by_python() {
    require_python_blosc2!();
    let t0 = Instant::now();
    let py = python().to_path_buf();
    let dir = workdir("sandpress");
    let registry = tutorial_registry();
    let plan = plan();
    let mut rng = Rng(20261101);
    let mut manifest = Vec::new();
    let mut failures = Vec::new();
    for (n, s) in plan.iter().enumerate() {
        let r = if s.codec >= ids::USER_START {
            registry.clone()
        } else {
            Registry::new()
        };
        let mut problems = Vec::new();
        match write_frame(dir.path(), n, s, &r, &mut rng, &mut problems) {
            Ok(entry) => manifest.push(entry),
            Err(e) => problems.push(e),
        }
        if !problems.is_empty() {
            failures.push(format!("{}: {}", s.label(n), problems.join("; ")));
        }
    }
    let text = serde_json::to_string_pretty(&manifest).expect("manifest to JSON");
    std::fs::write(dir.path().join("manifest.json"), text).expect("write manifest.json");
    let t_rs = t0.elapsed();
    let out = run_script("read_frames.py", dir.path());
    println!(
        "sandpress → python: {} frames planned, {} written; sandpress {:.1} s, total {:.1} s ({})",
        plan.len(),
        manifest.len(),
        t_rs.as_secs_f64(),
        t0.elapsed().as_secs_f64(),
        py.display()
    );
    assert!(
        out.status.success() && failures.is_empty(),
        "sandpress-side failures ({}):\n{}\nread_frames.py: {}",
        failures.len(),
        failures.join("\n"),
        show(&out)
    );
}

/// C-Blosc2 reads a stored special chunk only when it is VALUE: a chunk of
/// zeros must be a special offset in the index (frames_info.md §4, §6).
/// python-blosc2 cannot open a frame whose first chunk is a stored zeros
/// chunk, and `schunk[:]` fails on one further on.
#[test]
fn interop_zero_chunks_are_index_specials() {
    require_python_blosc2!();
    let dir = workdir("zeros");
    let cs = 4096;
    let ramp: Vec<u8> = (0..cs as u32 / 4).flat_map(u32::to_le_bytes).collect();
    let zeros = vec![0; cs];
    let mut failures = Vec::new();
    for (name, chunks) in [
        ("zeros-first", vec![&zeros, &ramp]),
        ("zeros-middle", vec![&ramp, &zeros, &ramp]),
    ] {
        let path = dir.path().join(format!("{name}.b2frame"));
        let (f, data) = write_chunks(&path, &chunks, ids::LZ4, 4, FilterChain::shuffle());
        for (i, c) in chunks.iter().enumerate() {
            let loc = f.chunk_loc(i);
            if *c == &zeros && loc != Some(ChunkLoc::Special(Special::Zeros)) {
                failures.push(format!(
                    "{name}: all-zero chunk {i} is {loc:?}, not ChunkLoc::Special(Zeros)"
                ));
            }
        }
        failures.extend(
            python_reads(&path, &data)
                .err()
                .map(|e| format!("{name}: {e}")),
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A chunk of one repeated item (not zero) is stored as a VALUE special
/// chunk, its header and the item, which python-blosc2 reads.
#[test]
fn interop_repeated_value_chunks_are_value_specials() {
    require_python_blosc2!();
    let dir = workdir("values");
    let cs = 8192;
    let mut failures = Vec::new();
    for ts in [1u8, 4, 8, 16] {
        let item = |v: u8| -> Vec<u8> { (0..ts).map(|k| v.wrapping_add(k * 3)).collect() };
        let ramp: Vec<u8> = (0..cs as u32 / 4).flat_map(u32::to_le_bytes).collect();
        let (a, b) = (
            item(7).repeat(cs / usize::from(ts)),
            item(200).repeat(cs / usize::from(ts)),
        );
        let path = dir.path().join(format!("values-ts{ts}.b2frame"));
        let (f, data) = write_chunks(
            &path,
            &[&a, &ramp, &b],
            ids::ZSTD,
            ts,
            FilterChain::shuffle(),
        );
        for i in [0, 2] {
            let h = ChunkHeader::parse(&f.chunk(i).expect("chunk")).expect("header");
            if h.special() != Special::Value {
                failures.push(format!("typesize {ts}: chunk {i} is {:?}", h.special()));
            }
        }
        failures.extend(
            python_reads(&path, &data)
                .err()
                .map(|e| format!("typesize {ts}: {e}")),
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Typesizes without a shuffle kernel of their own go through the kernel
/// for any typesize (32 or 16 items at a time, then 8, then one by one),
/// in the byte shuffle and in bitshuffle's first stage: python-blosc2 reads
/// sandpress's frames, and sandpress reads the frames python-blosc2 writes
/// of the same data.
#[test]
fn interop_shuffle_of_any_typesize_agrees_with_c_blosc2() {
    require_python_blosc2!();
    let dir = workdir("typesizes");
    let mut failures = Vec::new();
    let filters = [
        ("SHUFFLE", sandpress_core::filters::SHUFFLE),
        ("BITSHUFFLE", sandpress_core::filters::BITSHUFFLE),
    ];
    for ((name, id), ts) in filters
        .into_iter()
        .flat_map(|f| [3u8, 5, 6, 7, 12, 24, 33].map(|ts| (f, ts)))
    {
        let what = format!("{name} typesize {ts}");
        let chain = FilterChain::of(&[(id, 0)]).expect("one filter");
        // Not a whole number of 16-item groups, so every path runs.
        let cs = usize::from(ts) * 6011;
        let chunk = |seed: usize| -> Vec<u8> {
            (0..cs)
                .map(|i| (i / 7 + (i % usize::from(ts)) * seed) as u8)
                .collect()
        };
        let (a, b) = (chunk(3), chunk(11));
        let ours = dir.path().join(format!("sp-{name}-ts{ts}.b2frame"));
        let (_, data) = write_chunks(&ours, &[&a, &b], ids::ZSTD, ts, chain);
        failures.extend(
            python_reads(&ours, &data)
                .err()
                .map(|e| format!("python-blosc2 reading {what}: {e}")),
        );
        let raw = dir.path().join(format!("ts{ts}.raw"));
        std::fs::write(&raw, &data).expect("write the data");
        let theirs = dir.path().join(format!("py-{name}-ts{ts}.b2frame"));
        let script = "import sys, blosc2, numpy as np\n\
                      raw, out, ts, cs, f = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]\n\
                      cparams = {'typesize': ts, 'codec': blosc2.Codec.ZSTD, 'clevel': 5,\n\
                                 'filters': [getattr(blosc2.Filter, f)]}\n\
                      blosc2.SChunk(chunksize=cs, data=np.fromfile(raw, dtype=np.uint8),\n\
                                    cparams=cparams, urlpath=out, mode='w')\n";
        let out = Command::new(python())
            .args(["-c", script])
            .arg(&raw)
            .arg(&theirs)
            .args([ts.to_string(), cs.to_string(), name.to_string()])
            .output()
            .expect("run python");
        if !out.status.success() {
            failures.push(format!("python-blosc2 writing {what}: {}", show(&out)));
            continue;
        }
        let f = Frame::open(&theirs).expect("open python-blosc2's frame");
        let got: Vec<u8> = (0..f.nchunks())
            .flat_map(|i| f.decompress_chunk_vec(i).expect("decompress"))
            .collect();
        if got != data {
            failures.push(format!(
                "sandpress reading {what}: differs at byte {}",
                first_diff(&got, &data)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Writes `chunks` (all of one length, the chunk size) as a frame at
/// `path`, `codec` at clevel 5 after `filters`; returns the frame reopened
/// and its data.
fn write_chunks(
    path: &Path,
    chunks: &[&Vec<u8>],
    codec: u8,
    typesize: u8,
    filters: FilterChain,
) -> (Frame, Vec<u8>) {
    let data: Vec<u8> = chunks.iter().flat_map(|c| c.iter().copied()).collect();
    let cp = CParams {
        codec,
        clevel: 5,
        typesize,
        filters,
        ..CParams::default()
    };
    let mut w = FrameWriter::create(path, cp, chunks[0].len(), Vec::new(), Registry::new())
        .expect("create");
    w.append(&data).expect("append");
    w.finish().expect("finish");
    (Frame::open(path).expect("reopen"), data)
}

/// python-blosc2's `blosc2.open(path)[:]` gives `data`, or why not.
fn python_reads(path: &Path, data: &[u8]) -> Result<(), String> {
    let script = "import sys, blosc2\n\
                  s = blosc2.open(sys.argv[1], mode='r')\n\
                  sys.stdout.buffer.write(bytes(s[:]))\n";
    let out = Command::new(python())
        .env("BLOSC_TRACE", "1")
        .args(["-c", script])
        .arg(path)
        .output()
        .expect("run python");
    if out.status.success() && out.stdout == data {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let last = stderr.lines().rev().find(|l| !l.trim().is_empty());
    let why: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("[error]"))
        .chain(last)
        .collect();
    Err(format!(
        "python-blosc2's blosc2.open(path)[:] gives {} bytes, expected {}: {}",
        out.stdout.len(),
        data.len(),
        why.join(" | ")
    ))
}
