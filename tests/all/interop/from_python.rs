//! python → sandpress: python-blosc2 writes its frame matrix; sandpress
//! reads every frame and compares it with the manifest.

use super::plan::{Spec, plan};
use super::*;

/// One manifest entry of `write_frames.py`.
struct Entry {
    frame: String,
    data: String,
    codec: String,
    codec_id: u8,
    codec_meta: u8,
    clevel: u8,
    filters: Vec<u8>,
    filters_meta: Vec<u8>,
    typesize: u8,
    chunksize: i64,
    splitmode: u8,
    nchunks: usize,
    meta: BTreeMap<String, Vec<u8>>,
    vlmeta: BTreeMap<String, Vec<u8>>,
    unspecified: BTreeSet<usize>,
}

impl Entry {
    fn parse(e: &Value) -> Result<Entry, String> {
        let string = |k: &str| {
            e[k].as_str()
                .map(str::to_string)
                .ok_or(format!("no str {k:?}"))
        };
        let int = |k: &str| e[k].as_i64().ok_or(format!("no int {k:?}"));
        let byte = |k: &str| int(k).and_then(|v| u8::try_from(v).map_err(|_| format!("{k} {v}")));
        let bytes = |k: &str| -> Result<Vec<u8>, String> {
            let a = e[k].as_array().ok_or(format!("no list {k:?}"))?;
            a.iter()
                .map(|v| {
                    v.as_u64()
                        .and_then(|v| u8::try_from(v).ok())
                        .ok_or(format!("{k}: {v}"))
                })
                .collect()
        };
        let hexmap = |k: &str| -> Result<BTreeMap<String, Vec<u8>>, String> {
            let m = e[k].as_object().ok_or(format!("no map {k:?}"))?;
            m.iter()
                .map(|(n, v)| {
                    Ok((
                        n.clone(),
                        v.as_str().and_then(unhex).ok_or(format!("{k} {n}: {v}"))?,
                    ))
                })
                .collect()
        };
        let unspecified = match e.get("unspecified_chunks") {
            None => BTreeSet::new(),
            Some(v) => v
                .as_array()
                .ok_or("unspecified_chunks")?
                .iter()
                .filter_map(|x| x.as_u64())
                .map(|x| x as usize)
                .collect(),
        };
        let splitmode = match string("splitmode")?.as_str() {
            "always" => 1,
            "never" => 2,
            "auto" => 3,
            other => return Err(format!("splitmode {other}")),
        };
        Ok(Entry {
            frame: string("frame")?,
            data: string("data")?,
            codec: string("codec")?,
            codec_id: byte("codec_id")?,
            codec_meta: if e.get("codec_meta").is_some() {
                byte("codec_meta")?
            } else {
                0
            },
            clevel: byte("clevel")?,
            filters: bytes("filters")?,
            filters_meta: bytes("filters_meta")?,
            typesize: byte("typesize")?,
            chunksize: int("chunksize")?,
            splitmode,
            nchunks: usize::try_from(int("nchunks")?).map_err(|e| e.to_string())?,
            meta: hexmap("meta")?,
            vlmeta: hexmap("vlmeta")?,
            unspecified,
        })
    }

    fn combo(&self) -> Combo {
        (
            self.codec.clone(),
            filters_name(&self.filters),
            self.typesize,
        )
    }
}

/// Every difference between python's frame and its manifest entry, as sandpress reads it.
fn check_python_frame(dir: &Path, e: &Entry, registry: &Registry) -> Vec<String> {
    let mut f = match Frame::open(dir.join(&e.frame)) {
        Ok(f) => f,
        Err(err) => return vec![format!("open: {}", chain(&err))],
    };
    if e.codec == "user"
        && let Err(err) = f.set_registry(registry.clone())
    {
        return vec![format!("set_registry: {}", chain(&err))];
    }
    let mut d = Vec::new();
    let h = f.header().clone();
    let (hf, hm) = slots(&FilterChain::from_slots(h.filters, h.filters_meta));
    for (what, got, want) in [
        ("nchunks", f.nchunks() as i64, e.nchunks as i64),
        ("typesize", i64::from(h.typesize), i64::from(e.typesize)),
        ("chunksize", i64::from(h.chunksize), e.chunksize),
        ("header codec", i64::from(h.codec), i64::from(e.codec_id)),
        ("header clevel", i64::from(h.clevel), i64::from(e.clevel)),
        (
            "header splitmode",
            i64::from(h.splitmode),
            i64::from(e.splitmode),
        ),
        (
            "header codec_meta",
            i64::from(h.codec_meta),
            i64::from(e.codec_meta),
        ),
    ] {
        if got != want {
            d.push(format!("{what} {got} != {want}"));
        }
    }
    if (&hf, &hm) != (&e.filters, &e.filters_meta) {
        d.push(format!(
            "header filters {hf:?} metas {hm:?} != {:?} {:?}",
            e.filters, e.filters_meta
        ));
    }
    if f.nchunks() == e.nchunks {
        d.extend(check_data(&f, e, dir));
        d.extend(check_chunk_headers(&f, e));
    }
    let metas: BTreeMap<String, Vec<u8>> = f.metalayers().iter().cloned().collect();
    if metas != e.meta {
        d.push(format!(
            "metalayers {:?} != {:?}",
            hexes(&metas),
            hexes(&e.meta)
        ));
    }
    let mut vl = BTreeMap::new();
    let names: Vec<String> = f.vlmeta_names().map(str::to_string).collect();
    for n in names {
        match f.vlmeta(&n) {
            Ok(Some(v)) => drop(vl.insert(n, v)),
            Ok(None) => d.push(format!("vlmeta {n:?} listed but not found")),
            Err(err) => d.push(format!("vlmeta {n:?}: {}", chain(&err))),
        }
    }
    if vl != e.vlmeta {
        d.push(format!("vlmeta {:?} != {:?}", hexes(&vl), hexes(&e.vlmeta)));
    }
    d
}

