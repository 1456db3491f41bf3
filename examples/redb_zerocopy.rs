//! `RedbStoreZeroCopy`: explicit transactions, borrowed reads, and a file shared with
//! `RedbStore`.
//!
//! Run with `cargo run --example redb_zerocopy`.

use netabase_store::databases::redb_store::RedbStore;
use netabase_store::databases::redb_zerocopy::{RedbStoreZeroCopy, with_write_transaction};
use netabase_store::netabase_definition_module;

#[netabase_definition_module(ChatDefinition, ChatKeys)]
mod chat {
    use netabase_store::{NetabaseModel, netabase};

    #[derive(NetabaseModel, Clone, Debug, bincode::Encode, bincode::Decode)]
    #[netabase(ChatDefinition)]
    pub struct Message {
        #[primary_key]
        pub id: u64,
        #[secondary_key]
        pub room: String,
        pub text: String,
    }
}
use chat::*;

/// A view of `Message` whose strings borrow from the stored bytes.
#[derive(Debug, bincode::BorrowDecode)]
struct MessageView<'a> {
    id: u64,
    room: &'a str,
    text: &'a str,
}

fn message(id: u64) -> Message {
    Message {
        id,
        room: if id.is_multiple_of(2) {
            "general"
        } else {
            "random"
        }
        .into(),
        text: format!("message {id}"),
    }
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("chat.redb");
    let store = RedbStoreZeroCopy::<ChatDefinition>::new(&path)?;

    // One transaction, one tree kept open for all its writes.
    let mut txn = store.begin_write()?;
    let mut messages = txn.open_tree::<Message>()?;
    messages.put_many((0..1_000).map(message))?;
    println!("in the transaction: {} messages", messages.len()?);
    drop(messages);
    txn.commit()?;

    // An aborted transaction writes nothing.
    let mut txn = store.begin_write()?;
    txn.open_tree::<Message>()?.clear()?;
    txn.abort()?;

    // A closure that commits when it returns Ok.
    let removed = with_write_transaction(&store, |txn| {
        let mut messages = txn.open_tree::<Message>()?;
        messages.remove_many((990..1_000).map(MessagePrimaryKey))
    })?;
    println!("removed {} messages", removed.iter().flatten().count());

    // Borrowed reads from one snapshot.
    let read = store.begin_read()?;
    let messages = read.open_tree::<Message>()?;
    if let Some(guard) = messages.get_ref(&MessagePrimaryKey(42))? {
        let view: MessageView<'_> = guard.decode_borrowed()?;
        println!(
            "message {} in #{}: {:?} ({} stored bytes, strings borrowed, not copied)",
            view.id,
            view.room,
            view.text,
            guard.bytes().len()
        );
    }
    let in_general = messages.get_by_secondary_key(MessageSecondaryKeys::Room(
        MessageRoomSecondaryKey("general".into()),
    ))?;
    println!("#general holds {} messages", in_general.len());
    let total_text: usize = messages
        .iter_ref()?
        .map(|item| -> anyhow::Result<usize> {
            let (_, guard) = item?;
            Ok(guard.decode_borrowed::<MessageView<'_>>()?.text.len())
        })
        .sum::<anyhow::Result<usize>>()?;
    println!("{total_text} bytes of text read without decoding a String");
    drop((messages, read, store));

    // The same file, opened with the per-call API.
    let plain = RedbStore::<ChatDefinition>::open(&path)?;
    println!(
        "RedbStore reads the same file: {} messages",
        plain.open_tree::<Message>().len()?
    );
    Ok(())
}
