//! An ordered pipeline over a stream of chunks: the calling thread takes
//! pieces of work from a source and hands their results, in the source's
//! order, to a sink; the work itself runs on the shared pool of
//! [`parallel`](sandpress_core::parallel), at most `depth` pieces at a time (taken
//! but not yet given to the sink), so memory stays bounded whatever the
//! length of the stream.
//!
//! The workers are the pool's threads, the same ones that compress the
//! blocks of a chunk elsewhere: a plugin keeps one instance per worker
//! thread, so no thread is started here and no plugin is instantiated
//! once more per call.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use sandpress_core::parallel;

/// Chunks in flight (taken from the source, not yet given to the sink) per
/// worker thread in the pipelines of [`PipelinedWriter`] and
/// [`Frame::decompress_in_order`]: one being worked on, one waiting.
///
/// [`PipelinedWriter`]: super::PipelinedWriter
/// [`Frame::decompress_in_order`]: super::Frame::decompress_in_order
pub const CHUNKS_PER_THREAD: usize = 2;

/// A buffer of at least `n` bytes for a chunk to decode into: one of
/// `spare` (given back by chunks done), or a fresh zeroed one, whose pages
/// stay untouched (not resident) until blocks really decode into them, so a
/// chunk whose header claims 2 GB costs what it decodes to.
pub(crate) fn chunk_buffer(spare: &mut Vec<Vec<u8>>, n: usize) -> Vec<u8> {
    match spare.pop() {
        Some(b) if b.len() >= n => b,
        _ => vec![0; n],
    }
}

/// The source and the sink of an ordered pipeline, both run on the calling
/// thread: [`next`](Self::next) gives the pieces of work (chunks read, or
/// chunks to decode), the workers make something of each, and
/// [`done`](Self::done) takes those results back in the source's order
/// (writes them out).
pub(crate) trait SourceAndSink {
    /// A piece of work.
    type Item: Send;
    /// What the work made of it.
    type Output: Send;
    /// Why the source or the sink failed.
    type Error;

    /// The next piece of work, `None` at the end of the stream.
    fn next(&mut self) -> Result<Option<Self::Item>, Self::Error>;

    /// Takes what the work made of the next piece, in the source's order.
    fn done(&mut self, out: Self::Output) -> Result<(), Self::Error>;
}

/// A result, or its work skipped (the pipeline is stopping) or panicked.
type Answer<O> = (u64, std::thread::Result<Option<O>>);

/// Runs `work` on every piece `ends` gives, `work(i, item)` for the `i`-th
/// piece, and gives the outputs back to `ends` in order.
///
/// With `nthreads` <= 1 (or no pool) everything runs in turn on the
/// calling thread. Otherwise `work` runs on the shared pool of `nthreads`
/// workers with at most `depth` pieces in flight. The first error of the
/// source or the sink stops the pipeline: nothing more is taken, work not
/// yet started is skipped, work under way is waited for and its output
/// dropped, and the error is returned. A panic in `work` is raised again
/// on the calling thread.
///
/// The calling thread waits on a channel, not inside the pool: it must not
/// be one of the pool's own workers when every other worker could be
/// waiting too.
pub(crate) fn run<E, W>(
    nthreads: usize,
    depth: usize,
    ends: &mut E,
    work: &W,
) -> Result<(), E::Error>
where
    E: SourceAndSink,
    W: Fn(u64, E::Item) -> E::Output + Sync,
{
    let pool = if nthreads > 1 {
        parallel::pool(nthreads)
    } else {
        None
    };
    let Some(pool) = pool else {
        return in_turn(ends, work);
    };
    let depth = depth.max(1) as u64;
    let stop = AtomicBool::new(false);
    let (tx, rx) = mpsc::channel::<Answer<E::Output>>();
    let mut failure: Option<E::Error> = None;
    let mut panic = None;
    pool.in_place_scope_fifo(|scope| {
        let (mut taken, mut given) = (0u64, 0u64);
        let mut ended = false;
        let mut ready: BTreeMap<u64, std::thread::Result<Option<E::Output>>> = BTreeMap::new();
        loop {
            while !ended && taken - given < depth {
                match ends.next() {
                    Ok(Some(item)) => {
                        let (tx, stop, i) = (tx.clone(), &stop, taken);
                        scope.spawn_fifo(move |_| {
                            let answer = catch_unwind(AssertUnwindSafe(|| {
                                (!stop.load(Ordering::Relaxed)).then(|| work(i, item))
                            }));
                            // The receiver outlives the scope.
                            let _ = tx.send((i, answer));
                        });
                        taken += 1;
                    }
                    Ok(None) => ended = true,
                    Err(e) => {
                        failure = Some(e);
                        ended = true;
                        stop.store(true, Ordering::Relaxed);
                    }
                }
            }
            if given == taken {
                break;
            }
            while !ready.contains_key(&given) {
                // Every task sends once, and `tx` lives here: never disconnected.
                let Ok((i, answer)) = rx.recv() else {
                    return;
                };
                ready.insert(i, answer);
            }
            let answer = ready.remove(&given).unwrap_or(Ok(None));
            given += 1;
            match answer {
                Ok(Some(out)) if failure.is_none() && panic.is_none() => {
                    if let Err(e) = ends.done(out) {
                        failure = Some(e);
                        ended = true;
                        stop.store(true, Ordering::Relaxed);
                    }
                }
                Ok(_) => {}
                Err(p) => {
                    panic.get_or_insert(p);
                    ended = true;
                    stop.store(true, Ordering::Relaxed);
                }
            }
        }
    });
    if let Some(p) = panic {
        resume_unwind(p);
    }
    failure.map_or(Ok(()), Err)
}

