//! Every layer of netabase_store against the raw engines doing the same work, and against
//! native_db, the closest peer.
//!
//! Groups `insert`, `get`, `query` (by secondary key), `iterate` and `remove`, each at 10, 100,
//! 1,000 and 5,000 items; benchmark ids are `engine.kind.mode/size`:
//!
//! * engines: `redb`, `sled` (files, `use_fsync(false)` / `Durability::None` on both sides),
//!   `redb-zerocopy` (the same redb file setup), `memory`, and `redb-mem` (redb's in-memory
//!   backend, `Durability::Immediate` as native_db's commits; syncing is free there);
//! * kinds: `raw` (the engine with a hand-written index), `netabase`, `native_db`;
//! * modes: `loop` (one auto-commit call / transaction per item), `bulk` (one bulk call /
//!   transaction), `txn` (one explicit transaction, one call per item).
//!
//! Group `single_put_durable`: one put per iteration with fsync on, wrapper against raw.
//!
//! `NETABASE_BENCH_QUICK=1` shortens every measurement (the report's quick mode); criterion's
//! own `--warm-up-time` / `--measurement-time` arguments override either setting.
//! `NETABASE_BENCH_PARTS=1000,durable` runs only those sizes and the durable group;
//! `NETABASE_BENCH_REVERSE=1` measures the targets in reverse order.

#[path = "cross_store/model.rs"]
mod model;
#[path = "cross_store/peer.rs"]
mod peer;
#[path = "cross_store/raw.rs"]
mod raw;
#[path = "cross_store/wrapped.rs"]
mod wrapped;

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use netabase_store::config::FileConfig;
use netabase_store::databases::memory_store::MemoryStore;
use netabase_store::databases::redb_store::RedbStore;
use netabase_store::databases::redb_zerocopy::RedbStoreZeroCopy;
use netabase_store::databases::sled_store::SledStore;
use netabase_store::traits::backend_store::BackendStore;

use model::{BenchDefinition, Mode, Target, User, file_config, users};

const SIZES: [usize; 4] = [10, 100, 1_000, 5_000];

/// Whether part `part` (a size, or `durable`) is selected by `NETABASE_BENCH_PARTS` (a comma
/// list; unset selects every part). The report runs one part per process, so that a sled hang
/// (see [`cross_store`]) costs one part, which it then retries.
fn selected(part: &str) -> bool {
    match std::env::var("NETABASE_BENCH_PARTS") {
        Ok(parts) => parts.split(',').any(|p| p.trim() == part),
        Err(_) => true,
    }
}

/// A new sled store without fsync in a new temporary directory (see `raw::RawSled::fresh`).
fn fresh_sled() -> (SledStore<BenchDefinition>, tempfile::TempDir) {
    let dir = raw::sled_dir();
    let store = <SledStore<BenchDefinition> as BackendStore<BenchDefinition>>::new(file_config(
        &dir, "sled", false,
    ))
    .expect("sled opens");
    (store, dir)
}

/// Every target, each on its own database in `dir` (sled's in directories of their own), in
/// reverse order under `NETABASE_BENCH_REVERSE=1`: what ran just before (the IO an engine left
/// behind) moves a measurement, so the report's repeated runs alternate the order.
fn targets(dir: &tempfile::TempDir) -> Vec<Box<dyn Target>> {
    let mut targets = all_targets(dir);
    if reversed() {
        targets.reverse();
    }
    targets
}

fn reversed() -> bool {
    std::env::var_os("NETABASE_BENCH_REVERSE").is_some_and(|v| v != "0")
}

fn all_targets(dir: &tempfile::TempDir) -> Vec<Box<dyn Target>> {
    let redb = <RedbStore<BenchDefinition> as BackendStore<BenchDefinition>>::new(file_config(
        dir,
        "netabase.redb",
        false,
    ))
    .expect("redb opens");
    let zerocopy =
        RedbStoreZeroCopy::<BenchDefinition>::with_config(file_config(dir, "zerocopy.redb", false))
            .expect("redb opens");
    vec![
        Box::new(raw::RawRedb::new(
            &dir.path().join("raw.redb"),
            Some(FileConfig::DEFAULT_FLUSH_INTERVAL),
        )),
        Box::new(wrapped::Wrapped::new("redb.netabase", redb)),
        Box::new(wrapped::ZeroCopy::new(zerocopy)),
        Box::new(raw::RawSled::fresh()),
        Box::new(wrapped::Wrapped::fresh("sled.netabase", fresh_sled)),
        Box::new(wrapped::Wrapped::new(
            "memory.netabase",
            MemoryStore::<BenchDefinition>::new(),
        )),
        Box::new(peer::NativeDb::in_memory()),
        Box::new(wrapped::Wrapped::new(
            "redb-mem.netabase",
            RedbStore::<BenchDefinition>::temp().expect("redb opens"),
        )),
    ]
}

