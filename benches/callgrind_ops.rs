//! One operation of one target, run once, for instruction counts under callgrind: the numbers
//! behind the "what bounds the rest" analysis in docs/benchmarks.
//!
//! ```text
//! cargo bench --no-run --bench callgrind_ops
//! valgrind --tool=callgrind --toggle-collect='*measured*' \
//!     target/release/deps/callgrind_ops-HASH TARGET OP MODE N
//! ```
//!
//! `TARGET` is a target name of `cross_store_comparison` (`redb.raw`, `redb.netabase`, ...),
//! `OP` one of `insert get query iterate remove`, `MODE` one of `loop bulk txn`. Everything but
//! the operation itself (opening the store, preparing the data) runs outside `measured`, so
//! callgrind counts only the operation. `NETABASE_CALLGRIND_ROUNDS=N` first runs the operation
//! N times uncounted, each followed by the untimed reset criterion does, so that the count is
//! of the engine's steady state rather than of a fresh file. Without arguments (as `cargo bench` runs it) every
//! target does every operation once on 10 items, as a smoke test.

// Only part of the shared modules is used here.
#[allow(dead_code)]
#[path = "cross_store/model.rs"]
mod model;
#[path = "cross_store/peer.rs"]
mod peer;
#[allow(dead_code)]
#[path = "cross_store/raw.rs"]
mod raw;
#[allow(dead_code)]
#[path = "cross_store/wrapped.rs"]
mod wrapped;

use std::hint::black_box;
use std::time::Duration;

use netabase_store::config::FileConfig;
use netabase_store::databases::memory_store::MemoryStore;
use netabase_store::databases::redb_store::RedbStore;
use netabase_store::databases::redb_zerocopy::RedbStoreZeroCopy;
use netabase_store::databases::sled_store::SledStore;
use netabase_store::traits::backend_store::BackendStore;

use model::{BenchDefinition, Mode, Target, User, users};

const TARGETS: [&str; 8] = [
    "redb.raw",
    "redb.netabase",
    "redb-zerocopy.netabase",
    "sled.raw",
    "sled.netabase",
    "memory.netabase",
    "redb-mem.netabase",
    "redb-mem.native_db",
];

/// A store without fsync at `file` in `dir`.
fn config_in(dir: &tempfile::TempDir, file: &str, flush_interval: Duration) -> FileConfig {
    FileConfig::builder()
        .path(dir.path().join(file))
        .use_fsync(false)
        .flush_interval(flush_interval)
        .build()
}

fn open(name: &str, dir: &tempfile::TempDir) -> Box<dyn Target> {
    // No periodic durable commit of redb inside the counted operation: under valgrind,
    // everything runs some fifty times slower, so the default flush interval would make a
    // durable commit every few dozen puts instead of every few thousand; the raw baseline has
    // the same interval. Criterion's wall-time figures include them at the real rate. (sled
    // flushes on its own thread, uncounted, on both sides alike.)
    let no_flush = Duration::from_secs(3600);
    let config = |file: &str| config_in(dir, file, no_flush);
    match name {
        "redb.raw" => Box::new(raw::RawRedb::new(
            &dir.path().join("raw.redb"),
            Some(no_flush),
        )),
        "redb.netabase" => Box::new(wrapped::Wrapped::new(
            "redb.netabase",
            <RedbStore<BenchDefinition> as BackendStore<BenchDefinition>>::new(config("n.redb"))
                .expect("opens"),
        )),
        "redb-zerocopy.netabase" => Box::new(wrapped::ZeroCopy::new(
            RedbStoreZeroCopy::with_config(config("z.redb")).expect("opens"),
        )),
        "sled.raw" => Box::new(raw::RawSled::fresh()),
        "sled.netabase" => Box::new(wrapped::Wrapped::fresh("sled.netabase", || {
            let dir = raw::sled_dir();
            let store = <SledStore<BenchDefinition> as BackendStore<BenchDefinition>>::new(
                config_in(&dir, "sled", FileConfig::DEFAULT_FLUSH_INTERVAL),
            )
            .expect("opens");
            (store, dir)
        })),
        "memory.netabase" => Box::new(wrapped::Wrapped::new(
            "memory.netabase",
            MemoryStore::<BenchDefinition>::new(),
        )),
        "redb-mem.netabase" => Box::new(wrapped::Wrapped::new(
            "redb-mem.netabase",
            RedbStore::<BenchDefinition>::temp().expect("opens"),
        )),
        "redb-mem.native_db" => Box::new(peer::NativeDb::in_memory()),
        other => panic!("unknown target {other}; one of {TARGETS:?}"),
    }
}

fn mode(name: &str) -> Mode {
    match name {
        "loop" => Mode::Loop,
        "bulk" => Mode::Bulk,
        "txn" => Mode::Txn,
        other => panic!("unknown mode {other}"),
    }
}

/// The operation callgrind counts.
#[inline(never)]
fn measured(target: &dyn Target, op: &str, mode: Mode, data: Vec<User>, ids: &[u64]) -> usize {
    operation(target, op, mode, data, ids)
}

/// Operation `op` of `target` on every item.
fn operation(target: &dyn Target, op: &str, mode: Mode, data: Vec<User>, ids: &[u64]) -> usize {
    let emails: Vec<String>;
    match op {
        "insert" => target.insert(mode, data),
        "get" => target.get(mode, ids),
        "query" => {
            emails = data.into_iter().map(|user| user.email).collect();
            target.query(mode, &emails)
        }
        "iterate" => target.iterate(mode),
        "remove" => target.remove(mode, ids),
        other => panic!("unknown operation {other}"),
    }
}

fn run(name: &str, op: &str, mode: Mode, n: usize) -> usize {
    let dir = tempfile::tempdir().expect("temp dir");
    let target = open(name, &dir);
    let data = users(n);
    let ids: Vec<u64> = data.iter().map(|user| user.id).collect();
    // Steady state, as criterion measures it: `NETABASE_CALLGRIND_ROUNDS` rounds of the
    // operation, each followed by criterion's untimed reset, before the counted one.
    let rounds: usize = std::env::var("NETABASE_CALLGRIND_ROUNDS")
        .ok()
        .and_then(|rounds| rounds.parse().ok())
        .unwrap_or(0);
    for _ in 0..rounds {
        if op != "insert" {
            target.insert(Mode::Bulk, data.clone());
        }
        black_box(operation(target.as_ref(), op, mode, data.clone(), &ids));
        target.reset();
    }
    if op != "insert" {
        target.insert(Mode::Bulk, data.clone());
    }
    // Warm the engine's caches and code paths the same way for every target.
    black_box(target.get(Mode::Bulk, &ids));
    black_box(measured(target.as_ref(), op, mode, data, &ids))
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    if let [target, op, mode_name, n] = args.as_slice() {
        let found = run(target, op, mode(mode_name), n.parse().expect("a count"));
        println!("{target} {op} {mode_name} {n}: {found} items");
        return;
    }
    for name in TARGETS {
        for op in ["insert", "get", "query", "iterate", "remove"] {
            assert!(run(name, op, Mode::Bulk, 10) > 0, "{name} {op}");
        }
    }
}
