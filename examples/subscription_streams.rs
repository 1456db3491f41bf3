//! Comparing two stores that diverged, as two peers would before synchronising.
//!
//! Two stores (a redb file and a memory store) start with the same 5,000 posts, then each
//! changes a few. Their tree digests differ; `digest::compare` finds exactly which posts are
//! missing on either side and which differ, asking each side a few dozen range fingerprints
//! instead of reading the other's 5,000 posts. The differences are then copied across and the
//! digests agree again. (The name is the seed README's; the original example tracked models by
//! hand in an in-memory merkle map, this one compares real stores.)
//!
//! Run with `cargo run --example subscription_streams`.

use netabase_store::digest::{TreeDiff, compare};
use netabase_store::engine::Backend;
use netabase_store::{NetabaseStore, netabase_definition_module};

#[netabase_definition_module(FeedDefinition, FeedKeys)]
mod feed {
    use netabase_store::{NetabaseModel, netabase};

    #[derive(NetabaseModel, Clone, Debug, PartialEq, bincode::Encode, bincode::Decode)]
    #[netabase(FeedDefinition)]
    pub struct Post {
        #[primary_key]
        pub id: u64,
        #[secondary_key]
        pub author: String,
        pub text: String,
        pub likes: u32,
    }
}
use feed::*;

fn post(id: u64) -> Post {
    Post {
        id,
        author: format!("author{}", id % 17),
        text: format!("post number {id}"),
        likes: (id % 5) as u32,
    }
}

fn ids(keys: &[PostPrimaryKey]) -> Vec<u64> {
    keys.iter().map(|key| key.0).collect()
}

/// Copies what `diff` lists between the two stores: missing posts both ways, and for posts
/// that differ, the version with more likes wins.
fn reconcile<A: Backend, B: Backend>(
    ours: &NetabaseStore<FeedDefinition, A>,
    theirs: &NetabaseStore<FeedDefinition, B>,
    diff: &TreeDiff<PostPrimaryKey>,
) -> anyhow::Result<()> {
    let (our_posts, their_posts) = (ours.open_tree::<Post>(), theirs.open_tree::<Post>());
    let fetch = |keys: &[PostPrimaryKey], from: &NetabaseStore<FeedDefinition, _>| {
        from.open_tree::<Post>()
            .get_many(keys.iter().cloned())
            .map(|posts| posts.into_iter().flatten().collect::<Vec<Post>>())
    };
    our_posts.put_many(fetch(&diff.missing_locally, theirs)?)?;
    their_posts.put_many(
        our_posts
            .get_many(diff.missing_remotely.iter().cloned())?
            .into_iter()
            .flatten(),
    )?;
    for key in &diff.different {
        let (Some(mine), Some(other)) =
            (our_posts.get(key.clone())?, their_posts.get(key.clone())?)
        else {
            continue;
        };
        let winner = if mine.likes >= other.likes {
            mine
        } else {
            other
        };
        our_posts.put(winner.clone())?;
        their_posts.put(winner)?;
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let dir = tempfile::tempdir()?;
    let alice = NetabaseStore::<FeedDefinition, _>::redb(dir.path().join("alice.redb"))?;
    let bob = NetabaseStore::<FeedDefinition, _>::memory();

    let (alice_posts, bob_posts) = (alice.open_tree::<Post>(), bob.open_tree::<Post>());
    alice_posts.put_many((0..5_000).map(post))?;
    bob_posts.put_many((0..5_000).map(post))?;
    println!("both peers start with {} posts", alice_posts.len()?);
    println!("  alice digest: {}", alice_posts.digest()?);
    println!("  bob digest:   {}", bob_posts.digest()?);

    // They diverge.
    alice_posts.put(Post {
        likes: 40,
        ..post(1_000)
    })?;
    alice_posts.remove(PostPrimaryKey(2_500))?;
    alice_posts.put(post(7_001))?;
    bob_posts.put(Post {
        likes: 90,
        ..post(4_321)
    })?;
    bob_posts.put(post(9_999))?;
    bob_posts.remove(PostPrimaryKey(12))?;
    println!("\nalice edits post 1000, deletes post 2500, writes post 7001");
    println!("bob edits post 4321, writes post 9999, deletes post 12");
    println!("  alice digest: {}", alice_posts.digest()?);
    println!("  bob digest:   {}", bob_posts.digest()?);

    let diff = compare(&mut alice_posts.snapshot()?, &mut bob_posts.snapshot()?)?;
    println!("\nalice compares her posts with bob's:");
    println!("  missing at alice: {:?}", ids(&diff.missing_locally));
    println!("  missing at bob:   {:?}", ids(&diff.missing_remotely));
    println!("  different:        {:?}", ids(&diff.different));
    let stats = diff.stats;
    println!(
        "  bob answered {} fingerprint queries, {} split queries and {} entry lists \
         ({} entry hashes); {} cuts deep",
        stats.remote.fingerprints,
        stats.remote.split_queries,
        stats.remote.entry_queries,
        stats.remote.entries,
        stats.depth,
    );
    println!(
        "  alice answered {} fingerprint queries locally; neither read the other's {} posts",
        stats.local.fingerprints,
        bob_posts.len()?,
    );

    reconcile(&alice, &bob, &diff)?;
    let (a, b) = (alice_posts.digest()?, bob_posts.digest()?);
    println!("\nafter copying the differences across:");
    println!("  alice digest: {a}");
    println!("  bob digest:   {b}");
    let again = compare(&mut alice_posts.snapshot()?, &mut bob_posts.snapshot()?)?;
    println!(
        "  digests equal: {}; a new comparison finds {} differences with {} fingerprint queries",
        a == b,
        again.len(),
        again.stats.fingerprint_queries(),
    );
    anyhow::ensure!(a == b && again.is_empty(), "the peers did not converge");
    Ok(())
}