fn hexes(m: &BTreeMap<String, Vec<u8>>) -> BTreeMap<&str, String> {
    m.iter().map(|(k, v)| (k.as_str(), hex(v))).collect()
}

/// The decompressed chunks against the data file, UNINIT chunks skipped.
fn check_data(f: &Frame, e: &Entry, dir: &Path) -> Option<String> {
    let data = match std::fs::read(dir.join(&e.data)) {
        Ok(d) => d,
        Err(err) => return Some(format!("read {}: {err}", e.data)),
    };
    let mut pos = 0;
    for i in 0..f.nchunks() {
        let n = match f.chunk_nbytes(i) {
            Ok(n) => n,
            Err(err) => return Some(format!("chunk {i} size: {}", chain(&err))),
        };
        let want = &data[pos.min(data.len())..(pos + n).min(data.len())];
        if !e.unspecified.contains(&i) {
            match f.decompress_chunk_vec(i) {
                Err(err) => return Some(format!("chunk {i}: decompress: {}", chain(&err))),
                Ok(got) if got != want => {
                    let at = first_diff(&got, want);
                    return Some(format!(
                        "data differs in chunk {i} at chunk byte {at} (super-chunk byte {}; chunk has {} bytes, data file {} left)",
                        pos + at,
                        got.len(),
                        want.len()
                    ));
                }
                Ok(_) => {}
            }
        }
        pos += n;
    }
    (pos != data.len()).then(|| format!("chunks hold {pos} bytes, data file {}", data.len()))
}

/// Codec and filters of each chunk that is not a special-value chunk.
fn check_chunk_headers(f: &Frame, e: &Entry) -> Vec<String> {
    let mut d = Vec::new();
    for i in 0..f.nchunks() {
        let h = match f.chunk(i).map(|c| ChunkHeader::parse(&c)) {
            Ok(Ok(h)) => h,
            Ok(Err(err)) => {
                d.push(format!("chunk {i} header: {}", chain(&err)));
                continue;
            }
            Err(err) => {
                d.push(format!("chunk {i}: {}", chain(&err)));
                continue;
            }
        };
        if h.special() != Special::None {
            continue;
        }
        let mut bad = Vec::new();
        // C-Blosc2 writes clevel-0 chunks as memcpyed with the codec bits at 0.
        let raw_c0 = h.memcpyed() && e.clevel == 0 && h.flags >> 5 == 0;
        if h.codec() != e.codec_id && !raw_c0 {
            bad.push(format!(
                "codec {} (flags {:#04x}, byte 22 = {})",
                h.codec(),
                h.flags,
                h.codec_id
            ));
        }
        if e.codec_id >= ids::USER_START && h.codec_meta != e.codec_meta {
            bad.push(format!("codec_meta {}", h.codec_meta));
        }
        let (cf, cm) = slots(&FilterChain::from_slots(h.filters, h.filters_meta));
        if (&cf, &cm) != (&e.filters, &e.filters_meta) {
            bad.push(format!("filters {cf:?} metas {cm:?}"));
        }
        if !bad.is_empty() {
            d.push(format!("chunk {i}: {}", bad.join(", ")));
        }
        if d.len() >= 3 {
            d.push("...".into());
            break;
        }
    }
    d
}

/// python-blosc2 writes its frame matrix; sandpress reads every frame and
/// compares it with the manifest. One failure line per failing frame.
#[test]
fn interop_python_frames_read_by_sandpress() {
    require_python_blosc2!();
    let t0 = Instant::now();
    let dir = workdir("python");
    let out = run_script("write_frames.py", dir.path());
    assert!(
        out.status.success(),
        "write_frames.py failed: {}",
        show(&out)
    );
    let t_py = t0.elapsed();
    let text = std::fs::read_to_string(dir.path().join("manifest.json")).expect("manifest.json");
    let manifest: Vec<Value> = serde_json::from_str(&text).expect("manifest.json is a JSON list");
    assert!(!manifest.is_empty(), "write_frames.py listed no frame");
    let registry = tutorial_registry();
    let mut failures = Vec::new();
    let mut combos = BTreeSet::new();
    for (n, v) in manifest.iter().enumerate() {
        let name = v["frame"]
            .as_str()
            .map_or(format!("entry {n}"), str::to_string);
        match Entry::parse(v) {
            Err(err) => failures.push(format!("{name}: manifest entry: {err}")),
            Ok(e) => {
                combos.insert(e.combo());
                let d = check_python_frame(dir.path(), &e, &registry);
                if !d.is_empty() {
                    failures.push(format!("{name} ({}): {}", e.codec, d.join("; ")));
                }
            }
        }
    }
    let ours: BTreeSet<Combo> = plan().iter().map(Spec::combo).collect();
    let both: BTreeSet<Combo> = combos.intersection(&ours).cloned().collect();
    for (title, combos) in [(PY_TITLE, &combos), (BOTH_TITLE, &both)] {
        let t = table(combos);
        println!(
            "{title} {} codec/filters/typesize combinations\n{t}",
            combos.len()
        );
        failures.extend(doc_has(title, &t).err());
    }
    println!(
        "python → sandpress: {} frames ({} failed); write_frames.py {:.1} s, total {:.1} s",
        manifest.len(),
        failures.len(),
        t_py.as_secs_f64(),
        t0.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} of {} python-blosc2 frames (or coverage docs) failed in sandpress:\n{}",
        failures.len(),
        manifest.len(),
        failures.join("\n")
    );
}
