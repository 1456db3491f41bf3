//! The one model shape every target stores, and the interface each target implements.

use std::time::Duration;

use criterion::Criterion;
use netabase_store::config::FileConfig;
use netabase_store::netabase_definition_module;

#[netabase_definition_module(BenchDefinition, BenchKeys)]
pub mod schema {
    use netabase_store::{NetabaseModel, netabase};

    /// `id` primary key, `email` secondary key (not unique), two plain fields.
    #[derive(NetabaseModel, Clone, Debug, PartialEq, bincode::Encode, bincode::Decode)]
    #[netabase(BenchDefinition)]
    pub struct User {
        #[primary_key]
        pub id: u64,
        #[secondary_key]
        pub email: String,
        pub name: String,
        pub age: u32,
    }
}

pub use schema::*;

/// User `id`; its email is distinct from every other user's.
pub fn user(id: u64) -> User {
    User {
        id,
        email: format!("user{id:06}@example.com"),
        name: format!("User number {id}"),
        age: 18 + (id % 60) as u32,
    }
}

/// `n` users with distinct ids and emails.
pub fn users(n: usize) -> Vec<User> {
    (0..n as u64).map(user).collect()
}

/// The file configuration of database `name` in `dir`, with or without fsync per commit.
pub fn file_config(dir: &tempfile::TempDir, name: &str, fsync: bool) -> FileConfig {
    FileConfig::builder()
        .path(dir.path().join(name))
        .use_fsync(fsync)
        .build()
}

/// Criterion's settings for every benchmark here. `NETABASE_BENCH_QUICK=1` (the report's quick
/// mode) shortens every measurement; otherwise each one lasts `measurement`. Criterion's own
/// `--warm-up-time` / `--measurement-time` arguments override either setting.
pub fn criterion(measurement: Duration) -> Criterion {
    let criterion = Criterion::default().without_plots();
    if std::env::var_os("NETABASE_BENCH_QUICK").is_some_and(|v| v != "0") {
        criterion
            .sample_size(10)
            .warm_up_time(Duration::from_millis(200))
            .measurement_time(Duration::from_millis(500))
    } else {
        criterion
            .sample_size(15)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(measurement)
    }
}

/// How the operations of one benchmark are grouped into transactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// One auto-commit call (one transaction) per item.
    Loop,
    /// One bulk call (`put_many`, `get_many`, ...): one transaction for every item.
    Bulk,
    /// One explicit transaction (`store.write()`, `begin_write`), one call per item inside.
    Txn,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Loop => "loop",
            Mode::Bulk => "bulk",
            Mode::Txn => "txn",
        }
    }
}

/// One store under test. Every method does the whole operation for every item it is given and
/// returns how many items it saw, so nothing is optimised away.
pub trait Target {
    /// `engine.kind`, e.g. `redb.raw`, `sled.netabase`, `redb-mem.native_db`.
    fn name(&self) -> &'static str;
    /// The modes this target offers.
    fn modes(&self) -> &'static [Mode];
    fn insert(&self, mode: Mode, users: Vec<User>) -> usize;
    fn get(&self, mode: Mode, ids: &[u64]) -> usize;
    fn query(&self, mode: Mode, emails: &[String]) -> usize;
    fn iterate(&self, mode: Mode) -> usize;
    fn remove(&self, mode: Mode, ids: &[u64]) -> usize;
    /// Empties the store (never timed).
    fn reset(&self);
}
