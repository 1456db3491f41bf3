//! Crash durability: a child process commits batches and is killed with SIGKILL at random
//! moments. After reopening, every acknowledged commit is there, no partial batch is visible,
//! and every index entry points to an existing model with that key.
//!
//! Rounds per backend: `NETABASE_CRASH_ROUNDS` (default 20); `scripts/crash-loop` runs more.
//!
//! Without fsync, commits become durable every `flush_interval` (sled's background flush,
//! redb's periodic durable commit): a writer killed mid-stream keeps every batch acknowledged
//! that long before the kill.
//!
//! Batch `i` puts models `8i .. 8i+8` in group `i` and moves model `8(i-1)` to group `i`, so a
//! partially applied batch would show as a wrong count in some group.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use netabase_store::NetabaseStore;
use netabase_store::config::FileConfig;
use netabase_store::databases::redb_store::RedbStore;
use netabase_store::databases::sled_store::SledStore;
use netabase_store::engine::Backend;

use crate::schema::*;

const PER_BATCH: u32 = 8;
const CHILD_ENV: &str = "NETABASE_CRASH_CHILD";
const CHILD_TEST: &str = "crash::child_writer";

fn blob(batch: u32, moved: bool) -> Blob {
    Blob(if moved {
        format!("moved by {batch}")
    } else {
        format!("batch {batch}")
    })
}

/// The exact contents after `batches` complete batches.
fn expected(batches: u32) -> BTreeMap<u32, Fragile> {
    let mut models = BTreeMap::new();
    for batch in 0..batches {
        for id in batch * PER_BATCH..(batch + 1) * PER_BATCH {
            models.insert(
                id,
                Fragile {
                    id,
                    group: batch,
                    blob: blob(batch, false),
                },
            );
        }
        if batch > 0 {
            let id = (batch - 1) * PER_BATCH;
            models.insert(
                id,
                Fragile {
                    id,
                    group: batch,
                    blob: blob(batch, true),
                },
            );
        }
    }
    models
}

fn batches_in<B: Backend>(store: &NetabaseStore<TestDefinition, B>) -> u32 {
    match store.open_tree::<Fragile>().iter().last() {
        None => 0,
        Some(item) => item.expect("read the last model").0.0 / PER_BATCH + 1,
    }
}

fn write_batches<B: Backend>(store: &NetabaseStore<TestDefinition, B>) {
    let started = Instant::now();
    let tree = store.open_tree::<Fragile>();
    let first = batches_in(store);
    for batch in first..first + 100_000 {
        let mut models: Vec<Fragile> = (batch * PER_BATCH..(batch + 1) * PER_BATCH)
            .map(|id| Fragile {
                id,
                group: batch,
                blob: blob(batch, false),
            })
            .collect();
        if batch > 0 {
            let id = (batch - 1) * PER_BATCH;
            models.push(Fragile {
                id,
                group: batch,
                blob: blob(batch, true),
            });
        }
        tree.put_many(models).expect("commit a batch");
        // Acknowledge only after the commit returned, with the writer's clock.
        println!("ACK {batch} {}", started.elapsed().as_millis());
    }
}

fn sled_at(path: &Path) -> NetabaseStore<TestDefinition, SledStore<TestDefinition>> {
    NetabaseStore::with_config(FileConfig::new(path)).expect("open sled")
}

fn redb_at(path: &Path) -> NetabaseStore<TestDefinition, RedbStore<TestDefinition>> {
    NetabaseStore::with_config(FileConfig::new(path)).expect("open redb")
}

/// The flush interval of the writers without fsync: not the default, so that it is the
/// configured value the backends honour.
const FLUSH_INTERVAL: Duration = Duration::from_millis(300);

fn without_fsync(path: &Path) -> FileConfig {
    FileConfig::builder()
        .path(path.to_path_buf())
        .use_fsync(false)
        .flush_interval(FLUSH_INTERVAL)
        .build()
}

/// The writer process. Runs only when spawned by [`crash_loop`].
#[test]
#[ignore = "child process of the crash tests"]
fn child_writer() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let (backend, path) = spec.split_once(':').expect("backend:path");
    match backend {
        "sled" => write_batches(&sled_at(Path::new(path))),
        "redb" => write_batches(&redb_at(Path::new(path))),
        "sled-without-fsync" => write_batches(
            &NetabaseStore::<TestDefinition, SledStore<TestDefinition>>::with_config(
                without_fsync(Path::new(path)),
            )
            .expect("open sled"),
        ),
        "redb-without-fsync" => write_batches(
            &NetabaseStore::<TestDefinition, RedbStore<TestDefinition>>::with_config(
                without_fsync(Path::new(path)),
            )
            .expect("open redb"),
        ),
        other => panic!("unknown backend {other}"),
    }
}

/// A small xorshift generator; the seed is printed so a failing run can be repeated.
struct Rng(u64);

impl Rng {
    fn from_env_or_time() -> Self {
        let seed = std::env::var("NETABASE_CRASH_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
                    | 1
            });
        eprintln!("crash test seed: {seed} (set NETABASE_CRASH_SEED to repeat)");
        Rng(seed)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound
    }
}

