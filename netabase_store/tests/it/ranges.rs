//! Range and prefix queries against `BTreeMap` models, on every backend: random sets of models
//! and random ranges of primary keys (u64, i64, String, `(i32, String)`) and secondary keys,
//! and random prefixes of string and byte-string keys, through trees, read-only views and
//! read-write views with pending writes.
//!
//! Cases per backend: `PROPTEST_CASES` (default 64 for the file backends, 256 for memory).

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::ops::{Bound, RangeBounds};

use netabase_store::codec::KeyPrefix;
use netabase_store::engine::Backend;
use netabase_store::error::{NetabaseError, Result};
use netabase_store::store_tree::StoreTree;
use netabase_store::traits::model::NetabaseModelTrait;
use netabase_store::transaction::{ReadOnly, ReadWrite, TreeView};
use proptest::prelude::*;

use crate::conformance::{Backing, Memory, Redb, Sled, Store, fresh};
use crate::schema::*;
use crate::state_machine::config;

type Range<K> = (Bound<K>, Bound<K>);

fn collect<T>(iter: impl Iterator<Item = Result<T>>) -> Vec<T> {
    iter.map(|item| item.expect("iterate")).collect()
}

/// `map.range(range)`, or nothing where `BTreeMap::range` would panic (an inverted range, or
/// an empty exclusive one): the store yields nothing there.
fn model_range<K: Ord + Clone, V: Clone>(map: &BTreeMap<K, V>, range: &Range<K>) -> Vec<(K, V)> {
    let inverted = match range {
        (Bound::Excluded(start), Bound::Excluded(end)) => start >= end,
        (
            Bound::Included(start) | Bound::Excluded(start),
            Bound::Included(end) | Bound::Excluded(end),
        ) => start > end,
        _ => false,
    };
    if inverted {
        return Vec::new();
    }
    map.range(range.clone())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The models whose `field` lies within `range`, in (field, primary key) order.
fn model_secondary_range<M: NetabaseModelTrait<TestDefinition>>(
    map: &BTreeMap<M::PrimaryKey, M>,
    field: impl Fn(&M) -> M::SecondaryKeys,
    range: &Range<M::SecondaryKeys>,
) -> Vec<(M::SecondaryKeys, M)> {
    let mut found: Vec<(M::SecondaryKeys, M)> = map
        .values()
        .map(|model| (field(model), model.clone()))
        .filter(|(key, _)| range.contains(key))
        .collect();
    // Stable: models of one value stay in primary-key order.
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

fn models_by_key<M: NetabaseModelTrait<TestDefinition>>(
    models: &[M],
) -> BTreeMap<M::PrimaryKey, M> {
    models
        .iter()
        .map(|m| (m.primary_key(), m.clone()))
        .collect()
}

// ---- strategies ----

fn bound<T: Clone + Debug + 'static>(
    value: impl Strategy<Value = T> + Clone,
) -> impl Strategy<Value = Bound<T>> + Clone {
    prop_oneof![
        1 => Just(Bound::Unbounded),
        2 => value.clone().prop_map(Bound::Included),
        2 => value.prop_map(Bound::Excluded),
    ]
}

fn range<T: Clone + Debug + 'static>(
    value: impl Strategy<Value = T> + Clone,
) -> impl Strategy<Value = Range<T>> {
    (bound(value.clone()), bound(value))
}

/// Short strings over an alphabet with NUL and a multi-byte character: many shared prefixes.
fn text() -> impl Strategy<Value = String> + Clone {
    prop::collection::vec(prop::sample::select(vec!['a', 'b', '\0', 'é']), 0..4)
        .prop_map(String::from_iter)
}

fn bytes() -> impl Strategy<Value = Vec<u8>> + Clone {
    prop::collection::vec(prop::sample::select(vec![0u8, 1, 0x7F, 0xFF]), 0..4)
}

fn small_u64() -> impl Strategy<Value = u64> + Clone {
    prop_oneof![8 => 0u64..24, 1 => Just(u64::MAX)]
}

fn small_i64() -> impl Strategy<Value = i64> + Clone {
    prop_oneof![8 => -12i64..12, 1 => Just(i64::MIN), 1 => Just(i64::MAX)]
}

fn user_model() -> impl Strategy<Value = User> + Clone {
    (small_u64(), 0u64..4).prop_map(|(id, variant)| user(id, variant))
}

fn event_model() -> impl Strategy<Value = Event> + Clone {
    small_i64().prop_map(|at| Event {
        at,
        payload: at.to_be_bytes().to_vec(),
    })
}