/// The pipeline on the calling thread alone.
fn in_turn<E, W>(ends: &mut E, work: &W) -> Result<(), E::Error>
where
    E: SourceAndSink,
    W: Fn(u64, E::Item) -> E::Output + Sync,
{
    let mut i = 0;
    while let Some(item) = ends.next()? {
        ends.done(work(i, item))?;
        i += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Squares 0..n, failing at `fail_at` (source or sink), recording the
    /// most pieces in flight.
    struct Squares {
        n: u64,
        taken: u64,
        got: Vec<u64>,
        fail_take: Option<u64>,
        fail_done: Option<u64>,
        most_in_flight: u64,
    }

    impl Squares {
        fn new(n: u64) -> Self {
            Squares {
                n,
                taken: 0,
                got: Vec::new(),
                fail_take: None,
                fail_done: None,
                most_in_flight: 0,
            }
        }
    }

    impl SourceAndSink for Squares {
        type Item = u64;
        type Output = u64;
        type Error = String;

        fn next(&mut self) -> Result<Option<u64>, String> {
            if self.fail_take == Some(self.taken) {
                return Err(format!("cannot take {}", self.taken));
            }
            if self.taken == self.n {
                return Ok(None);
            }
            self.taken += 1;
            let in_flight = self.taken - self.got.len() as u64;
            self.most_in_flight = self.most_in_flight.max(in_flight);
            Ok(Some(self.taken - 1))
        }

        fn done(&mut self, out: u64) -> Result<(), String> {
            if self.fail_done == Some(self.got.len() as u64) {
                return Err(format!("cannot give {}", self.got.len()));
            }
            self.got.push(out);
            Ok(())
        }
    }

    fn square(i: u64, item: u64) -> u64 {
        assert_eq!(i, item);
        // Later pieces finish first, often.
        std::thread::sleep(std::time::Duration::from_micros((item % 3) * 300));
        item * item
    }

    #[test]
    fn outputs_come_in_order_with_bounded_pieces_in_flight() {
        for threads in [1, 2, 3, 4] {
            for n in [0, 1, 2, 7, 40] {
                let mut ends = Squares::new(n);
                run(threads, 2 * threads, &mut ends, &square).unwrap();
                let want: Vec<u64> = (0..n).map(|i| i * i).collect();
                assert_eq!(ends.got, want, "{threads} threads, {n} pieces");
                assert!(ends.most_in_flight <= 2 * threads as u64);
            }
        }
    }

    #[test]
    fn the_first_error_stops_the_stream() {
        for threads in [1, 2, 4] {
            let mut ends = Squares::new(40);
            ends.fail_take = Some(9);
            let e = run(threads, 2 * threads, &mut ends, &square).unwrap_err();
            assert_eq!(e, "cannot take 9");
            assert!(ends.got.len() <= 9, "nothing past the error was given");
            assert_eq!(ends.taken, 9, "nothing more taken");
            let mut ends = Squares::new(40);
            ends.fail_done = Some(5);
            let e = run(threads, 2 * threads, &mut ends, &square).unwrap_err();
            assert_eq!(e, "cannot give 5");
            assert_eq!(ends.got.len(), 5);
            assert!(
                ends.taken <= 5 + 2 * threads as u64 + 1,
                "nothing more taken"
            );
        }
    }

    #[test]
    fn a_panic_in_the_work_reaches_the_caller() {
        let mut ends = Squares::new(10);
        let boom = |i: u64, _: u64| -> u64 {
            assert!(i != 4, "boom");
            i
        };
        let caught = catch_unwind(AssertUnwindSafe(|| run(2, 4, &mut ends, &boom)));
        assert!(caught.is_err());
        assert_eq!(ends.got, [0, 1, 2, 3]);
    }
}
