//! `FileConfig`: builder, simple constructor, temporary databases, read-only mode, and what
//! each backend does with each option.
//!
//! Run with `cargo run --example config_api_showcase`.

use netabase_store::NetabaseStore;
use netabase_store::config::FileConfig;
use netabase_store::databases::redb_store::RedbStore;
use netabase_store::databases::sled_store::SledStore;
use netabase_store::netabase_definition_module;
use netabase_store::traits::backend_store::BackendStore;

#[netabase_definition_module(NotesDefinition, NotesKeys)]
mod notes {
    use netabase_store::{NetabaseModel, netabase};

    #[derive(NetabaseModel, Clone, Debug, bincode::Encode, bincode::Decode)]
    #[netabase(NotesDefinition)]
    pub struct Note {
        #[primary_key]
        pub id: u32,
        pub text: String,
    }
}
use notes::*;

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let dir = tempfile::tempdir()?;

    // Builder: a 64 MB cache, no fsync on commit (durable on flush), start from scratch.
    let config = FileConfig::builder()
        .path(dir.path().join("notes.redb"))
        .cache_size_mb(64)
        .use_fsync(false)
        .truncate(true)
        .build();
    let store = NetabaseStore::<NotesDefinition, RedbStore<_>>::with_config(config)?;
    store.open_tree::<Note>().put(Note {
        id: 1,
        text: "hello".into(),
    })?;
    store.flush()?;
    drop(store);
    println!("redb: wrote one note with use_fsync(false), then flush()");

    // Read-only: reads work, writes are refused with a typed error.
    let read_only = FileConfig::builder()
        .path(dir.path().join("notes.redb"))
        .read_only(true)
        .build();
    let store = NetabaseStore::<NotesDefinition, RedbStore<_>>::with_config(read_only)?;
    let notes = store.open_tree::<Note>();
    println!(
        "redb read-only: get(1) = {:?}",
        notes.get(NotePrimaryKey(1))?.map(|n| n.text)
    );
    println!(
        "redb read-only: put -> {}",
        notes
            .put(Note {
                id: 2,
                text: "no".into()
            })
            .unwrap_err()
    );

    // sled has no read-only mode: the option is rejected, not ignored.
    let sled_ro = FileConfig::builder()
        .path(dir.path().join("notes.sled"))
        .read_only(true)
        .build();
    println!(
        "sled read-only -> {}",
        NetabaseStore::<NotesDefinition, SledStore<_>>::with_config(sled_ro).unwrap_err()
    );

    // open() never creates.
    let missing = FileConfig::new(dir.path().join("missing.sled"));
    println!(
        "open(missing) -> {}",
        <SledStore<NotesDefinition> as BackendStore<_>>::open(missing).unwrap_err()
    );

    // A temporary database, removed when its last user is dropped.
    let temp = FileConfig::temp()?;
    let path = temp.path.clone();
    let store = NetabaseStore::<NotesDefinition, SledStore<_>>::with_config(temp)?;
    store.open_tree::<Note>().put(Note {
        id: 9,
        text: "scratch".into(),
    })?;
    println!(
        "temporary sled at {} holds {} note(s)",
        path.display(),
        store.open_tree::<Note>().len()?
    );
    drop(store);
    println!("after drop, it exists: {}", path.exists());
    Ok(())
}
