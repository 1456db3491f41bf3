//! Batches: many writes to one tree, committed atomically, and how they compare in time with a
//! loop of single puts (each its own durable transaction).
//!
//! Run with `cargo run --example batch_operations`.

use std::time::Instant;

use netabase_store::config::FileConfig;
use netabase_store::databases::sled_store::SledStore;
use netabase_store::{NetabaseStore, netabase_definition_module};

#[netabase_definition_module(LogDefinition, LogKeys)]
mod log {
    use netabase_store::{NetabaseModel, netabase};

    #[derive(NetabaseModel, Clone, Debug, bincode::Encode, bincode::Decode)]
    #[netabase(LogDefinition)]
    pub struct Entry {
        #[primary_key]
        pub seq: u64,
        #[secondary_key]
        pub level: String,
        pub message: String,
    }
}
use log::*;

fn entry(seq: u64) -> Entry {
    Entry {
        seq,
        level: ["info", "warn", "error"][(seq % 3) as usize].into(),
        message: format!("event number {seq}"),
    }
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let dir = tempfile::tempdir()?;
    let store = NetabaseStore::<LogDefinition, SledStore<_>>::with_config(FileConfig::new(
        dir.path().join("log"),
    ))?;
    let entries = store.open_tree::<Entry>();

    let started = Instant::now();
    for seq in 0..200 {
        entries.put(entry(seq))?;
    }
    println!(
        "200 single puts (200 durable commits): {:?}",
        started.elapsed()
    );

    let started = Instant::now();
    let mut batch = entries.create_batch()?;
    for seq in 200..2200 {
        batch.put(entry(seq))?;
    }
    for seq in 0..100 {
        batch.remove(EntryPrimaryKey(seq))?;
    }
    let queued = batch.len();
    batch.commit()?;
    println!(
        "one batch of {queued} operations (one durable commit): {:?}",
        started.elapsed()
    );

    println!("entries now: {}", entries.len()?);
    let errors = entries.get_by_secondary_key("error".as_entry_level_key())?;
    println!(
        "level = error: {} entries, first seq {:?}",
        errors.len(),
        errors.first().map(|e| e.seq)
    );

    // A batch is all or nothing: dropping it writes nothing.
    let mut abandoned = entries.create_batch()?;
    abandoned.put(entry(99_999))?;
    drop(abandoned);
    println!(
        "after dropping an uncommitted batch, entry 99999 exists: {}",
        entries.get(EntryPrimaryKey(99_999))?.is_some()
    );
    Ok(())
}
