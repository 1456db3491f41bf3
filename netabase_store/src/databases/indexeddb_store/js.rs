//! The IndexedDB side of the backend: bytes as JavaScript values, key ranges, requests and
//! transactions, and their errors as [`NetabaseError`]s.

use std::future::IntoFuture;
use std::ops::Bound;

use idb::{Database, KeyRange, ObjectStore, Query, TransactionMode, TransactionResult};
use js_sys::{ArrayBuffer, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{IdbRequest, IdbTransaction};

use crate::engine::{OwnedKeyBounds, borrow_bounds, is_empty_range};
use crate::error::{NetabaseError, Result};

/// An engine error: IndexedDB's message (JavaScript errors are not `Send`, so only their text
/// is kept).
pub(super) fn storage(operation: &'static str, error: impl std::fmt::Display) -> NetabaseError {
    NetabaseError::storage(operation, error.to_string())
}

/// A byte string as a JavaScript value: a copied `Uint8Array`, which IndexedDB stores as a
/// value and, as a key, turns into a binary key (compared bytewise, unsigned).
pub(super) fn to_js(bytes: &[u8]) -> JsValue {
    Uint8Array::from(bytes).into()
}

/// The bytes of a stored binary key (an `ArrayBuffer`) or byte value (a `Uint8Array`); `None`
/// for any other JavaScript value, which this store never writes.
pub(super) fn to_bytes(value: &JsValue) -> Option<Vec<u8>> {
    if let Some(buffer) = value.dyn_ref::<ArrayBuffer>() {
        Some(Uint8Array::new(buffer).to_vec())
    } else {
        value.dyn_ref::<Uint8Array>().map(Uint8Array::to_vec)
    }
}

/// [`to_bytes`] of a value read from tree `tree`, or the error that names it.
pub(super) fn stored_bytes(value: &JsValue, tree: &'static str, what: &str) -> Result<Vec<u8>> {
    to_bytes(value).ok_or_else(|| NetabaseError::Corrupt {
        tree,
        reason: format!("a stored {what} is not a byte string (written by another program?)"),
    })
}

/// The IndexedDB query selecting the keys within `bounds`: `Ok(None)` for every key, and
/// `Err(Empty)` for bounds that select nothing (IndexedDB refuses to build such a range).
fn query(bounds: &OwnedKeyBounds) -> Result<Option<Query>, EmptyOr<idb::Error>> {
    if is_empty_range(borrow_bounds(bounds)) {
        return Err(EmptyOr::Empty);
    }
    let open = |bound: &Bound<Vec<u8>>| Some(matches!(bound, Bound::Excluded(_)));
    let range = match bounds {
        (Bound::Unbounded, Bound::Unbounded) => return Ok(None),
        (Bound::Included(lo) | Bound::Excluded(lo), Bound::Unbounded) => {
            KeyRange::lower_bound(&to_js(lo), open(&bounds.0))
        }
        (Bound::Unbounded, Bound::Included(hi) | Bound::Excluded(hi)) => {
            KeyRange::upper_bound(&to_js(hi), open(&bounds.1))
        }
        (Bound::Included(lo) | Bound::Excluded(lo), Bound::Included(hi) | Bound::Excluded(hi)) => {
            KeyRange::bound(&to_js(lo), &to_js(hi), open(&bounds.0), open(&bounds.1))
        }
    };
    range
        .map(|range| Some(Query::KeyRange(range)))
        .map_err(EmptyOr::Error)
}

enum EmptyOr<E> {
    Empty,
    Error(E),
}

/// Awaits an IndexedDB request. If the returned future is dropped before the request
/// settles, the request's event handlers are detached first: its event then finds no handler
/// instead of calling a dropped closure (which would throw inside the browser's event
/// dispatch).
async fn settle<R, T>(request: R) -> Result<T, idb::Error>
where
    R: IntoFuture<Output = Result<T, idb::Error>> + Into<IdbRequest> + From<IdbRequest>,
{
    struct Detach(IdbRequest);
    impl Drop for Detach {
        fn drop(&mut self) {
            self.0.set_onsuccess(None);
            self.0.set_onerror(None);
        }
    }
    let raw: IdbRequest = request.into();
    let _detach = Detach(raw.clone());
    R::from(raw).await
}

/// The keys of `store` within `bounds`, in key order, at most `limit` of them.
pub(super) async fn keys_in(
    store: &ObjectStore,
    bounds: &OwnedKeyBounds,
    limit: Option<u32>,
) -> Result<Vec<JsValue>> {
    const OPERATION: &str = "IndexedDB key scan";
    let query = match query(bounds) {
        Ok(query) => query,
        Err(EmptyOr::Empty) => return Ok(Vec::new()),
        Err(EmptyOr::Error(err)) => return Err(storage(OPERATION, err)),
    };
    let request = store
        .get_all_keys(query, limit)
        .map_err(|err| storage(OPERATION, err))?;
    settle(request).await.map_err(|err| storage(OPERATION, err))
}

/// Every value of `store`, in key order.
pub(super) async fn all_values(store: &ObjectStore) -> Result<Vec<JsValue>> {
    const OPERATION: &str = "IndexedDB value scan";
    let request = store
        .get_all(None, None)
        .map_err(|err| storage(OPERATION, err))?;
    settle(request).await.map_err(|err| storage(OPERATION, err))
}

/// The value stored under `key`.
pub(super) async fn get(store: &ObjectStore, key: &[u8]) -> Result<Option<JsValue>> {
    const OPERATION: &str = "IndexedDB get";
    let request = store
        .get(Query::Key(to_js(key)))
        .map_err(|err| storage(OPERATION, err))?;
    settle(request).await.map_err(|err| storage(OPERATION, err))
}

/// The number of entries of `store`.
pub(super) async fn count(store: &ObjectStore) -> Result<u64> {
    const OPERATION: &str = "IndexedDB count";
    let request = store.count(None).map_err(|err| storage(OPERATION, err))?;
    let count = settle(request)
        .await
        .map_err(|err| storage(OPERATION, err))?;
    Ok(u64::from(count))
}

/// Queues a put of `value` under `key`. Requests of one transaction run in order, so later
/// reads see it; a failure aborts the transaction, which [`Txn::commit`] reports.
pub(super) fn put(store: &ObjectStore, key: &[u8], value: &[u8]) -> Result<()> {
    store
        .put(&to_js(value), Some(&to_js(key)))
        .map(drop)
        .map_err(|err| storage("IndexedDB put", err))
}

/// Queues the deletion of `key` (see [`put`]).
pub(super) fn delete(store: &ObjectStore, key: &[u8]) -> Result<()> {
    store
        .delete(Query::Key(to_js(key)))
        .map(drop)
        .map_err(|err| storage("IndexedDB delete", err))
}

/// Queues the deletion of every entry of `store` (see [`put`]).
pub(super) fn clear(store: &ObjectStore) -> Result<()> {
    store
        .clear()
        .map(drop)
        .map_err(|err| storage("IndexedDB clear", err))
}

/// A transaction over some object stores. A read-write transaction that is dropped before
/// [`Txn::commit`] (an error part way, or a cancelled future) is aborted, so none of its writes
/// happen: IndexedDB would otherwise commit whatever was queued when its requests run out.
pub(super) struct Txn {
    raw: IdbTransaction,
    write: bool,
    finished: bool,
}

impl Txn {
    /// Begins a transaction over `stores` and opens them, in the order given.
    pub(super) fn begin(
        db: &Database,
        stores: &[&'static str],
        mode: TransactionMode,
    ) -> Result<(Txn, Vec<ObjectStore>)> {
        const OPERATION: &str = "begin an IndexedDB transaction";
        let txn = db
            .transaction(stores, mode)
            .map_err(|err| storage(OPERATION, err))?;
        let opened = stores
            .iter()
            .map(|name| txn.object_store(name))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|err| storage(OPERATION, err))?;
        let txn = Txn {
            raw: txn.into(),
            write: mode == TransactionMode::ReadWrite,
            finished: false,
        };
        Ok((txn, opened))
    }

    /// Waits until every queued request has run and the transaction has committed.
    ///
    /// # Errors
    /// When a request failed or the browser aborted the transaction; then nothing of it was
    /// written.
    pub(super) async fn commit(mut self) -> Result<()> {
        const OPERATION: &str = "commit an IndexedDB transaction";
        /// Detaches the transaction's handlers when the commit ends or is dropped, so that a
        /// late event (an `abort` after an `error`) does not call a dropped closure.
        struct Detach(IdbTransaction);
        impl Drop for Detach {
            fn drop(&mut self) {
                self.0.set_onabort(None);
                self.0.set_oncomplete(None);
                self.0.set_onerror(None);
            }
        }
        self.finished = true;
        let _detach = Detach(self.raw.clone());
        match idb::Transaction::from(self.raw.clone()).await {
            Ok(TransactionResult::Committed) => Ok(()),
            Ok(TransactionResult::Aborted) => Err(storage(
                OPERATION,
                match self.raw.error() {
                    Some(error) => format!("aborted: {}: {}", error.name(), error.message()),
                    None => "aborted".to_owned(),
                },
            )),
            Err(err) => Err(storage(OPERATION, err)),
        }
    }
}

impl Drop for Txn {
    fn drop(&mut self) {
        if self.write && !self.finished {
            // Fails only when the transaction already ended (aborted by a failed request).
            if let Err(err) = self.raw.abort() {
                tracing::debug!(error = ?err, "aborting an IndexedDB transaction failed");
            }
        }
    }
}
