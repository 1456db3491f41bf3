//! Tree digests and the comparison of two trees (`netabase_store::digest`).

use std::collections::{BTreeMap, HashSet};

use netabase_store::digest::{
    CompareOptions, DigestSide, Entry, Fingerprint, KeyRange, TreeDiff, compare, compare_with,
};
use netabase_store::engine::Backend;
use netabase_store::error::{NetabaseError, Result};
use proptest::prelude::*;

use crate::conformance::{Backing, Memory, Redb, Sled, Store, fresh};
use crate::schema::*;

type Users = BTreeMap<u64, User>;

fn fill<B: Backend>(store: &Store<B>, users: &Users) {
    let tree = store.open_tree::<User>();
    tree.clear().unwrap();
    tree.put_many(users.values().cloned()).unwrap();
}

fn memory_with(users: &Users) -> Store<<Memory as Backing>::B> {
    let store = Store::memory();
    fill(&store, users);
    store
}

fn users(ids: impl IntoIterator<Item = u64>, variant: u64) -> Users {
    ids.into_iter().map(|id| (id, user(id, variant))).collect()
}

/// The diff that `local` and `remote` should produce, from the maps.
fn expected(local: &Users, remote: &Users) -> (Vec<u64>, Vec<u64>, Vec<u64>) {
    let missing_locally = remote.keys().filter(|k| !local.contains_key(k)).copied();
    let missing_remotely = local.keys().filter(|k| !remote.contains_key(k)).copied();
    let different = local
        .iter()
        .filter(|(k, v)| remote.get(k).is_some_and(|r| r != *v))
        .map(|(k, _)| *k);
    (
        missing_locally.collect(),
        missing_remotely.collect(),
        different.collect(),
    )
}

fn ids(diff: &TreeDiff<UserPrimaryKey>) -> (Vec<u64>, Vec<u64>, Vec<u64>) {
    let plain = |keys: &[UserPrimaryKey]| keys.iter().map(|k| k.0).collect();
    (
        plain(&diff.missing_locally),
        plain(&diff.missing_remotely),
        plain(&diff.different),
    )
}

fn diff<L: Backend, R: Backend>(
    local: &Store<L>,
    remote: &Store<R>,
    options: &CompareOptions,
) -> TreeDiff<UserPrimaryKey> {
    compare_with(
        &mut local.open_tree::<User>().snapshot().unwrap(),
        &mut remote.open_tree::<User>().snapshot().unwrap(),
        options,
    )
    .unwrap()
}

#[test]
fn identical_stores_have_equal_digests_and_an_empty_diff() {
    let data = users(0..500, 1);
    let a = memory_with(&data);
    // Written in another order, in several transactions.
    let b = Store::memory();
    for id in (0..500).rev() {
        b.open_tree::<User>().put(user(id, 1)).unwrap();
    }
    let digest = a.open_tree::<User>().digest().unwrap();
    assert_eq!(digest, b.open_tree::<User>().digest().unwrap());
    assert_eq!(digest.count, 500);
    let diff = diff(&a, &b, &CompareOptions::default());
    assert!(diff.is_empty(), "{diff:?}");
    assert_eq!(diff.stats.fingerprint_queries(), 2, "the root decides");
    assert_eq!(
        diff.stats.local.entry_queries + diff.stats.remote.entry_queries,
        0
    );

    let empty: Fingerprint = Store::memory().open_tree::<User>().digest().unwrap();
    assert_eq!(empty.count, 0);
    assert_eq!(empty, Store::memory().open_tree::<User>().digest().unwrap());
    assert_ne!(empty, digest);
}

