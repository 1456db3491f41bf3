//! Change subscriptions: typed events for every committed write.
//!
//! Subscribe to one tree (`tree.subscribe()`, `tree.subscribe_range(..)`) or to the whole store
//! (`store.subscribe()`, `store.subscribe_models(..)`). Every committed write produces one event
//! per model it touched: [`ChangeKind::Put`] with the previous value when there was one, or
//! [`ChangeKind::Removed`] with the removed value. Events come from every write path (tree
//! calls, bulk calls, batches, transactions, and the DHT record store), only after the commit,
//! in commit order; a rolled-back or dropped transaction emits nothing.
//!
//! Channels are bounded ([`DEFAULT_CAPACITY`] events unless the backend was configured
//! otherwise). A subscriber that falls behind loses the oldest events and is told how many with
//! [`SubscriptionError::Lagged`]; memory never grows without bound. When nobody subscribes,
//! writes collect no events at all.
//!
//! Receiving: [`Subscription::recv`] (async), [`Subscription::try_recv`],
//! `Subscription::recv_blocking` (for threads outside an async runtime; not on wasm32), or
//! [`Subscription::into_stream`] for a `futures::Stream`.

use std::fmt;
use std::marker::PhantomData;
use std::ops::Bound;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::Mutex;
use tokio::sync::broadcast;
use tokio_stream::{Stream, StreamExt};

use crate::engine::WriteTxn;
use crate::error::{NetabaseError, Result};
use crate::traits::definition::{ModelTypeVisitor, NetabaseDefinitionTrait, model_discriminants};
use crate::traits::model::NetabaseModelTrait;
use crate::typed::{EncodedModel, decode_model};

/// Events buffered per store for slow subscribers, unless configured otherwise.
pub const DEFAULT_CAPACITY: usize = 1024;

/// One change to one model, as bytes, published after its commit.
#[derive(Debug)]
pub(crate) struct RawChange {
    commit: u64,
    tree: &'static str,
    key: Vec<u8>,
    old: Option<Vec<u8>>,
    new: Option<Vec<u8>>,
}

/// The publishing side of a store's subscriptions, shared by every handle on the store.
pub struct ChangeHub {
    sender: broadcast::Sender<Arc<RawChange>>,
    capacity: usize,
    /// Held from before a commit until its events are sent, so events leave in commit order.
    publishing: Mutex<()>,
    commits: AtomicU64,
}

impl fmt::Debug for ChangeHub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChangeHub")
            .field("subscribers", &self.sender.receiver_count())
            .finish_non_exhaustive()
    }
}

impl Default for ChangeHub {
    fn default() -> Self {
        Self::with_capacity(DEFAULT_CAPACITY)
    }
}

impl ChangeHub {
    /// A hub that buffers up to `capacity` events for each slow subscriber (at least 1).
    pub fn with_capacity(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        let (sender, _) = broadcast::channel(capacity);
        ChangeHub {
            sender,
            capacity,
            publishing: Mutex::new(()),
            commits: AtomicU64::new(0),
        }
    }

    pub(crate) fn subscribe(&self) -> broadcast::Receiver<Arc<RawChange>> {
        self.sender.subscribe()
    }
}

/// The changes one write transaction made, collected only while someone is subscribed, and
/// published once it has committed (see [`Backend::auto_commit`](crate::engine::Backend::auto_commit)).
#[derive(Debug)]
pub struct EventLog {
    active: bool,
    changes: Vec<RawChange>,
}

impl EventLog {
    /// A log that records only if `hub` has subscribers now.
    pub(crate) fn for_hub(hub: &ChangeHub) -> Self {
        EventLog {
            active: hub.sender.receiver_count() > 0,
            changes: Vec::new(),
        }
    }

    /// A log that never records (read-only transactions).
    pub(crate) fn inactive() -> Self {
        EventLog {
            active: false,
            changes: Vec::new(),
        }
    }

    /// Whether changes must be recorded (someone is subscribed).
    pub(crate) fn is_active(&self) -> bool {
        self.active
    }

    pub(crate) fn put(&mut self, tree: &'static str, model: &EncodedModel, old: Option<Vec<u8>>) {
        if self.active {
            self.changes.push(RawChange {
                commit: 0,
                tree,
                key: model.key().to_vec(),
                old,
                new: Some(model.value.clone()),
            });
        }
    }

