//! Auto-commit writes on sled: the direct path, and its fallback to the overlay.

use std::cell::Cell;

use super::SledStore;
use crate::engine::{Backend, RawTable, RawTableMut, WriteTxn};
use crate::error::NetabaseError;

const TABLE: &str = "t";

fn store() -> SledStore<()> {
    SledStore::temp().expect("a temporary sled database")
}

fn keys(store: &SledStore<()>) -> Vec<Vec<u8>> {
    let tree = store.db().open_tree(TABLE).expect("opens");
    tree.iter()
        .keys()
        .map(|key| key.expect("reads").to_vec())
        .collect()
}

/// The key a write's `attempt`-th run writes.
fn attempt_key(attempt: u32) -> Vec<u8> {
    format!("attempt {attempt}").into_bytes()
}

#[test]
fn work_on_named_tables_writes_directly_and_runs_once() {
    let store = store();
    let attempts = Cell::new(0);
    store
        .auto_commit(&[TABLE], |txn, _log| {
            attempts.set(attempts.get() + 1);
            assert!(txn.is_direct());
            let mut table = txn.open_table(TABLE)?;
            table.set(b"k", b"v")?;
            assert_eq!(table.get(b"k")?.as_deref(), Some(&b"v"[..]));
            Ok(())
        })
        .expect("commits");
    assert_eq!(attempts.get(), 1);
    assert_eq!(keys(&store), [b"k".to_vec()]);
}

#[test]
fn work_that_iterates_is_rolled_back_and_runs_again_on_the_overlay() {
    let store = store();
    let attempts = Cell::new(0);
    let len = store
        .auto_commit(&[TABLE], |txn, _log| {
            attempts.set(attempts.get() + 1);
            let mut table = txn.open_table(TABLE)?;
            table.set(&attempt_key(attempts.get()), b"v")?;
            table.len()
        })
        .expect("commits");
    assert_eq!(attempts.get(), 2);
    // The second run saw only its own write: the first one's was rolled back.
    assert_eq!(len, 1);
    assert_eq!(keys(&store), [attempt_key(2)]);
}

#[test]
fn a_refusal_the_work_ignores_still_rolls_the_attempt_back() {
    let store = store();
    let attempts = Cell::new(0);
    store
        .auto_commit(&[TABLE], |txn, _log| {
            attempts.set(attempts.get() + 1);
            let mut table = txn.open_table(TABLE)?;
            table.set(&attempt_key(attempts.get()), b"v")?;
            // Work that goes on after a refused call has not done what it meant to.
            let _ = table.len();
            Ok(())
        })
        .expect("commits");
    assert_eq!(attempts.get(), 2);
    assert_eq!(keys(&store), [attempt_key(2)]);
}

#[test]
fn opening_a_table_that_was_not_named_runs_again_on_the_overlay() {
    let store = store();
    let attempts = Cell::new(0);
    store
        .auto_commit(&[TABLE], |txn, _log| {
            attempts.set(attempts.get() + 1);
            txn.open_table(TABLE)?
                .set(&attempt_key(attempts.get()), b"v")?;
            txn.open_table("other")?.set(b"k", b"v")?;
            Ok(())
        })
        .expect("commits");
    assert_eq!(attempts.get(), 2);
    assert_eq!(keys(&store), [attempt_key(2)]);
    let other = store.db().open_tree("other").expect("opens");
    assert_eq!(other.len(), 1);
}

#[test]
fn an_error_of_the_work_writes_nothing_and_is_returned() {
    let store = store();
    let attempts = Cell::new(0);
    let result: crate::error::Result<()> = store.auto_commit(&[TABLE], |txn, _log| {
        attempts.set(attempts.get() + 1);
        txn.open_table(TABLE)?.set(b"k", b"v")?;
        Err(NetabaseError::storage("testing", "the work fails"))
    });
    match result {
        Err(NetabaseError::Storage { operation, .. }) => assert_eq!(operation, "testing"),
        other => panic!("expected the work's error, got {other:?}"),
    }
    assert_eq!(attempts.get(), 1);
    assert!(keys(&store).is_empty());
}

#[test]
fn only_the_attempt_that_commits_is_published() {
    let store = store();
    let mut changes = store.changes().subscribe();
    let attempts = Cell::new(0);
    store
        .auto_commit(&[TABLE], |txn, log| {
            attempts.set(attempts.get() + 1);
            let mut table = txn.open_table(TABLE)?;
            let key = attempt_key(attempts.get());
            table.set(&key, b"v")?;
            log.removed(TABLE, &key, b"old".to_vec());
            table.len()
        })
        .expect("commits");
    assert_eq!(attempts.get(), 2);
    assert!(changes.try_recv().is_ok(), "the committed attempt's change");
    assert!(
        changes.try_recv().is_err(),
        "nothing from the rolled-back attempt"
    );
}