#[test]
fn every_change_changes_the_digest() {
    let store = memory_with(&users(0..50, 0));
    let tree = store.open_tree::<User>();
    let mut seen = HashSet::new();
    assert!(seen.insert(tree.digest().unwrap()));
    tree.put(user(10, 1)).unwrap();
    assert!(seen.insert(tree.digest().unwrap()), "an overwrite");
    tree.put(user(100, 0)).unwrap();
    assert!(seen.insert(tree.digest().unwrap()), "an insert");
    tree.remove(UserPrimaryKey(3)).unwrap();
    assert!(seen.insert(tree.digest().unwrap()), "a remove");
    tree.put(user(3, 0)).unwrap();
    tree.remove(UserPrimaryKey(100)).unwrap();
    tree.put(user(10, 0)).unwrap();
    assert!(
        !seen.insert(tree.digest().unwrap()),
        "undoing every change restores the first digest"
    );
    // Other trees do not count.
    store
        .open_tree::<Event>()
        .put(Event {
            at: 1,
            payload: vec![],
        })
        .unwrap();
    assert!(!seen.insert(tree.digest().unwrap()));
}

#[test]
fn a_side_without_entries_is_missing_everything() {
    let data = users(0..300, 0);
    let full = memory_with(&data);
    let empty = Store::memory();
    let diff_one = diff(&empty, &full, &CompareOptions::default());
    assert_eq!(ids(&diff_one), ((0..300).collect(), vec![], vec![]));
    assert_eq!(diff_one.stats.remote.entry_queries, 1);
    let diff_two = diff(&full, &empty, &CompareOptions::default());
    assert_eq!(ids(&diff_two), (vec![], (0..300).collect(), vec![]));
}

/// Divergence of one side from the common base.
#[derive(Debug, Clone)]
enum Op {
    Insert { id: u64, variant: u64 },
    Remove { nth: usize },
    Change { nth: usize, variant: u64 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u64..400, 0u64..8).prop_map(|(id, variant)| Op::Insert { id, variant }),
        any::<usize>().prop_map(|nth| Op::Remove { nth }),
        (any::<usize>(), 4u64..8).prop_map(|(nth, variant)| Op::Change { nth, variant }),
    ]
}

fn apply(map: &mut Users, ops: &[Op]) {
    for op in ops {
        match *op {
            Op::Insert { id, variant } => {
                map.insert(id, user(id, variant));
            }
            Op::Remove { nth } if !map.is_empty() => {
                let key = *map.keys().nth(nth % map.len()).unwrap();
                map.remove(&key);
            }
            Op::Change { nth, variant } if !map.is_empty() => {
                let key = *map.keys().nth(nth % map.len()).unwrap();
                map.insert(key, user(key, variant));
            }
            _ => {}
        }
    }
}

fn options() -> impl Strategy<Value = CompareOptions> {
    prop_oneof![
        Just(CompareOptions::default()),
        (2usize..6, 1u64..5).prop_map(|(branching, leaf)| {
            CompareOptions::default()
                .with_branching(branching)
                .with_leaf_size(leaf)
        }),
    ]
}

proptest! {
    #![proptest_config(crate::state_machine::config(256))]

    #[test]
    fn diff_is_exactly_the_set_difference(
        base in prop::collection::btree_map(0u64..400, 0u64..4, 0..250),
        local_ops in prop::collection::vec(op(), 0..12),
        remote_ops in prop::collection::vec(op(), 0..12),
        options in options(),
    ) {
        let base: Users = base.into_iter().map(|(id, v)| (id, user(id, v))).collect();
        let mut local = base.clone();
        apply(&mut local, &local_ops);
        let mut remote = base;
        apply(&mut remote, &remote_ops);

        let got = diff(&memory_with(&local), &memory_with(&remote), &options);
        prop_assert_eq!(ids(&got), expected(&local, &remote));
        prop_assert_eq!(got.is_empty(), local == remote);
        let equal_digests = memory_with(&local).open_tree::<User>().digest().unwrap()
            == memory_with(&remote).open_tree::<User>().digest().unwrap();
        prop_assert_eq!(equal_digests, local == remote);
    }
}