    /// Records the removal of `key` (copied only when recording) and its value `old`.
    pub(crate) fn removed(&mut self, tree: &'static str, key: &[u8], old: Vec<u8>) {
        if self.active {
            self.changes.push(RawChange {
                commit: 0,
                tree,
                key: key.to_vec(),
                old: Some(old),
                new: None,
            });
        }
    }

    /// Forgets what was recorded, for a write that is run again after a rollback.
    #[cfg(feature = "sled")]
    pub(crate) fn clear(&mut self) {
        self.changes.clear();
    }

    /// Commits `txn` and then publishes the log, in commit order with other committers.
    pub(crate) fn commit<W: WriteTxn>(self, hub: &ChangeHub, txn: W) -> Result<()> {
        if self.changes.is_empty() {
            return txn.commit();
        }
        let _order = hub.publishing.lock();
        txn.commit()?;
        self.publish(hub);
        Ok(())
    }

    /// Runs `write`, which records into this log and commits, then publishes the log, in
    /// commit order with other committers. For engines whose commit is not a [`WriteTxn`]
    /// call; the caller holds the store's writer lock, which every writer takes before the
    /// hub's publishing lock.
    #[cfg(feature = "sled")]
    pub(crate) fn commit_with<R>(
        mut self,
        hub: &ChangeHub,
        write: impl FnOnce(&mut EventLog) -> Result<R>,
    ) -> Result<R> {
        let _order = self.active.then(|| hub.publishing.lock());
        let result = write(&mut self)?;
        self.publish(hub);
        Ok(result)
    }

    /// Sends the recorded changes as one commit; the caller holds the publishing lock.
    fn publish(self, hub: &ChangeHub) {
        if self.changes.is_empty() {
            return;
        }
        let commit = hub.commits.fetch_add(1, Ordering::Relaxed) + 1;
        for mut change in self.changes {
            change.commit = commit;
            // An error only means every subscriber has gone.
            let _ = hub.sender.send(Arc::new(change));
        }
    }
}

/// What happened to a model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeKind<T> {
    /// The model was inserted, or replaced `previous`.
    Put {
        /// The model as committed.
        model: T,
        /// The model it replaced, if any.
        previous: Option<T>,
    },
    /// The model was removed.
    Removed {
        /// The model as it was before removal.
        model: T,
    },
}

/// One committed change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeEvent<T> {
    /// Identifies the commit: events of one commit share it, and it grows with commit order.
    pub commit: u64,
    /// What happened.
    pub kind: ChangeKind<T>,
}

impl<T> ChangeEvent<T> {
    /// The model after the change (`Put`) or before it (`Removed`).
    pub fn model(&self) -> &T {
        match &self.kind {
            ChangeKind::Put { model, .. } | ChangeKind::Removed { model } => model,
        }
    }
}

/// Why no event was received.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SubscriptionError {
    /// The subscriber fell behind and the oldest `missed` events were dropped; receiving
    /// continues with the oldest event still buffered.
    #[error("the subscriber lagged behind and missed {missed} event(s)")]
    Lagged {
        /// How many events were lost.
        missed: u64,
    },
    /// The store was dropped; no more events will come.
    #[error("the store was closed")]
    Closed,
    /// An event's value could not be decoded (written by another program or version).
    #[error(transparent)]
    Decode(#[from] NetabaseError),
    /// `recv_blocking` was called on an async runtime thread, where blocking is not allowed.
    #[error("recv_blocking was called inside an async runtime; use recv().await")]
    BlockingInAsyncContext,
}

/// Which changes a subscription keeps, by tree and encoded key.
#[derive(Debug, Clone)]
struct Filter {
    trees: Option<Vec<&'static str>>,
    keys: (Bound<Vec<u8>>, Bound<Vec<u8>>),
}

impl Filter {
    fn matches(&self, change: &RawChange) -> bool {
        if let Some(trees) = &self.trees
            && !trees.contains(&change.tree)
        {
            return false;
        }
        let key = change.key.as_slice();
        let above = match &self.keys.0 {
            Bound::Included(lo) => key >= lo.as_slice(),
            Bound::Excluded(lo) => key > lo.as_slice(),
            Bound::Unbounded => true,
        };
        let below = match &self.keys.1 {
            Bound::Included(hi) => key <= hi.as_slice(),
            Bound::Excluded(hi) => key < hi.as_slice(),
            Bound::Unbounded => true,
        };
        above && below
    }
}

