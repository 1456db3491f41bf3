//! Change subscriptions for real: a watcher thread receives typed events for every committed
//! write (tree calls, batches, transactions), nothing from a rolled-back transaction, and a
//! lag signal when it falls behind.
//!
//! Run with `cargo run --example subscription_demo`.

use netabase_store::subscription::{ChangeKind, SubscriptionError};
use netabase_store::{NetabaseStore, netabase_definition_module};

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

    #[derive(NetabaseModel, Clone, Debug, bincode::Encode, bincode::Decode)]
    #[netabase(ChatDefinition)]
    pub struct Room {
        #[primary_key]
        pub name: String,
        pub topic: String,
    }
}
use chat::*;

fn message(id: u64, room: &str, text: &str) -> Message {
    Message {
        id,
        room: room.into(),
        text: text.into(),
    }
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let dir = tempfile::tempdir()?;
    let store = NetabaseStore::<ChatDefinition, _>::redb(dir.path().join("chat.redb"))?;

    // A watcher of the whole store, on its own thread; it stops when the store is dropped.
    let mut everything = store.subscribe();
    let watcher = std::thread::spawn(move || {
        let mut flood = 0;
        loop {
            match everything.recv_blocking() {
                Ok(event) if matches!(event.model(), ChatDefinition::Message(m) if m.room == "flood") => {
                    flood += 1
                }
                Ok(event) => match event.kind {
                    ChangeKind::Put {
                        model,
                        previous: None,
                    } => println!("  [commit {}] new     {model:?}", event.commit),
                    ChangeKind::Put {
                        model,
                        previous: Some(old),
                    } => {
                        println!(
                            "  [commit {}] changed {old:?}\n                    -> {model:?}",
                            event.commit
                        )
                    }
                    ChangeKind::Removed { model } => {
                        println!("  [commit {}] removed {model:?}", event.commit)
                    }
                },
                Err(SubscriptionError::Closed) => break,
                Err(other) => println!("  watcher: {other}"),
            }
        }
        println!("  watcher: {flood} flood events received in all");
    });

    let messages = store.open_tree::<Message>();
    println!("put one message, then edit it:");
    messages.put(message(1, "general", "hello"))?;
    messages.put(message(1, "general", "hello, world"))?;

    println!("a batch of two messages and a removal (one commit):");
    let mut batch = messages.create_batch()?;
    batch.put(message(2, "random", "first!"))?;
    batch.put(message(3, "general", "welcome"))?;
    batch.remove(MessagePrimaryKey(1))?;
    batch.commit()?;

    println!("a transaction across two trees (one commit):");
    let txn = store.write();
    txn.open_tree::<Room>().put(Room {
        name: "general".into(),
        topic: "anything".into(),
    })?;
    txn.open_tree::<Message>()
        .put(message(4, "general", "room created"))?;
    txn.commit()?;

    println!("a rolled-back transaction (no events):");
    let txn = store.write();
    txn.open_tree::<Message>()
        .put(message(99, "general", "never committed"))?;
    txn.rollback();

    // A slow subscriber of one tree: its buffer is bounded and it is told what it missed.
    let mut slow = messages.subscribe();
    for id in 100..2200 {
        messages.put(message(id, "flood", "spam"))?;
    }
    match slow.try_recv() {
        Err(SubscriptionError::Lagged { missed }) => {
            println!(
                "the slow subscriber lagged: it missed {missed} events and holds {} (its capacity)",
                slow.pending()
            )
        }
        other => println!("unexpected: {other:?}"),
    }
    messages.clear()?;

    // Close the store: the watcher sees the end of its subscription and exits.
    drop(store);
    watcher.join().expect("watcher thread");
    println!("store closed, watcher finished");
    Ok(())
}