/// Times `routine` only, running `before` and `after` around each call untimed.
fn timed<S, R>(
    iters: u64,
    mut before: impl FnMut() -> S,
    mut routine: impl FnMut(S) -> R,
    mut after: impl FnMut(),
) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let input = before();
        let start = Instant::now();
        black_box(routine(input));
        total += start.elapsed();
        after();
    }
    total
}

fn id(target: &dyn Target, mode: Mode, size: usize) -> BenchmarkId {
    BenchmarkId::new(format!("{}.{}", target.name(), mode.name()), size)
}

fn cross_store(c: &mut Criterion) {
    for size in SIZES.into_iter().filter(|size| selected(&size.to_string())) {
        // Fresh databases for every size: sled 0.34 can hang in its segment accountant after
        // long runs of bulk writes and clears on one database (sled issue 1412), and fresh
        // files keep every size's measurements independent of the ones before.
        let dir = tempfile::tempdir().expect("temp dir");
        let targets = targets(&dir);
        let data = users(size);
        let ids: Vec<u64> = data.iter().map(|user| user.id).collect();
        let emails: Vec<String> = data.iter().map(|user| user.email.clone()).collect();

        let mut group = c.benchmark_group("insert");
        group.throughput(Throughput::Elements(size as u64));
        for target in &targets {
            target.reset();
            for &mode in target.modes() {
                group.bench_function(id(target.as_ref(), mode, size), |b| {
                    b.iter_custom(|iters| {
                        timed(
                            iters,
                            || data.clone(),
                            |users| target.insert(mode, users),
                            || target.reset(),
                        )
                    })
                });
            }
        }
        group.finish();

        for target in &targets {
            target.insert(Mode::Bulk, data.clone());
        }
        let mut group = c.benchmark_group("get");
        group.throughput(Throughput::Elements(size as u64));
        for target in &targets {
            for &mode in target.modes() {
                assert_eq!(target.get(mode, &ids), size, "{}", target.name());
                group.bench_function(id(target.as_ref(), mode, size), |b| {
                    b.iter(|| target.get(mode, black_box(&ids)))
                });
            }
        }
        group.finish();

        let mut group = c.benchmark_group("query");
        group.throughput(Throughput::Elements(size as u64));
        for target in &targets {
            for &mode in target.modes() {
                assert_eq!(target.query(mode, &emails), size, "{}", target.name());
                group.bench_function(id(target.as_ref(), mode, size), |b| {
                    b.iter(|| target.query(mode, black_box(&emails)))
                });
            }
        }
        group.finish();

        let mut group = c.benchmark_group("iterate");
        group.throughput(Throughput::Elements(size as u64));
        for target in &targets {
            // Iteration is one scan in every mode but `txn` (a read-transaction view).
            for &mode in target.modes().iter().filter(|&&mode| mode != Mode::Loop) {
                assert_eq!(target.iterate(mode), size, "{}", target.name());
                group.bench_function(id(target.as_ref(), mode, size), |b| {
                    b.iter(|| target.iterate(mode))
                });
            }
        }
        group.finish();

        let mut group = c.benchmark_group("remove");
        group.throughput(Throughput::Elements(size as u64));
        for target in &targets {
            target.reset();
            for &mode in target.modes() {
                group.bench_function(id(target.as_ref(), mode, size), |b| {
                    b.iter_custom(|iters| {
                        timed(
                            iters,
                            || target.insert(Mode::Bulk, data.clone()),
                            |_| target.remove(mode, &ids),
                            || target.reset(),
                        )
                    })
                });
            }
            target.reset();
        }
        group.finish();
    }
}

/// One put per iteration, each a new model, with every commit durable (fsync) on both sides.
fn single_put_durable(c: &mut Criterion) {
    if !selected("durable") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let mut group = c.benchmark_group("single_put_durable");
    group.throughput(Throughput::Elements(1));
    let template = users(1).remove(0);
    let user = |id: u64| User {
        id,
        ..template.clone()
    };

    let raw_redb = raw::RawRedb::new(&dir.path().join("raw.redb"), None);
    let raw_sled = raw::RawSled::new(&dir.path().join("raw.sled"), true);
    let redb = <RedbStore<BenchDefinition> as BackendStore<BenchDefinition>>::new(file_config(
        &dir,
        "netabase.redb",
        true,
    ))
    .expect("redb opens");
    let sled = <SledStore<BenchDefinition> as BackendStore<BenchDefinition>>::new(file_config(
        &dir,
        "netabase.sled",
        true,
    ))
    .expect("sled opens");
    let redb = wrapped::Wrapped::new("redb.netabase", redb);
    let sled = wrapped::Wrapped::new("sled.netabase", sled);

    let mut next = 0u64;
    let mut order = [&raw_redb as &dyn Target, &redb, &raw_sled, &sled];
    if reversed() {
        order.reverse();
    }
    for target in order {
        group.bench_function(target.name(), |b| {
            b.iter(|| {
                next += 1;
                target.insert(Mode::Loop, vec![user(next)])
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = model::criterion(Duration::from_secs(2));
    targets = cross_store, single_put_durable
}
criterion_main!(benches);
