//! The one-command demo: four netabase nodes on 127.0.0.1 form a Kademlia DHT; one publishes a
//! typed record, the others read it back (from their own store when the put reached them, from
//! a peer otherwise), three announce themselves as providers and the last finds them. Then
//! every node stops. Every wait is bounded; anything that does not work ends the program with
//! an error (non-zero exit status).
//!
//! Run with `cargo run --example quickstart` (`RUST_LOG=netabase=debug` to see the nodes work).

use std::collections::HashSet;
use std::future::Future;
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use netabase::libp2p::PeerId;
use netabase::{Netabase, NetabaseConfig};
use netabase_store::netabase_definition_module;

#[netabase_definition_module(NotesDefinition, NotesKeys)]
mod notes {
    use netabase_store::{NetabaseModel, netabase};

    #[derive(NetabaseModel, Clone, Debug, PartialEq, bincode::Encode, bincode::Decode)]
    #[netabase(NotesDefinition)]
    pub struct Note {
        #[primary_key]
        pub id: u64,
        #[secondary_key]
        pub author: String,
        pub text: String,
    }
}
use notes::*;

type Node = Netabase<NotesDefinition>;

const NODES: usize = 4;
/// The longest any one step may take.
const WAIT: Duration = Duration::from_secs(20);

/// Runs `step`, failing if it errs or takes longer than [`WAIT`].
async fn within<T>(
    what: &str,
    step: impl Future<Output = netabase::Result<T>>,
) -> anyhow::Result<T> {
    tokio::time::timeout(WAIT, step)
        .await
        .with_context(|| format!("{what}: no answer within {WAIT:?}"))?
        .with_context(|| what.to_string())
}