fn article_model() -> impl Strategy<Value = Article> + Clone {
    (text(), text()).prop_map(|(slug, category)| Article {
        body: format!("about {slug:?}"),
        slug,
        category,
    })
}

fn cell_pos() -> impl Strategy<Value = (i32, String)> + Clone {
    (-3i32..3, text())
}

fn cell_model() -> impl Strategy<Value = Cell> + Clone {
    (cell_pos(), small_i64(), bytes()).prop_map(|(pos, level, label)| Cell { pos, level, label })
}

fn chunk_model() -> impl Strategy<Value = Chunk> + Clone {
    bytes().prop_map(|digest| Chunk {
        size: digest.len() as u32,
        digest,
    })
}

/// Models, writes that a read-write view makes before it is queried, and queries.
#[derive(Debug, Clone)]
struct Family<M, Q> {
    models: Vec<M>,
    /// `(remove, model)`: remove the model's key, or put the model.
    pending: Vec<(bool, M)>,
    queries: Vec<Q>,
}

fn family<M: Debug + Clone, Q: Debug + Clone>(
    model: impl Strategy<Value = M> + Clone,
    query: impl Strategy<Value = Q>,
) -> impl Strategy<Value = Family<M, Q>> {
    (
        prop::collection::vec(model.clone(), 0..14),
        prop::collection::vec((prop::bool::weighted(0.3), model), 0..5),
        prop::collection::vec(query, 1..5),
    )
        .prop_map(|(models, pending, queries)| Family {
            models,
            pending,
            queries,
        })
}

#[derive(Debug, Clone)]
enum StringQuery {
    Range(Range<String>),
    Prefix(String),
    CategoryRange(Range<String>),
    CategoryPrefix(String),
}

#[derive(Debug, Clone)]
enum CellQuery {
    Range(Range<(i32, String)>),
    LevelRange(Range<i64>),
    LabelPrefix(Vec<u8>),
}

#[derive(Debug, Clone)]
struct Case {
    users: Family<User, Range<u64>>,
    events: Family<Event, Range<i64>>,
    articles: Family<Article, StringQuery>,
    cells: Family<Cell, CellQuery>,
    chunks: Family<Chunk, Vec<u8>>,
}

fn case() -> impl Strategy<Value = Case> {
    let string_query = prop_oneof![
        range(text()).prop_map(StringQuery::Range),
        text().prop_map(StringQuery::Prefix),
        range(text()).prop_map(StringQuery::CategoryRange),
        text().prop_map(StringQuery::CategoryPrefix),
    ];
    let cell_query = prop_oneof![
        range(cell_pos()).prop_map(CellQuery::Range),
        range(small_i64()).prop_map(CellQuery::LevelRange),
        bytes().prop_map(CellQuery::LabelPrefix),
    ];
    (
        family(user_model(), range(small_u64())),
        family(event_model(), range(small_i64())),
        family(article_model(), string_query),
        family(cell_model(), cell_query),
        family(chunk_model(), bytes()),
    )
        .prop_map(|(users, events, articles, cells, chunks)| Case {
            users,
            events,
            articles,
            cells,
            chunks,
        })
}

// ---- checks ----

/// The queries the tests run, the same on a tree, a read-only view and a read-write view.
trait Reader<M: NetabaseModelTrait<TestDefinition>> {
    fn range(&self, range: Range<M::PrimaryKey>) -> Vec<(M::PrimaryKey, M)>;
    fn prefix(&self, prefix: &<M::PrimaryKey as KeyPrefix>::Prefix) -> Vec<(M::PrimaryKey, M)>
    where
        M::PrimaryKey: KeyPrefix;
    fn range_by_secondary(
        &self,
        range: Range<M::SecondaryKeys>,
    ) -> Result<Vec<(M::SecondaryKeys, M)>>;
    fn prefix_by_secondary<P: KeyPrefix + Into<M::SecondaryKeys>>(
        &self,
        prefix: P,
    ) -> Vec<(M::SecondaryKeys, M)>;
}