#[test]
fn queries_grow_with_differences_not_with_tree_size() {
    let n = 10_000;
    let base = users(0..n, 0);
    let mut local = base.clone();
    let mut remote = base;
    remote.remove(&1_234);
    local.remove(&7_777);
    remote.insert(5_000, user(5_000, 1));
    let (a, b) = (memory_with(&local), memory_with(&remote));

    let diff = diff(&a, &b, &CompareOptions::default());
    assert_eq!(ids(&diff), (vec![7_777], vec![1_234], vec![5_000]));
    let stats = diff.stats;
    eprintln!("n = {n}, d = 3, default options: {stats:?}");
    assert!(
        stats.fingerprint_queries() < 200,
        "{} fingerprint queries",
        stats.fingerprint_queries()
    );
    assert!(stats.remote.fingerprints < 100, "{stats:?}");
    let exchanged = stats.remote.entries + stats.local.entries;
    assert!(exchanged < 200, "{exchanged} entries exchanged");

    // One difference costs less than three; none costs the two root fingerprints.
    let one = diff_of(&users(0..n, 0), &{
        let mut m = users(0..n, 0);
        m.insert(42, user(42, 1));
        m
    });
    assert_eq!(ids(&one), (vec![], vec![], vec![42]));
    assert!(one.stats.fingerprint_queries() < stats.fingerprint_queries());
    eprintln!("n = {n}, d = 1: {:?}", one.stats);
}

fn diff_of(local: &Users, remote: &Users) -> TreeDiff<UserPrimaryKey> {
    diff(
        &memory_with(local),
        &memory_with(remote),
        &CompareOptions::default(),
    )
}

/// Two stores on different backends: equal data gives equal digests, and the diff is exact.
fn across<L: Backing, R: Backing>() {
    let (_l_dir, l) = fresh::<L>();
    let (_r_dir, r) = fresh::<R>();
    let base = users(0..600, 0);
    fill(&l, &base);
    fill(&r, &base);
    assert_eq!(
        l.open_tree::<User>().digest().unwrap(),
        r.open_tree::<User>().digest().unwrap()
    );
    assert!(diff(&l, &r, &CompareOptions::default()).is_empty());

    let mut local = base.clone();
    let mut remote = base;
    for id in [0, 17, 599] {
        local.remove(&id);
    }
    for id in [600, 601, 250] {
        local.insert(id, user(id, 2));
    }
    for id in [300, 301, 302, 900] {
        remote.insert(id, user(id, 3));
    }
    remote.remove(&450);
    fill(&l, &local);
    fill(&r, &remote);
    let got = diff(&l, &r, &CompareOptions::default());
    assert_eq!(ids(&got), expected(&local, &remote));
    assert_eq!(
        ids(&got),
        (
            vec![0, 17, 599, 900],
            vec![450, 600, 601],
            vec![250, 300, 301, 302]
        )
    );
}

#[test]
fn memory_against_sled() {
    across::<Memory, Sled>();
}

#[test]
fn redb_against_memory() {
    across::<Redb, Memory>();
}

#[cfg(feature = "redb-zerocopy")]
#[test]
fn zero_copy_redb_against_sled() {
    across::<crate::conformance::ZeroCopy, Sled>();
}

#[test]
fn string_keys_are_compared_in_key_order() {
    let article = |slug: &str, body: &str| Article {
        slug: slug.into(),
        body: body.into(),
        category: "c".into(),
    };
    let a = Store::memory();
    let b = Store::memory();
    let slugs = ["", "a", "a\0", "ab", "b", "é", "zz"];
    for slug in slugs {
        a.open_tree::<Article>().put(article(slug, "x")).unwrap();
        b.open_tree::<Article>().put(article(slug, "x")).unwrap();
    }
    b.open_tree::<Article>()
        .put(article("a\0", "changed"))
        .unwrap();
    b.open_tree::<Article>()
        .put(article("a\0\0", "new"))
        .unwrap();
    a.open_tree::<Article>()
        .remove(ArticlePrimaryKey("é".into()))
        .unwrap();
    let got = compare_with(
        &mut a.open_tree::<Article>().snapshot().unwrap(),
        &mut b.open_tree::<Article>().snapshot().unwrap(),
        &CompareOptions::default()
            .with_branching(2)
            .with_leaf_size(1),
    )
    .unwrap();
    let slugs = |keys: &[ArticlePrimaryKey]| keys.iter().map(|k| k.0.clone()).collect::<Vec<_>>();
    assert_eq!(slugs(&got.missing_locally), ["a\0\0", "é"]);
    assert!(got.missing_remotely.is_empty());
    assert_eq!(slugs(&got.different), ["a\0"]);
}