/// Turns a published change into a typed event.
trait Decoder<T>: Send + Sync + 'static {
    fn decode(&self, change: &RawChange) -> Result<ChangeEvent<T>>;
}

fn decode_event<T>(
    change: &RawChange,
    decode: impl Fn(&[u8]) -> Result<T>,
) -> Result<ChangeEvent<T>> {
    let kind = match (&change.new, &change.old) {
        (Some(new), old) => ChangeKind::Put {
            model: decode(new)?,
            previous: old.as_deref().map(&decode).transpose()?,
        },
        (None, Some(old)) => ChangeKind::Removed {
            model: decode(old)?,
        },
        (None, None) => {
            return Err(NetabaseError::Corrupt {
                tree: change.tree,
                reason: "a change event without values".into(),
            });
        }
    };
    Ok(ChangeEvent {
        commit: change.commit,
        kind,
    })
}

struct ModelDecoder<D, M>(PhantomData<fn() -> (D, M)>);

impl<D: NetabaseDefinitionTrait, M: NetabaseModelTrait<D>> Decoder<M> for ModelDecoder<D, M> {
    fn decode(&self, change: &RawChange) -> Result<ChangeEvent<M>> {
        decode_event(change, decode_model::<D, M>)
    }
}

/// Decodes changes of any model of `D` into the definition enum.
struct DefinitionDecoder<D: NetabaseDefinitionTrait> {
    trees: Vec<(&'static str, D::Discriminant)>,
}

struct DecodeAs<'a>(&'a [u8]);

impl<D: NetabaseDefinitionTrait> ModelTypeVisitor<D> for DecodeAs<'_> {
    type Output = Result<D>;

    fn visit<M: NetabaseModelTrait<D>>(self) -> Result<D> {
        decode_model::<D, M>(self.0).map(Into::into)
    }
}

struct PrimaryTree;

impl<D: NetabaseDefinitionTrait> ModelTypeVisitor<D> for PrimaryTree {
    type Output = &'static str;

    fn visit<M: NetabaseModelTrait<D>>(self) -> &'static str {
        M::TREE_NAMES.primary
    }
}

impl<D: NetabaseDefinitionTrait> DefinitionDecoder<D> {
    fn new(models: &[D::Discriminant]) -> Self {
        DefinitionDecoder {
            trees: models
                .iter()
                .map(|&model| (D::visit_model_type(model, PrimaryTree), model))
                .collect(),
        }
    }
}

impl<D: NetabaseDefinitionTrait> Decoder<D> for DefinitionDecoder<D> {
    fn decode(&self, change: &RawChange) -> Result<ChangeEvent<D>> {
        let Some(&(_, model)) = self.trees.iter().find(|(tree, _)| *tree == change.tree) else {
            return Err(NetabaseError::Corrupt {
                tree: change.tree,
                reason: "a change event for a tree outside the definition".into(),
            });
        };
        decode_event(change, |bytes| D::visit_model_type(model, DecodeAs(bytes)))
    }
}

/// A stream of typed change events. See the [module documentation](self).
pub struct Subscription<T> {
    receiver: broadcast::Receiver<Arc<RawChange>>,
    capacity: usize,
    filter: Filter,
    decoder: Arc<dyn Decoder<T>>,
}

impl<T> fmt::Debug for Subscription<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscription")
            .field("filter", &self.filter)
            .field("pending", &self.receiver.len())
            .finish()
    }
}

fn lagged(missed: u64) -> SubscriptionError {
    tracing::debug!(missed, "subscriber lagged; oldest events dropped");
    SubscriptionError::Lagged { missed }
}