/// Implements [`Reader`] for a tree or view type; `$start` turns what its range methods
/// return into the iterator.
macro_rules! reader {
    ($ty:ty, $start:path) => {
        impl<B: Backend, M: NetabaseModelTrait<TestDefinition>> Reader<M> for $ty {
            fn range(&self, range: Range<M::PrimaryKey>) -> Vec<(M::PrimaryKey, M)> {
                collect($start(<$ty>::range(self, range)))
            }
            fn prefix(
                &self,
                prefix: &<M::PrimaryKey as KeyPrefix>::Prefix,
            ) -> Vec<(M::PrimaryKey, M)>
            where
                M::PrimaryKey: KeyPrefix,
            {
                collect($start(<$ty>::prefix(self, prefix)))
            }
            fn range_by_secondary(
                &self,
                range: Range<M::SecondaryKeys>,
            ) -> Result<Vec<(M::SecondaryKeys, M)>> {
                Ok(collect(<$ty>::range_by_secondary_key(self, range)?))
            }
            fn prefix_by_secondary<P: KeyPrefix + Into<M::SecondaryKeys>>(
                &self,
                prefix: P,
            ) -> Vec<(M::SecondaryKeys, M)> {
                collect(<$ty>::prefix_by_secondary_key(self, prefix).expect("start"))
            }
        }
    };
}

fn started<T>(value: T) -> T {
    value
}

fn start<T>(value: Result<T>) -> T {
    value.expect("start the iteration")
}