/// A remote side that answers wrongly in one way, on top of an honest one.
struct Lying<S> {
    inner: S,
    lie: Lie,
}

#[derive(Clone, Copy)]
enum Lie {
    SplitOutsideRange,
    EntriesDoNotMatch,
    UndecodableKey,
    EndlessSplits,
}

impl<S: DigestSide> DigestSide for Lying<S> {
    type Key = S::Key;

    fn fingerprint(&mut self, range: &KeyRange) -> Result<Fingerprint> {
        let mut fp = self.inner.fingerprint(range)?;
        if matches!(self.lie, Lie::EndlessSplits) {
            // Claims many entries everywhere, so ranges never get small.
            fp.count = 1_000_000;
        }
        Ok(fp)
    }

    fn split_points(&mut self, range: &KeyRange, count: u64, parts: usize) -> Result<Vec<Vec<u8>>> {
        match self.lie {
            Lie::SplitOutsideRange => Ok(vec![range.start.clone()]),
            Lie::EndlessSplits => {
                // A valid cut just above the start, always possible between byte strings.
                let mut point = range.start.clone();
                point.push(0);
                Ok(vec![point])
            }
            _ => self.inner.split_points(range, count, parts),
        }
    }

    fn entries(&mut self, range: &KeyRange) -> Result<Vec<Entry>> {
        let mut entries = self.inner.entries(range)?;
        match self.lie {
            Lie::EntriesDoNotMatch => {
                entries.pop();
            }
            Lie::UndecodableKey => {
                for entry in &mut entries {
                    entry.key.push(0xAB);
                }
                entries.sort_by(|a, b| a.key.cmp(&b.key));
            }
            _ => {}
        }
        Ok(entries)
    }
}

#[test]
fn inconsistent_answers_are_errors_not_wrong_diffs() {
    let local = memory_with(&users(0..100, 0));
    let remote = memory_with(&users(50..200, 0));
    for (lie, options) in [
        (Lie::SplitOutsideRange, CompareOptions::default()),
        (Lie::EntriesDoNotMatch, CompareOptions::default()),
        (
            Lie::UndecodableKey,
            CompareOptions::default().with_leaf_size(1_000),
        ),
        (
            Lie::EndlessSplits,
            CompareOptions::default().with_max_depth(40),
        ),
    ] {
        let mut liar = Lying {
            inner: remote.open_tree::<User>().snapshot().unwrap(),
            lie,
        };
        let result = compare_with(
            &mut local.open_tree::<User>().snapshot().unwrap(),
            &mut liar,
            &options,
        );
        match result {
            Err(NetabaseError::InvalidSummary { side: "remote", .. }) => {}
            other => panic!("expected the remote side to be blamed, got {other:?}"),
        }
    }
    // The honest comparison of the same stores works.
    let diff = compare(
        &mut local.open_tree::<User>().snapshot().unwrap(),
        &mut remote.open_tree::<User>().snapshot().unwrap(),
    )
    .unwrap();
    assert_eq!(
        ids(&diff),
        ((100..200).collect(), (0..50).collect(), vec![])
    );
}

#[test]
fn a_snapshot_ignores_later_writes() {
    let store = memory_with(&users(0..100, 0));
    let other = memory_with(&users(0..100, 0));
    let mut snapshot = store.open_tree::<User>().snapshot().unwrap();
    store.open_tree::<User>().put(user(500, 0)).unwrap();
    let diff = compare(
        &mut snapshot,
        &mut other.open_tree::<User>().snapshot().unwrap(),
    )
    .unwrap();
    assert!(diff.is_empty(), "the snapshot predates the write");
}