impl<T: 'static> Subscription<T> {
    fn new(hub: &ChangeHub, filter: Filter, decoder: Arc<dyn Decoder<T>>) -> Self {
        Subscription {
            receiver: hub.subscribe(),
            capacity: hub.capacity,
            filter,
            decoder,
        }
    }

    /// Waits for the next event.
    ///
    /// # Errors
    /// [`SubscriptionError::Lagged`] once after events were dropped (the next call continues),
    /// [`SubscriptionError::Closed`] when the store is gone, [`SubscriptionError::Decode`] for
    /// an event whose value cannot be decoded.
    pub async fn recv(&mut self) -> Result<ChangeEvent<T>, SubscriptionError> {
        loop {
            match self.receiver.recv().await {
                Ok(change) if self.filter.matches(&change) => {
                    return self.decoder.decode(&change).map_err(Into::into);
                }
                Ok(_) => {}
                Err(broadcast::error::RecvError::Lagged(missed)) => return Err(lagged(missed)),
                Err(broadcast::error::RecvError::Closed) => return Err(SubscriptionError::Closed),
            }
        }
    }

    /// The next event if one is buffered, without waiting.
    ///
    /// # Errors
    /// As [`Subscription::recv`].
    pub fn try_recv(&mut self) -> Result<Option<ChangeEvent<T>>, SubscriptionError> {
        loop {
            match self.receiver.try_recv() {
                Ok(change) if self.filter.matches(&change) => {
                    return self.decoder.decode(&change).map(Some).map_err(Into::into);
                }
                Ok(_) => {}
                Err(broadcast::error::TryRecvError::Empty) => return Ok(None),
                Err(broadcast::error::TryRecvError::Lagged(missed)) => return Err(lagged(missed)),
                Err(broadcast::error::TryRecvError::Closed) => {
                    return Err(SubscriptionError::Closed);
                }
            }
        }
    }

    /// Blocks the thread until the next event. For threads outside an async runtime. Not on
    /// wasm32, where there is no thread to block: use [`Subscription::recv`] there.
    ///
    /// # Errors
    /// As [`Subscription::recv`], and [`SubscriptionError::BlockingInAsyncContext`] when called
    /// on a thread that runs an async runtime (blocking it could deadlock the runtime).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn recv_blocking(&mut self) -> Result<ChangeEvent<T>, SubscriptionError> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(SubscriptionError::BlockingInAsyncContext);
        }
        loop {
            match self.receiver.blocking_recv() {
                Ok(change) if self.filter.matches(&change) => {
                    return self.decoder.decode(&change).map_err(Into::into);
                }
                Ok(_) => {}
                Err(broadcast::error::RecvError::Lagged(missed)) => return Err(lagged(missed)),
                Err(broadcast::error::RecvError::Closed) => return Err(SubscriptionError::Closed),
            }
        }
    }

    /// How many published events are buffered for this subscriber, including events its
    /// filter will skip. Never more than the capacity: older events are already dropped and
    /// will be reported as a lag.
    pub fn pending(&self) -> usize {
        self.receiver.len().min(self.capacity)
    }

    /// A `futures::Stream` of the events. A lag appears as one `Err(Lagged)` item; the stream
    /// ends when the store is dropped.
    pub fn into_stream(self) -> impl Stream<Item = Result<ChangeEvent<T>, SubscriptionError>>
    where
        T: Send,
    {
        let Subscription {
            receiver,
            filter,
            decoder,
            ..
        } = self;
        tokio_stream::wrappers::BroadcastStream::new(receiver).filter_map(move |item| match item {
            Ok(change) if filter.matches(&change) => {
                Some(decoder.decode(&change).map_err(Into::into))
            }
            Ok(_) => None,
            Err(tokio_stream::wrappers::errors::BroadcastStreamRecvError::Lagged(missed)) => {
                Some(Err(lagged(missed)))
            }
        })
    }
}

/// Subscribes to the changes of model `M`, optionally only those whose encoded primary key lies
/// within `keys`.
pub(crate) fn subscribe_tree<D, M>(
    hub: &ChangeHub,
    keys: (Bound<Vec<u8>>, Bound<Vec<u8>>),
) -> Subscription<M>
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
{
    let filter = Filter {
        trees: Some(vec![M::TREE_NAMES.primary]),
        keys,
    };
    Subscription::new(hub, filter, Arc::new(ModelDecoder::<D, M>(PhantomData)))
}

/// Subscribes to the changes of the given models of `D` (all models when `models` is `None`).
pub(crate) fn subscribe_store<D: NetabaseDefinitionTrait>(
    hub: &ChangeHub,
    models: Option<&[D::Discriminant]>,
) -> Subscription<D> {
    let decoder = DefinitionDecoder::<D>::new(models.unwrap_or(model_discriminants::<D>()));
    let filter = Filter {
        trees: models.map(|_| decoder.trees.iter().map(|(tree, _)| *tree).collect()),
        keys: (Bound::Unbounded, Bound::Unbounded),
    };
    Subscription::new(hub, filter, Arc::new(decoder))
}