fn rounds() -> u32 {
    std::env::var("NETABASE_CRASH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20)
}

/// A writer child of `backend` on `path`, and a thread collecting its acknowledgements
/// (`(batch, milliseconds since the writer started)`) until it dies.
fn spawn_child(
    backend: &str,
    path: &Path,
) -> (std::process::Child, std::sync::mpsc::Receiver<(u32, u64)>) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            CHILD_TEST,
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, format!("{backend}:{}", path.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the writer");
    let stdout = child.stdout.take().expect("child stdout");
    let (acks, received) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let mut fields = line.strip_prefix("ACK ").unwrap_or_default().split(' ');
            let (Some(Ok(batch)), Some(Ok(ms))) =
                (fields.next().map(str::parse), fields.next().map(str::parse))
            else {
                continue;
            };
            if acks.send((batch, ms)).is_err() {
                return;
            }
        }
    });
    (child, received)
}

/// Runs one killed child, returns the batches it acknowledged.
fn run_child(backend: &str, path: &Path, kill_after: Duration) -> Vec<u32> {
    let (mut child, acks) = spawn_child(backend, path);
    std::thread::sleep(kill_after);
    child.kill().expect("SIGKILL the writer");
    child.wait().expect("reap the writer");
    acks.iter().map(|(batch, _)| batch).collect()
}

fn verify<B: Backend>(store: &NetabaseStore<TestDefinition, B>, acked: Option<u32>, context: &str) {
    let batches = batches_in(store);
    if let Some(last) = acked {
        assert!(
            batches > last,
            "{context}: acknowledged batch {last} lost (found {batches} batches)"
        );
    }
    let want = expected(batches);
    let tree = store.open_tree::<Fragile>();
    let found: BTreeMap<u32, Fragile> = tree
        .iter()
        .map(|item| item.map(|(k, m)| (k.0, m)).expect("iterate"))
        .collect();
    assert_eq!(found, want, "{context}: contents after {batches} batches");
    for group in 0..=batches {
        let members = tree
            .get_by_secondary_key(FragileSecondaryKeys::Group(FragileGroupSecondaryKey(group)))
            .unwrap_or_else(|err| panic!("{context}: index of group {group}: {err}"));
        let want_members: Vec<&Fragile> = want.values().filter(|m| m.group == group).collect();
        assert_eq!(
            members.iter().collect::<Vec<_>>(),
            want_members,
            "{context}: group {group}"
        );
    }
}

fn crash_loop(backend: &str, path: PathBuf) {
    let mut rng = Rng::from_env_or_time();
    let started = Instant::now();
    let mut total_acks = 0;
    let mut last_acked: Option<u32> = None;
    for round in 0..rounds() {
        let kill_after = Duration::from_millis(20 + rng.below(400));
        let acked = run_child(backend, &path, kill_after);
        total_acks += acked.len();
        if let Some(&max) = acked.iter().max() {
            last_acked = Some(max);
        }
        let context = format!("{backend} round {round} (killed after {kill_after:?})");
        match backend {
            "sled" => verify(&sled_at(&path), last_acked, &context),
            _ => verify(&redb_at(&path), last_acked, &context),
        }
    }
    assert!(
        total_acks > 0,
        "the writer never committed: the test proved nothing"
    );
    eprintln!(
        "{backend}: {total_acks} acknowledged batches over {} rounds in {:?}",
        rounds(),
        started.elapsed()
    );
}

#[test]
fn sled_survives_sigkill_with_every_acknowledged_batch() {
    let dir = tempfile::tempdir().unwrap();
    crash_loop("sled", dir.path().join("sled"));
}

#[test]
fn redb_survives_sigkill_with_every_acknowledged_batch() {
    let dir = tempfile::tempdir().unwrap();
    crash_loop("redb", dir.path().join("db.redb"));
}

/// Kills a writer without fsync a while after it started; every batch it acknowledged a flush
/// interval (and some slack) before its last acknowledgement must have survived.
fn without_fsync_loses_at_most_a_flush_interval(backend: &str, path: &Path) {
    let interval = FLUSH_INTERVAL.as_millis() as u64;
    // Scheduling slack on a loaded machine between a commit, its flush and its acknowledgement.
    let slack = 700;
    let kill_at = 4 * interval + 2 * slack;
    let (mut child, acks) = spawn_child(&format!("{backend}-without-fsync"), path);
    let mut acknowledged = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while let Ok(ack) = acks.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        acknowledged.push(ack);
        if ack.1 >= kill_at {
            break;
        }
    }
    child.kill().expect("SIGKILL the writer");
    child.wait().expect("reap the writer");
    let last_ms = acknowledged.last().map_or(0, |&(_, ms)| ms);
    assert!(last_ms >= kill_at, "the writer stalled at {last_ms} ms");
    let must_survive = acknowledged
        .iter()
        .filter(|&&(_, ms)| ms + interval + slack <= last_ms)
        .map(|&(batch, _)| batch)
        .max()
        .expect("batches old enough to have been made durable");
    let context = format!("{backend} killed {last_ms} ms after it started");
    match backend {
        "sled" => verify(&sled_at(path), Some(must_survive), &context),
        _ => verify(&redb_at(path), Some(must_survive), &context),
    }
}

#[test]
fn sled_without_fsync_loses_at_most_a_flush_interval() {
    let dir = tempfile::tempdir().unwrap();
    without_fsync_loses_at_most_a_flush_interval("sled", &dir.path().join("sled"));
}

#[test]
fn redb_without_fsync_loses_at_most_a_flush_interval() {
    let dir = tempfile::tempdir().unwrap();
    without_fsync_loses_at_most_a_flush_interval("redb", &dir.path().join("db.redb"));
}