/// Polls `check` every 50 ms until it returns `Some`, for at most [`WAIT`].
async fn until<T, F, Fut>(what: &str, mut check: F) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<Option<T>>>,
{
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(value) = check().await? {
            return Ok(value);
        }
        ensure!(Instant::now() < deadline, "{what}: not within {WAIT:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The last six characters of a peer id, enough to tell four apart.
fn short(peer: &PeerId) -> String {
    let text = peer.to_string();
    format!("…{}", &text[text.len() - 6..])
}

fn ms(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let begin = Instant::now();

    // 1. Start the nodes: TCP on 127.0.0.1, ports chosen by the system, in-memory storage.
    let mut nodes: Vec<Node> = Vec::new();
    for i in 0..NODES {
        let mut node = Node::new_with_config(NetabaseConfig::loopback())?;
        within("start_swarm", node.start_swarm()).await?;
        let addresses = within("listen_addresses", node.listen_addresses()).await?;
        println!(
            "node {i}: peer {} listening on {}",
            short(&node.peer_id()),
            addresses.first().context("the node listens")?
        );
        nodes.push(node);
    }
    let first = nodes[0].peer_id();
    let first_address = within("listen_addresses", nodes[0].listen_addresses()).await?[0].clone();

    // 2. Join: each node learns node 0's address and bootstraps through it.
    for (i, node) in nodes.iter().enumerate().skip(1) {
        within(
            "add_address",
            node.add_address(first, first_address.clone()),
        )
        .await?;
        let started = Instant::now();
        let outcome = within("bootstrap", node.bootstrap()).await?;
        println!(
            "node {i}: bootstrapped in {}, {} peer(s) in its routing table",
            ms(started.elapsed()),
            outcome.routing_table_peers
        );
    }
    for (i, node) in nodes.iter().enumerate() {
        let peers = until("routing tables fill", || async {
            let peers = node.routing_table_peers().await?;
            Ok((peers.len() == NODES - 1).then_some(peers))
        })
        .await?;
        let names: Vec<String> = peers.iter().map(short).collect();
        println!("node {i}: knows {}", names.join(", "));
    }

    // 3. Write on node 0: stored in its database and sent to the closest peers.
    let note = Note {
        id: 1,
        author: "ada".into(),
        text: "hello from node 0".into(),
    };
    let started = Instant::now();
    let outcome = within("put_record", nodes[0].put_record(note.clone())).await?;
    ensure!(
        outcome.quorum_reached,
        "no peer stored the note: {outcome:?}"
    );
    println!(
        "node 0: put note 1 ({:?} by {}) in {}: quorum reached with {} confirmation(s); sent to \
         the closest peers",
        note.text,
        note.author,
        ms(started.elapsed()),
        outcome.peers_stored,
    );

    // 4. Read it, typed, everywhere else.
    let key = NoteKey::Primary(NotePrimaryKey(1));
    for (i, node) in nodes.iter().enumerate().skip(1) {
        let started = Instant::now();
        let found = within("find_records", node.find_records(key.clone())).await?;
        let found = found.into_iter().next().context("the note was not found")?;
        ensure!(found.model == note, "node {i} read {:?}", found.model);
        let source = match found.source {
            None => "its own store (the put replicated it there)".to_string(),
            Some(peer) => format!("peer {}", short(&peer)),
        };
        println!(
            "node {i}: get_record -> {:?} from {source} in {}",
            found.model.text,
            ms(started.elapsed())
        );
    }
    // The record is a model in each store that received it, with its secondary index.
    let by_ada = until("node 2 stores the note", || async {
        let by_ada = nodes[2].store().open_tree::<Note>().get_by_secondary_key(
            NoteSecondaryKeys::Author(NoteAuthorSecondaryKey("ada".into())),
        )?;
        Ok((!by_ada.is_empty()).then_some(by_ada))
    })
    .await?;
    ensure!(by_ada == vec![note.clone()], "node 2's index: {by_ada:?}");
    println!(
        "node 2: notes by ada in its local store (secondary index): {}",
        by_ada.len()
    );

    // Drop node 3's copy (once the put delivered it) and ask again: now the DHT answers.
    until("node 3 stores the note", || async {
        let held = nodes[3]
            .store()
            .open_tree::<Note>()
            .get(NotePrimaryKey(1))?;
        Ok(held.map(|_| ()))
    })
    .await?;
    within("remove_record", nodes[3].remove_record(key.clone())).await?;
    let started = Instant::now();
    let found = within("find_records", nodes[3].find_records(key.clone())).await?;
    let found = found.into_iter().next().context("the note vanished")?;
    ensure!(found.model == note, "node 3 read {:?}", found.model);
    let source = found.source.context("node 3 no longer holds the note")?;
    println!(
        "node 3: removed its copy; get_record -> {:?} from peer {} in {}",
        found.model.text,
        short(&source),
        ms(started.elapsed())
    );

    // 5. Providers: nodes 0 to 2 announce they can serve note 1; node 3 finds all three.
    for (i, node) in nodes.iter().enumerate().take(3) {
        let started = Instant::now();
        let outcome = within("start_providing", node.start_providing(key.clone())).await?;
        ensure!(outcome.completed, "node {i}: {outcome:?}");
        println!(
            "node {i}: providing note 1 (announced in {})",
            ms(started.elapsed())
        );
    }
    let expected: HashSet<PeerId> = nodes[..3].iter().map(|n| n.peer_id()).collect();
    let started = Instant::now();
    let providers = until("node 3 finds every provider", || async {
        let providers = nodes[3].get_providers(key.clone()).await?;
        Ok((providers == expected).then_some(providers))
    })
    .await?;
    let names: Vec<String> = providers.iter().map(short).collect();
    println!(
        "node 3: providers of note 1: {} (found in {})",
        names.join(", "),
        ms(started.elapsed())
    );

    // 6. Stop every node gracefully.
    for (i, node) in nodes.iter_mut().enumerate() {
        within("stop_swarm", node.stop_swarm()).await?;
        ensure!(!node.is_running(), "node {i} still runs");
    }
    println!("all {NODES} nodes stopped; {} in all", ms(begin.elapsed()));
    Ok(())
}