reader!(StoreTree<'_, TestDefinition, M, B>, started);
reader!(TreeView<'_, TestDefinition, M, B, ReadOnly>, start);
reader!(TreeView<'_, TestDefinition, M, B, ReadWrite>, start);

/// The models of a case, by primary key.
#[derive(Clone)]
struct Maps {
    users: BTreeMap<UserPrimaryKey, User>,
    events: BTreeMap<EventPrimaryKey, Event>,
    articles: BTreeMap<ArticlePrimaryKey, Article>,
    cells: BTreeMap<CellPrimaryKey, Cell>,
    chunks: BTreeMap<ChunkPrimaryKey, Chunk>,
}

/// One reader per model.
struct Readers<'a, U, E, A, C, H> {
    users: &'a U,
    events: &'a E,
    articles: &'a A,
    cells: &'a C,
    chunks: &'a H,
}

fn check_ranges<M: NetabaseModelTrait<TestDefinition> + PartialEq>(
    reader: &impl Reader<M>,
    map: &BTreeMap<M::PrimaryKey, M>,
    range: Range<M::PrimaryKey>,
) {
    assert_eq!(
        reader.range(range.clone()),
        model_range(map, &range),
        "{range:?}"
    );
}

fn check_prefix<M>(
    reader: &impl Reader<M>,
    map: &BTreeMap<M::PrimaryKey, M>,
    prefix: &<M::PrimaryKey as KeyPrefix>::Prefix,
    starts: impl Fn(&M::PrimaryKey) -> bool,
) where
    M: NetabaseModelTrait<TestDefinition> + PartialEq,
    M::PrimaryKey: KeyPrefix,
{
    let want: Vec<_> = map
        .iter()
        .filter(|(key, _)| starts(key))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    assert_eq!(reader.prefix(prefix), want);
}

fn check_secondary_range<M: NetabaseModelTrait<TestDefinition> + PartialEq>(
    reader: &impl Reader<M>,
    map: &BTreeMap<M::PrimaryKey, M>,
    field: impl Fn(&M) -> M::SecondaryKeys,
    range: Range<M::SecondaryKeys>,
) {
    let got = reader.range_by_secondary(range.clone());
    if matches!(range, (Bound::Unbounded, Bound::Unbounded)) {
        assert!(
            matches!(got, Err(NetabaseError::UnboundedSecondaryRange { .. })),
            "{got:?}"
        );
    } else {
        assert_eq!(
            got.expect("range"),
            model_secondary_range(map, field, &range),
            "{range:?}"
        );
    }
}

/// The models whose `field` value starts with a prefix, in (field, primary key) order.
fn check_secondary_prefix<M, P>(
    reader: &impl Reader<M>,
    map: &BTreeMap<M::PrimaryKey, M>,
    field: impl Fn(&M) -> M::SecondaryKeys,
    prefix: P,
    starts: impl Fn(&M) -> bool,
) where
    M: NetabaseModelTrait<TestDefinition> + PartialEq,
    P: KeyPrefix + Into<M::SecondaryKeys> + Debug,
{
    let mut want: Vec<_> = map
        .values()
        .filter(|model| starts(model))
        .map(|model| (field(model), model.clone()))
        .collect();
    want.sort_by(|a, b| a.0.cmp(&b.0));
    let context = format!("{prefix:?}");
    assert_eq!(reader.prefix_by_secondary(prefix), want, "{context}");
}

fn map_range<T, U>(range: &Range<T>, f: impl Fn(&T) -> U) -> Range<U> {
    (range.0.as_ref().map(&f), range.1.as_ref().map(&f))
}

fn category(article: &Article) -> ArticleSecondaryKeys {
    article.category.clone().as_article_category_key()
}

fn level(cell: &Cell) -> CellSecondaryKeys {
    cell.level.as_cell_level_key()
}

fn label(cell: &Cell) -> CellSecondaryKeys {
    cell.label.clone().as_cell_label_key()
}

/// Every query of `case` through one reader per model, against `maps`.
fn check_all(
    case: &Case,
    maps: &Maps,
    readers: Readers<
        '_,
        impl Reader<User>,
        impl Reader<Event>,
        impl Reader<Article>,
        impl Reader<Cell>,
        impl Reader<Chunk>,
    >,
) {
    for range in &case.users.queries {
        check_ranges(
            readers.users,
            &maps.users,
            map_range(range, |id| UserPrimaryKey(*id)),
        );
    }
    for range in &case.events.queries {
        check_ranges(
            readers.events,
            &maps.events,
            map_range(range, |at| EventPrimaryKey(*at)),
        );
    }
    let (reader, map) = (readers.articles, &maps.articles);
    for query in &case.articles.queries {
        match query {
            StringQuery::Range(range) => {
                check_ranges(
                    reader,
                    map,
                    map_range(range, |s| ArticlePrimaryKey(s.clone())),
                );
            }
            StringQuery::Prefix(prefix) => {
                check_prefix(reader, map, prefix, |key| {
                    key.0.starts_with(prefix.as_str())
                });
            }
            StringQuery::CategoryRange(range) => {
                let range = map_range(range, |s| s.clone().as_article_category_key());
                check_secondary_range(reader, map, category, range);
            }
            StringQuery::CategoryPrefix(prefix) => check_secondary_prefix(
                reader,
                map,
                category,
                ArticleCategorySecondaryKey(prefix.clone()),
                |a| a.category.starts_with(prefix.as_str()),
            ),
        }
    }
    let (reader, map) = (readers.cells, &maps.cells);
    for query in &case.cells.queries {
        match query {
            CellQuery::Range(range) => {
                check_ranges(reader, map, map_range(range, |p| CellPrimaryKey(p.clone())));
            }
            CellQuery::LevelRange(range) => {
                check_secondary_range(
                    reader,
                    map,
                    level,
                    map_range(range, |v| v.as_cell_level_key()),
                );
            }
            CellQuery::LabelPrefix(prefix) => check_secondary_prefix(
                reader,
                map,
                label,
                CellLabelSecondaryKey(prefix.clone()),
                |c| c.label.starts_with(prefix),
            ),
        }
    }
    for prefix in &case.chunks.queries {
        check_prefix(readers.chunks, &maps.chunks, prefix.as_slice(), |key| {
            key.0.starts_with(prefix)
        });
    }
}

fn apply_pending<B: Backend, M: NetabaseModelTrait<TestDefinition>>(
    view: &mut TreeView<'_, TestDefinition, M, B, ReadWrite>,
    map: &mut BTreeMap<M::PrimaryKey, M>,
    pending: &[(bool, M)],
) {
    for (remove, model) in pending {
        if *remove {
            view.remove(model.primary_key()).unwrap();
            map.remove(&model.primary_key());
        } else {
            view.put(model.clone()).unwrap();
            map.insert(model.primary_key(), model.clone());
        }
    }
}

fn check_trees<B: Backend>(store: &Store<B>, case: &Case, maps: &Maps) {
    let readers = Readers {
        users: &store.open_tree::<User>(),
        events: &store.open_tree::<Event>(),
        articles: &store.open_tree::<Article>(),
        cells: &store.open_tree::<Cell>(),
        chunks: &store.open_tree::<Chunk>(),
    };
    check_all(case, maps, readers);
}

fn run<K: Backing>(case: Case) {
    let (_dir, store) = fresh::<K>();
    let maps = Maps {
        users: models_by_key(&case.users.models),
        events: models_by_key(&case.events.models),
        articles: models_by_key(&case.articles.models),
        cells: models_by_key(&case.cells.models),
        chunks: models_by_key(&case.chunks.models),
    };
    store
        .open_tree::<User>()
        .put_many(maps.users.values().cloned())
        .unwrap();
    store
        .open_tree::<Event>()
        .put_many(maps.events.values().cloned())
        .unwrap();
    store
        .open_tree::<Article>()
        .put_many(maps.articles.values().cloned())
        .unwrap();
    store
        .open_tree::<Cell>()
        .put_many(maps.cells.values().cloned())
        .unwrap();
    store
        .open_tree::<Chunk>()
        .put_many(maps.chunks.values().cloned())
        .unwrap();

    check_trees(&store, &case, &maps);
    {
        let read = store.read();
        let readers = Readers {
            users: &read.open_tree::<User>(),
            events: &read.open_tree::<Event>(),
            articles: &read.open_tree::<Article>(),
            cells: &read.open_tree::<Cell>(),
            chunks: &read.open_tree::<Chunk>(),
        };
        check_all(&case, &maps, readers);
    }
    {
        // A read-write view sees its own pending writes.
        let mut pending = maps.clone();
        let txn = store.write();
        let mut users = txn.open_tree::<User>();
        let mut events = txn.open_tree::<Event>();
        let mut articles = txn.open_tree::<Article>();
        let mut cells = txn.open_tree::<Cell>();
        let mut chunks = txn.open_tree::<Chunk>();
        apply_pending(&mut users, &mut pending.users, &case.users.pending);
        apply_pending(&mut events, &mut pending.events, &case.events.pending);
        apply_pending(&mut articles, &mut pending.articles, &case.articles.pending);
        apply_pending(&mut cells, &mut pending.cells, &case.cells.pending);
        apply_pending(&mut chunks, &mut pending.chunks, &case.chunks.pending);
        let readers = Readers {
            users: &users,
            events: &events,
            articles: &articles,
            cells: &cells,
            chunks: &chunks,
        };
        check_all(&case, &pending, readers);
        // Dropped without commit.
    }
    check_trees(&store, &case, &maps);
}

proptest! {
    #![proptest_config(config(256))]
    #[test]
    fn memory_ranges_agree_with_btreemap(case in case()) {
        run::<Memory>(case);
    }
}

proptest! {
    #![proptest_config(config(64))]
    #[test]
    fn sled_ranges_agree_with_btreemap(case in case()) {
        run::<Sled>(case);
    }

    #[test]
    fn redb_ranges_agree_with_btreemap(case in case()) {
        run::<Redb>(case);
    }
}

// ---- edge cases, on every backend ----

pub fn inverted_and_empty_ranges_yield_nothing<K: Backing>() {
    let (_dir, store) = fresh::<K>();
    let tree = store.open_tree::<User>();
    tree.put_many((0..10).map(|id| user(id, 0))).unwrap();
    let key = UserPrimaryKey;
    let empty: [Range<UserPrimaryKey>; 4] = [
        (Bound::Included(key(5)), Bound::Excluded(key(3))),
        (Bound::Included(key(5)), Bound::Included(key(3))),
        (Bound::Excluded(key(3)), Bound::Excluded(key(3))),
        (Bound::Included(key(3)), Bound::Excluded(key(3))),
    ];
    for range in &empty {
        assert_eq!(tree.range(range.clone()).count(), 0, "{range:?}");
        assert_eq!(
            store
                .read()
                .open_tree::<User>()
                .range(range.clone())
                .unwrap()
                .count(),
            0
        );
        assert_eq!(
            store
                .write()
                .open_tree::<User>()
                .range(range.clone())
                .unwrap()
                .count(),
            0
        );
    }
    assert_eq!(
        collect(tree.range(key(3)..=key(3))),
        vec![(key(3), user(3, 0))]
    );
    let inverted = age(3)..age(1);
    assert_eq!(
        tree.range_by_secondary_key(inverted.clone())
            .unwrap()
            .count(),
        0
    );
    assert_eq!(
        store
            .write()
            .open_tree::<User>()
            .range_by_secondary_key(inverted)
            .unwrap()
            .count(),
        0
    );
    assert_eq!(
        tree.range_by_secondary_key((Bound::Excluded(age(2)), Bound::Excluded(age(2))))
            .unwrap()
            .count(),
        0
    );
}

pub fn extreme_bounds_are_inclusive<K: Backing>() {
    let (_dir, store) = fresh::<K>();
    let events = store.open_tree::<Event>();
    for at in [i64::MIN, -1, 0, i64::MAX] {
        events
            .put(Event {
                at,
                payload: vec![],
            })
            .unwrap();
    }
    let keys = |iter: netabase_store::store_tree::TreeIter<_, Event, _>| -> Vec<i64> {
        collect(iter).into_iter().map(|(key, _)| key.0).collect()
    };
    assert_eq!(keys(events.range(..)), [i64::MIN, -1, 0, i64::MAX]);
    assert_eq!(
        keys(events.range(EventPrimaryKey(i64::MIN)..=EventPrimaryKey(-1))),
        [i64::MIN, -1]
    );
    assert_eq!(keys(events.range(EventPrimaryKey(0)..)), [0, i64::MAX]);
    assert_eq!(
        keys(events.range((Bound::Excluded(EventPrimaryKey(0)), Bound::Unbounded))),
        [i64::MAX]
    );

    // Secondary ranges up to the largest value of the last field of a model.
    let users = store.open_tree::<User>();
    users.put_many((0..4).map(|id| user(id, 0))).unwrap();
    let actives: Vec<bool> = collect(
        users
            .range_by_secondary_key(active(false)..=active(true))
            .unwrap(),
    )
    .into_iter()
    .map(|(_, u)| u.active)
    .collect();
    assert_eq!(actives, [false, false, true, true]);
    assert_eq!(
        collect(
            users
                .range_by_secondary_key((Bound::Excluded(active(true)), Bound::Unbounded))
                .unwrap()
        )
        .len(),
        0
    );
    assert_eq!(
        collect(users.range_by_secondary_key(..=active(true)).unwrap()).len(),
        4
    );
}

pub fn secondary_range_bounds_must_name_one_field<K: Backing>() {
    let (_dir, store) = fresh::<K>();
    let tree = store.open_tree::<User>();
    tree.put(user(1, 0)).unwrap();
    match tree.range_by_secondary_key(email("a")..age(3)) {
        Err(NetabaseError::SecondaryRangeFields { tree, start, end }) => {
            assert_eq!((tree, start, end), ("TestDefinition/User", "email", "age"));
        }
        other => panic!("expected SecondaryRangeFields, got {other:?}"),
    }
    assert!(matches!(
        tree.range_by_secondary_key(..),
        Err(NetabaseError::UnboundedSecondaryRange {
            tree: "TestDefinition/User"
        })
    ));
    let read = store.read();
    assert!(matches!(
        read.open_tree::<User>()
            .range_by_secondary_key(age(1)..=active(true)),
        Err(NetabaseError::SecondaryRangeFields { .. })
    ));
    let write = store.write();
    let mut view = write.open_tree::<User>();
    assert!(matches!(
        view.range_by_secondary_key((Bound::<UserSecondaryKeys>::Unbounded, Bound::Unbounded)),
        Err(NetabaseError::UnboundedSecondaryRange { .. })
    ));
    // A refused query does not poison the transaction.
    view.put(user(2, 0)).unwrap();
    write.commit().unwrap();
    assert_eq!(tree.len().unwrap(), 2);
}

/// A read-write view's iterators see writes made while they are open; a tree's iterator reads
/// the snapshot it started on (on backends with snapshots).
pub fn range_iterators_are_lazy<K: Backing>() {
    let (_dir, store) = fresh::<K>();
    let tree = store.open_tree::<User>();
    tree.put_many((0..6).map(|id| user(id, 0))).unwrap();
    let txn = store.write();
    let mut view = txn.open_tree::<User>();
    let mut iter = view.range(UserPrimaryKey(1)..UserPrimaryKey(5)).unwrap();
    assert_eq!(iter.next().unwrap().unwrap().0, UserPrimaryKey(1));
    let mut writer = txn.open_tree::<User>();
    writer.remove(UserPrimaryKey(2)).unwrap();
    writer.put(user(3, 1)).unwrap();
    let rest: Vec<_> = collect(iter);
    assert_eq!(
        rest,
        vec![
            (UserPrimaryKey(3), user(3, 1)),
            (UserPrimaryKey(4), user(4, 0))
        ]
    );
    view.put(user(9, 0)).unwrap();
    drop(txn);

    let iter = tree.range(UserPrimaryKey(0)..);
    tree.put(user(7, 0)).unwrap();
    if K::SNAPSHOT_READS {
        assert_eq!(iter.count(), 6);
    }
}

crate::conformance::backend_suite!(
    [
        inverted_and_empty_ranges_yield_nothing,
        extreme_bounds_are_inclusive,
        secondary_range_bounds_must_name_one_field,
        range_iterators_are_lazy,
    ]
    memory: Memory, sled: Sled, redb: Redb);
