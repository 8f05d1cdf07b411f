//! The memory benchmark: what a run costs the page's heap, with the heaviest settings the
//! page allows. Drives the page's session (`kscope_web::player::Player`) natively, as a
//! link asking for the end of the first hour would (`at=3600000000`), and counts every
//! byte allocated through a counting allocator. Prints, for each profile, the records the
//! run held, the live heap, bytes per record, and the peak heap (what the tab's wasm
//! memory must grow to, since it never shrinks). Run with
//! `cargo bench -p kscope-tests --bench memory`; `KSCOPE_BENCH_AT` (microseconds) sets how
//! far the runs go.

// The page's session is native-only here (`kscope-web` is a native dev-dependency of this
// crate); built for wasm32 (clippy's pass), the benchmark is empty.
#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

    use kscope_web::i18n::Lang;
    use kscope_web::player::Player;

    /// The system allocator, counting the bytes live and the most ever live.
    struct Counting;

    static LIVE: AtomicUsize = AtomicUsize::new(0);
    static PEAK: AtomicUsize = AtomicUsize::new(0);

    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            let p = unsafe { System.alloc(layout) };
            if !p.is_null() {
                let live = LIVE.fetch_add(layout.size(), Relaxed) + layout.size();
                PEAK.fetch_max(live, Relaxed);
            }
            p
        }
        unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
            unsafe { System.dealloc(p, layout) };
            LIVE.fetch_sub(layout.size(), Relaxed);
        }
        unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            let q = unsafe { System.realloc(p, layout, new_size) };
            if !q.is_null() {
                if new_size > layout.size() {
                    let live = LIVE.fetch_add(new_size - layout.size(), Relaxed) + new_size
                        - layout.size();
                    // A realloc that moves holds both blocks for a moment, as wasm's does.
                    PEAK.fetch_max(live + layout.size(), Relaxed);
                } else {
                    LIVE.fetch_sub(layout.size() - new_size, Relaxed);
                }
            }
            q
        }
    }

    #[global_allocator]
    static ALLOC: Counting = Counting;

    const MB: f64 = 1024.0 * 1024.0;

    pub fn main() {
        let at: u64 = std::env::var("KSCOPE_BENCH_AT")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(3_600_000_000);
        let profiles = [
            ("default settings", String::new()),
            (
                "heaviest: 9 brokers, 24 partitions, rf 3, 20,000 rec/s, 1,000 keys, 12 consumers",
                "brokers=9&partitions=24&replication.factor=3&rate=20000&keys=1000&consumers=12".to_string(),
            ),
            (
                "heaviest, rf 9 and 1 KB segments",
                "brokers=9&partitions=24&replication.factor=9&min.insync.replicas=2&rate=20000&keys=1000&consumers=12&segment.bytes=1024".to_string(),
            ),
        ];
        println!(
            "the ledger's fate of a record: {} bytes",
            kscope_core::ledger::Ledger::BYTES_PER_RECORD
        );
        for (name, query) in profiles {
            let base = LIVE.load(Relaxed);
            PEAK.store(base, Relaxed);
            let mut p = Player::new(&format!("{query}&at={at}"), Lang::En);
            p.scenarios_loaded(vec![], vec![]);
            // A bench measures the page's run: without the tests' invariant checking.
            p.sim.check_invariants(false);
            let mut now = 0.0;
            let mut clock = move || {
                now += 1.0;
                now
            };
            let started = std::time::Instant::now();
            while p.seek.is_some() {
                p.frame(16.0, &mut clock);
            }
            let records = p.sim.ledger().counts().sent;
            let live = LIVE.load(Relaxed) - base;
            let peak = PEAK.load(Relaxed) - base;
            println!("{name}");
            println!(
                "  simulated {:.1} s in {:.1} s: {records} records",
                p.sim.now().micros() as f64 / 1e6,
                started.elapsed().as_secs_f64()
            );
            println!(
                "  live heap: {:.1} MB, {:.0} bytes per record",
                live as f64 / MB,
                live as f64 / records.max(1) as f64
            );
            println!("  peak heap: {:.1} MB", peak as f64 / MB);
            if let Some(n) = p.notices.first() {
                println!("  notice: {n}");
            }
            drop(p);
        }
    }
}

fn main() {
    #[cfg(not(target_arch = "wasm32"))]
    native::main();
}
