//! The store as libp2p's Kademlia record store (feature `libp2p`, alias `record-store`).
//!
//! [`NetabaseRecordStore`] is a cheap cloneable handle on the same database the application
//! opens trees on. A record received from a peer is a typed model: it is written into the
//! model's tree (with its secondary index, and reported to subscribers), so the application can
//! `get` it, query it by secondary key, iterate and subscribe to it.
//!
//! # Layout
//! Models live in their trees as always. The DHT state is kept in four tables, shared by every
//! definition in the file and partitioned by definition through their keys:
//!
//! | table | key | value |
//! |---|---|---|
//! | `__netabase/kad/records` | the record key (`/netabase/<Def>/<Model>/<pk>`) | publisher, expiry |
//! | `__netabase/kad/providers` | `encode_key((definition, record key))` ‖ provider peer id | expiry, addresses |
//! | `__netabase/kad/provided` | `encode_key((definition, record key))` | this node's provider record |
//! | `__netabase/kad/counters` | definition ‖ counter name | record and provider-key counts |
//!
//! Only models put through the record store (published, or received from peers) have an entry
//! in `records`; [`RecordStore::records`] walks that table, so local-only models written with
//! the tree API are never replicated. [`RecordStore::remove`] (kad calls it when a record
//! expires) removes the DHT record, not the model: the data stays in the application's tree.
//!
//! # Expiry
//! kad gives expiry as an [`Instant`], which means nothing after a restart. It is stored as
//! wall-clock milliseconds since the Unix epoch and converted back to an `Instant` on read
//! (`now + (expiry − wall-clock now)`), so records and providers expire across restarts as they
//! would have in one run. An expired record is not returned by `get`.
//!
//! # Errors and rejections
//! `put` accepts a record only if its value is at most `max_value_bytes`, its key is a key of
//! this definition, its value is an envelope of the same model, the model bytes decode, the
//! key is that model's key, and the model does not take a unique secondary-key value another
//! model holds. Otherwise the store is unchanged, the reason is logged (`warn`), sent
//! to every [`NetabaseRecordStore::events`] receiver, and kad gets an error.
//!
//! kad's error type has three variants and none means "invalid" or "I/O failure", so:
//! * a too-large value → [`Error::ValueTooLarge`]; an invalid record → `ValueTooLarge` as well
//!   (the value cannot be stored), with the real reason in the log and the rejection;
//! * the record limit → [`Error::MaxRecords`]; the provided-keys limit → [`Error::MaxProvidedKeys`];
//! * an engine failure → `MaxRecords` (records) or `MaxProvidedKeys` (providers), always with an
//!   `error`-level log line giving the real cause. A full store is never reported silently.
//!
//! `get` never panics on bytes written by another version: undecodable data gives `None` and a
//! log line. Providers beyond `max_providers_per_key` for one key are ignored (as kad's own
//! `MemoryStore` does), but an existing provider is always refreshed.

mod format;

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::ops::Bound;
use std::time::Duration;

// kad's clock: std's natively, the browser's on wasm32.
use web_time::{Instant, SystemTime, UNIX_EPOCH};

use libp2p::kad::store::{Error, RecordStore};
use libp2p::kad::{ProviderRecord, Record, RecordKey};
use libp2p::{Multiaddr, PeerId};
use tokio::sync::broadcast;

pub use format::{
    ENVELOPE_VERSION, KEY_NAMESPACE, RecordError, decode_record, keys_record_key, model_record,
    model_record_key, record_key,
};

use crate::codec::{self, HexBytes, encode_key, prefix_successor};
use crate::engine::{Backend, RawTable, RawTableMut, ReadTxn, SnapshotTable, WriteTxn};
use crate::error::{NetabaseError, Result};
use crate::store::NetabaseStore;
use crate::subscription::EventLog;
use crate::traits::definition::{ModelTypeVisitor, ModelVisitor, NetabaseDefinitionTrait};
use crate::traits::model::NetabaseModelTrait;
use crate::typed::{EncodedModel, ModelTables, WriteOp};
use format::{DecodeStored, definition_prefix, envelope, parse_key, validate};

const RECORDS: &str = "__netabase/kad/records";
const PROVIDERS: &str = "__netabase/kad/providers";
const PROVIDED: &str = "__netabase/kad/provided";
const COUNTERS: &str = "__netabase/kad/counters";

/// Limits of a [`NetabaseRecordStore`], enforced with kad's matching errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordStoreConfig {
    /// The most DHT records kept (default 1,048,576: a persistent store is meant to hold
    /// many more than kad's in-memory default of 1,024).
    pub max_records: usize,
    /// The largest record value accepted (default 14 KiB, so a record with its key and framing
    /// fits kad's default 16 KiB message; raise both together).
    pub max_value_bytes: usize,
    /// The most providers kept per key (default 20, kad's replication factor).
    pub max_providers_per_key: usize,
    /// The most distinct keys with provider records (default 65,536).
    pub max_provided_keys: usize,
}

impl Default for RecordStoreConfig {
    fn default() -> Self {
        RecordStoreConfig {
            max_records: 1 << 20,
            max_value_bytes: 14 * 1024,
            max_providers_per_key: 20,
            max_provided_keys: 1 << 16,
        }
    }
}

/// What a `put` of the record store did, for whoever drives it (the network crate turns these
/// into node events).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum RecordStoreEvent {
    /// A record was validated and stored (its model written to its tree).
    Stored {
        /// The record's key.
        key: RecordKey,
        /// Who published it, when kad knows.
        publisher: Option<PeerId>,
    },
    /// A record was refused; the store is unchanged.
    Rejected(RecordRejection),
}

/// A record `put` refused, with the reason.
#[derive(Debug, Clone)]
pub struct RecordRejection {
    /// The record's key.
    pub key: RecordKey,
    /// Who published it, when kad knows.
    pub publisher: Option<PeerId>,
    /// Why it was refused.
    pub reason: RecordError,
}

/// How many events a slow receiver may fall behind.
const EVENT_BUFFER: usize = 1024;

/// The Kademlia record store over a netabase backend. See the [module documentation](self).
pub struct NetabaseRecordStore<D, B> {
    backend: B,
    local: PeerId,
    config: RecordStoreConfig,
    events: broadcast::Sender<RecordStoreEvent>,
    _definition: PhantomData<fn() -> D>,
}

impl<D, B: Clone> Clone for NetabaseRecordStore<D, B> {
    fn clone(&self) -> Self {
        NetabaseRecordStore {
            backend: self.backend.clone(),
            local: self.local,
            config: self.config.clone(),
            events: self.events.clone(),
            _definition: PhantomData,
        }
    }
}

impl<D, B> fmt::Debug for NetabaseRecordStore<D, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NetabaseRecordStore")
            .field("local", &self.local)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl<D, B> NetabaseStore<D, B>
where
    D: NetabaseDefinitionTrait,
    B: Backend + Clone,
{
    /// A Kademlia record store on this store's database, for the node `local` (whose provider
    /// records [`RecordStore::provided`] returns), with default limits.
    pub fn record_store(&self, local: PeerId) -> NetabaseRecordStore<D, B> {
        NetabaseRecordStore::with_config(
            self.backend().clone(),
            local,
            RecordStoreConfig::default(),
        )
    }
}

/// What a write to the DHT tables failed on.
enum WriteFailure {
    Limit(Error),
    Rejected(RecordError),
    Engine(NetabaseError),
}

impl From<NetabaseError> for WriteFailure {
    fn from(err: NetabaseError) -> Self {
        WriteFailure::Engine(err)
    }
}

impl<D, B> NetabaseRecordStore<D, B>
where
    D: NetabaseDefinitionTrait,
    B: Backend,
{
    /// A record store on `backend` for the node `local`, with the given limits.
    pub fn with_config(backend: B, local: PeerId, config: RecordStoreConfig) -> Self {
        NetabaseRecordStore {
            backend,
            local,
            config,
            events: broadcast::channel(EVENT_BUFFER).0,
            _definition: PhantomData,
        }
    }

    /// The limits in force.
    pub fn config(&self) -> &RecordStoreConfig {
        &self.config
    }

    /// The node whose provider records are "provided".
    pub fn local_peer(&self) -> PeerId {
        self.local
    }

    /// The typed store on the same database.
    pub fn store(&self) -> NetabaseStore<D, B>
    where
        B: Clone,
    {
        NetabaseStore::from_backend(self.backend.clone())
    }

    /// Receives what every `put` does from now on: each stored record and each rejection with
    /// its reason (bounded: a receiver that falls 1,024 events behind gets `RecvError::Lagged`).
    pub fn events(&self) -> broadcast::Receiver<RecordStoreEvent> {
        self.events.subscribe()
    }

    fn reject(&self, record: &Record, reason: RecordError) {
        tracing::warn!(
            key = %HexBytes(record.key.as_ref()),
            publisher = ?record.publisher,
            %reason,
            "rejected a DHT record"
        );
        // An error only means nobody is listening.
        let _ = self
            .events
            .send(RecordStoreEvent::Rejected(RecordRejection {
                key: record.key.clone(),
                publisher: record.publisher,
                reason,
            }));
    }

    fn counter_key(name: &str) -> Vec<u8> {
        let mut key = D::NAME.as_bytes().to_vec();
        key.push(0);
        key.extend_from_slice(name.as_bytes());
        key
    }

    fn write_record(&self, record: &Record, model: D) -> Result<(), WriteFailure> {
        let hub = self.backend.changes();
        let mut log = EventLog::for_hub(hub);
        let txn = self.backend.begin_write()?;
        {
            let mut records = txn.open_table(RECORDS)?;
            let key = record.key.as_ref();
            // The count is read, checked and raised only for a key not stored yet.
            let new_count = if records.get(key)?.is_none() {
                let counters = txn.open_table(COUNTERS)?;
                let count_key = Self::counter_key("records");
                let count = read_counter(&counters, &count_key)?;
                if count >= self.config.max_records as u64 {
                    return Err(WriteFailure::Limit(Error::MaxRecords));
                }
                Some((counters, count_key, count + 1))
            } else {
                None
            };
            let written = model.accept(PutModel {
                txn: &txn,
                log: &mut log,
            });
            match written {
                Ok(()) => {}
                Err(NetabaseError::UniqueViolation { tree, field, .. }) => {
                    return Err(WriteFailure::Rejected(RecordError::UniqueConflict {
                        tree,
                        field,
                    }));
                }
                Err(err) => return Err(err.into()),
            }
            let meta = RecordMeta {
                publisher: record.publisher.map(|peer| peer.to_bytes()),
                expires_ms: record.expires.map(to_wall_clock),
            };
            records.insert(key, &encode_meta(&meta)?)?;
            if let Some((mut counters, count_key, count)) = new_count {
                write_counter(&mut counters, &count_key, count)?;
            }
        }
        log.commit(hub, txn)?;
        Ok(())
    }

    /// Whether `key` is a record key of `D`; a key that is not is logged (`operation` names the
    /// call) and the call does nothing.
    fn holds(key: &RecordKey, operation: &str) -> bool {
        match parse_key::<D>(key.as_ref()) {
            Ok(_) => true,
            Err(reason) => {
                tracing::debug!(key = %HexBytes(key.as_ref()), %reason, operation, "a key this store cannot hold");
                false
            }
        }
    }

    fn read_record(&self, key: &RecordKey) -> Result<Option<Record>> {
        if !Self::holds(key, "get") {
            return Ok(None);
        }
        let txn = self.backend.begin_read()?;
        let records = txn.open_table(RECORDS)?;
        let Some(meta) = records.get(key.as_ref())? else {
            return Ok(None);
        };
        let record = load_record::<D, _>(&txn, key.as_ref(), &meta)?;
        Ok(record.filter(|record| !record.is_expired(Instant::now())))
    }

    fn remove_record(&self, key: &RecordKey) -> Result<()> {
        if !Self::holds(key, "remove") {
            return Ok(());
        }
        let txn = self.backend.begin_write()?;
        {
            let mut records = txn.open_table(RECORDS)?;
            if records.remove(key.as_ref())?.is_some() {
                let mut counters = txn.open_table(COUNTERS)?;
                let count_key = Self::counter_key("records");
                let count = read_counter(&counters, &count_key)?;
                write_counter(&mut counters, &count_key, count.saturating_sub(1))?;
            }
        }
        txn.commit()
    }

    fn provider_prefix(key: &RecordKey) -> Vec<u8> {
        encode_key(&(D::NAME.as_bytes().to_vec(), key.to_vec()))
    }

    fn write_provider(&self, provider: &ProviderRecord) -> Result<(), WriteFailure> {
        let prefix = Self::provider_prefix(&provider.key);
        let mut entry = prefix.clone();
        entry.extend_from_slice(&provider.provider.to_bytes());
        let meta = encode_provider(provider)?;
        let txn = self.backend.begin_write()?;
        {
            let mut providers = txn.open_table(PROVIDERS)?;
            if providers.get(&entry)?.is_none() {
                let existing =
                    count_prefix(&providers, &prefix, self.config.max_providers_per_key)?;
                if existing >= self.config.max_providers_per_key {
                    tracing::debug!(
                        key = %HexBytes(provider.key.as_ref()),
                        provider = %provider.provider,
                        "provider ignored: the key already has the most providers kept"
                    );
                    return Ok(());
                }
                if existing == 0 {
                    let mut counters = txn.open_table(COUNTERS)?;
                    let count_key = Self::counter_key("provider-keys");
                    let keys = read_counter(&counters, &count_key)?;
                    if keys >= self.config.max_provided_keys as u64 {
                        return Err(WriteFailure::Limit(Error::MaxProvidedKeys));
                    }
                    write_counter(&mut counters, &count_key, keys + 1)?;
                }
            }
            providers.insert(&entry, &meta)?;
            if provider.provider == self.local {
                txn.open_table(PROVIDED)?.insert(&prefix, &meta)?;
            }
        }
        txn.commit()?;
        Ok(())
    }

    fn read_providers(&self, key: &RecordKey) -> Result<Vec<ProviderRecord>> {
        let prefix = Self::provider_prefix(key);
        let end = prefix_successor(&prefix);
        let txn = self.backend.begin_read()?;
        let providers = txn.open_table(PROVIDERS)?;
        let now = Instant::now();
        let mut found = Vec::new();
        for entry in providers.range(prefix_bounds(&prefix, end.as_deref()))? {
            let (entry, meta) = entry?;
            match decode_provider(key.clone(), &entry[prefix.len()..], &meta) {
                Ok(record) if !record.is_expired(now) => found.push(record),
                Ok(_) => {}
                Err(err) => {
                    tracing::warn!(key = %HexBytes(key.as_ref()), error = %err, "skipping an unreadable provider record")
                }
            }
        }
        Ok(found)
    }

    fn delete_provider(&self, key: &RecordKey, provider: &PeerId) -> Result<()> {
        let prefix = Self::provider_prefix(key);
        let mut entry = prefix.clone();
        entry.extend_from_slice(&provider.to_bytes());
        let txn = self.backend.begin_write()?;
        {
            let mut providers = txn.open_table(PROVIDERS)?;
            if providers.remove(&entry)?.is_some() && count_prefix(&providers, &prefix, 1)? == 0 {
                let mut counters = txn.open_table(COUNTERS)?;
                let count_key = Self::counter_key("provider-keys");
                let keys = read_counter(&counters, &count_key)?;
                write_counter(&mut counters, &count_key, keys.saturating_sub(1))?;
            }
            if *provider == self.local {
                txn.open_table(PROVIDED)?.remove(&prefix)?;
            }
        }
        txn.commit()
    }
}

fn prefix_bounds<'a>(
    prefix: &'a [u8],
    end: Option<&'a [u8]>,
) -> (Bound<&'a [u8]>, Bound<&'a [u8]>) {
    (
        Bound::Included(prefix),
        end.map_or(Bound::Unbounded, Bound::Excluded),
    )
}

/// Counts the entries under `prefix`, stopping at `limit`.
fn count_prefix<T: RawTable>(table: &T, prefix: &[u8], limit: usize) -> Result<usize> {
    let end = prefix_successor(prefix);
    let mut count = 0;
    for entry in table.range(prefix_bounds(prefix, end.as_deref()))? {
        entry?;
        count += 1;
        if count >= limit {
            break;
        }
    }
    Ok(count)
}

fn read_counter<T: RawTable>(table: &T, key: &[u8]) -> Result<u64> {
    match table.get(key)? {
        None => Ok(0),
        Some(bytes) => {
            let raw = <[u8; 8]>::try_from(&*bytes).map_err(|_| NetabaseError::Corrupt {
                tree: COUNTERS,
                reason: format!("counter {} is not 8 bytes", HexBytes(key)),
            })?;
            Ok(u64::from_le_bytes(raw))
        }
    }
}

fn write_counter<T: RawTableMut>(table: &mut T, key: &[u8], value: u64) -> Result<()> {
    table.insert(key, &value.to_le_bytes()).map(drop)
}

/// Writes a model into its tree inside the record store's transaction.
struct PutModel<'a, W> {
    txn: &'a W,
    log: &'a mut EventLog,
}

impl<D: NetabaseDefinitionTrait, W: WriteTxn> ModelVisitor<D> for PutModel<'_, W> {
    type Output = Result<()>;

    fn visit<M: NetabaseModelTrait<D>>(self, model: M) -> Result<()> {
        let ops = [WriteOp::Put(EncodedModel::new::<D, M>(&model)?)];
        ModelTables::<D, M, _>::open_write(self.txn)?.check_and_apply(&ops, self.log)
    }
}

/// Reads a model's stored bytes by encoded primary key inside a read transaction.
struct ReadStored<'a, R> {
    txn: &'a R,
    primary: &'a [u8],
}

impl<D: NetabaseDefinitionTrait, R: ReadTxn> ModelTypeVisitor<D> for ReadStored<'_, R> {
    type Output = Result<Option<(&'static str, Vec<u8>)>>;

    fn visit<M: NetabaseModelTrait<D>>(self) -> Self::Output {
        let table = self.txn.open_table(M::TREE_NAMES.primary)?;
        Ok(table
            .get(self.primary)?
            .map(|bytes| (M::TREE_NAMES.model, bytes.to_vec())))
    }
}

/// Builds the record stored under `key` with metadata `meta`, from the model's tree. `None`
/// (with a log line) when the model is gone or its bytes do not decode.
fn load_record<D: NetabaseDefinitionTrait, R: ReadTxn>(
    txn: &R,
    key: &[u8],
    meta: &[u8],
) -> Result<Option<Record>> {
    let parsed = match parse_key::<D>(key) {
        Ok(parsed) => parsed,
        Err(reason) => {
            tracing::warn!(key = %HexBytes(key), %reason, "skipping a DHT record with an unreadable key");
            return Ok(None);
        }
    };
    let meta = match decode_meta(meta) {
        Ok(meta) => meta,
        Err(err) => {
            tracing::warn!(key = %HexBytes(key), error = %err, "skipping a DHT record with unreadable metadata");
            return Ok(None);
        }
    };
    let stored = D::visit_model_type(
        parsed.model,
        ReadStored {
            txn,
            primary: parsed.primary,
        },
    )?;
    let Some((model, bytes)) = stored else {
        tracing::debug!(key = %HexBytes(key), "DHT record whose model was removed from its tree");
        return Ok(None);
    };
    if let Err(err) = D::visit_model_type(parsed.model, DecodeStored(&bytes)) {
        tracing::warn!(key = %HexBytes(key), error = %err, "not serving a DHT record whose model does not decode");
        return Ok(None);
    }
    let publisher = match meta
        .publisher
        .map(|bytes| PeerId::from_bytes(&bytes))
        .transpose()
    {
        Ok(publisher) => publisher,
        Err(err) => {
            tracing::warn!(key = %HexBytes(key), error = %err, "skipping a DHT record with an unreadable publisher");
            return Ok(None);
        }
    };
    Ok(Some(Record {
        key: RecordKey::new(&key),
        value: envelope(model, &bytes),
        publisher,
        expires: meta.expires_ms.map(from_wall_clock),
    }))
}

#[derive(bincode::Encode, bincode::Decode)]
struct RecordMeta {
    publisher: Option<Vec<u8>>,
    expires_ms: Option<u64>,
}

#[derive(bincode::Encode, bincode::Decode)]
struct ProviderMeta {
    expires_ms: Option<u64>,
    addresses: Vec<Vec<u8>>,
}

fn encode_meta(meta: &RecordMeta) -> Result<Vec<u8>> {
    codec::encode_value(meta).map_err(|source| NetabaseError::Encode {
        tree: RECORDS,
        source,
    })
}

fn decode_meta(bytes: &[u8]) -> Result<RecordMeta> {
    codec::decode_value(bytes).map_err(|source| NetabaseError::Decode {
        tree: RECORDS,
        source,
    })
}

fn encode_provider(record: &ProviderRecord) -> Result<Vec<u8>> {
    let meta = ProviderMeta {
        expires_ms: record.expires.map(to_wall_clock),
        addresses: record.addresses.iter().map(Multiaddr::to_vec).collect(),
    };
    codec::encode_value(&meta).map_err(|source| NetabaseError::Encode {
        tree: PROVIDERS,
        source,
    })
}

fn decode_provider(key: RecordKey, provider: &[u8], meta: &[u8]) -> Result<ProviderRecord> {
    let corrupt = |reason: String| NetabaseError::Corrupt {
        tree: PROVIDERS,
        reason,
    };
    let meta: ProviderMeta = codec::decode_value(meta).map_err(|source| NetabaseError::Decode {
        tree: PROVIDERS,
        source,
    })?;
    let provider =
        PeerId::from_bytes(provider).map_err(|err| corrupt(format!("provider id: {err}")))?;
    let addresses = meta
        .addresses
        .into_iter()
        .map(|bytes| Multiaddr::try_from(bytes).map_err(|err| corrupt(format!("address: {err}"))))
        .collect::<Result<Vec<_>>>()?;
    Ok(ProviderRecord {
        key,
        provider,
        expires: meta.expires_ms.map(from_wall_clock),
        addresses,
    })
}

/// An `Instant` as wall-clock milliseconds since the Unix epoch.
fn to_wall_clock(at: Instant) -> u64 {
    let (now, wall) = (Instant::now(), SystemTime::now());
    let at_wall = if at >= now {
        wall.checked_add(at - now)
    } else {
        wall.checked_sub(now - at)
    };
    at_wall
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Wall-clock milliseconds since the Unix epoch as an `Instant` of this process. A time too far
/// in the past for the platform's `Instant` becomes "now", which is already expired for kad.
fn from_wall_clock(millis: u64) -> Instant {
    let (now, wall) = (Instant::now(), SystemTime::now());
    let at = UNIX_EPOCH + Duration::from_millis(millis);
    match at.duration_since(wall) {
        Ok(ahead) => now
            .checked_add(ahead)
            .unwrap_or(now + Duration::from_secs(u32::MAX.into())),
        Err(behind) => now.checked_sub(behind.duration()).unwrap_or(now),
    }
}

fn engine_failure(operation: &'static str, err: &NetabaseError, reported: &Error) {
    tracing::error!(
        operation,
        error = %err,
        reported_to_kad = ?reported,
        "record store engine failure (kad has no I/O error; this is not a full store)"
    );
}

/// The owning scan of a read transaction's table of backend `B`.
type Scan<B> = <<<B as Backend>::Read as ReadTxn>::Table as SnapshotTable>::Scan;

/// Ties an owning iterator to the store borrow kad's `RecordStore` iterators carry.
type StoreBorrow<'a, D> = PhantomData<(&'a (), fn() -> D)>;

/// Iterates the DHT records of a definition, reading one snapshot lazily.
pub struct RecordsIter<'a, D, B: Backend> {
    txn: Option<B::Read>,
    scan: Option<Scan<B>>,
    _store: StoreBorrow<'a, D>,
}

impl<'a, D: NetabaseDefinitionTrait, B: Backend> Iterator for RecordsIter<'a, D, B> {
    type Item = Cow<'a, Record>;

    fn next(&mut self) -> Option<Self::Item> {
        let txn = self.txn.as_ref()?;
        let scan = self.scan.as_mut()?;
        let failure = loop {
            let entry = scan.next()?;
            match entry.and_then(|(key, meta)| load_record::<D, _>(txn, &key, &meta)) {
                Ok(Some(record)) => return Some(Cow::Owned(record)),
                Ok(None) => {}
                Err(err) => break err,
            }
        };
        tracing::error!(error = %failure, "record store engine failure while listing records; stopping");
        self.scan = None;
        None
    }
}

/// Iterates this node's provider records, reading one snapshot lazily.
pub struct ProvidedIter<'a, D, B: Backend> {
    scan: Option<Scan<B>>,
    local: PeerId,
    _store: StoreBorrow<'a, D>,
}

impl<'a, D: NetabaseDefinitionTrait, B: Backend> Iterator for ProvidedIter<'a, D, B> {
    type Item = Cow<'a, ProviderRecord>;

    fn next(&mut self) -> Option<Self::Item> {
        let scan = self.scan.as_mut()?;
        for entry in scan.by_ref() {
            let decoded = entry.and_then(|(prefix, meta)| {
                let mut input = &prefix[..];
                let (_, key): (Vec<u8>, Vec<u8>) = codec::KeyCodec::decode_key(&mut input)
                    .map_err(|source| NetabaseError::KeyDecode {
                        tree: PROVIDED,
                        source,
                    })?;
                decode_provider(RecordKey::from(key), &self.local.to_bytes(), &meta)
            });
            match decoded {
                Ok(record) => return Some(Cow::Owned(record)),
                Err(err) => tracing::warn!(error = %err, "skipping an unreadable provided record"),
            }
        }
        None
    }
}

/// A read transaction and an owning scan of the entries of `table` under `prefix`.
fn prefix_scan<B: Backend>(
    backend: &B,
    table: &'static str,
    prefix: &[u8],
) -> Result<(B::Read, Scan<B>)> {
    let txn = backend.begin_read()?;
    let end = prefix_successor(prefix);
    let scan = txn
        .open_table(table)?
        .scan(prefix_bounds(prefix, end.as_deref()))?;
    Ok((txn, scan))
}

impl<D, B> RecordStore for NetabaseRecordStore<D, B>
where
    D: NetabaseDefinitionTrait,
    B: Backend,
{
    type RecordsIter<'a>
        = RecordsIter<'a, D, B>
    where
        Self: 'a;
    type ProvidedIter<'a>
        = ProvidedIter<'a, D, B>
    where
        Self: 'a;

    fn get(&self, key: &RecordKey) -> Option<Cow<'_, Record>> {
        match self.read_record(key) {
            Ok(record) => record.map(Cow::Owned),
            Err(err) => {
                tracing::error!(key = %HexBytes(key.as_ref()), error = %err, "record store engine failure on get");
                None
            }
        }
    }

    fn put(&mut self, record: Record) -> Result<(), Error> {
        let size = record.value.len();
        if size > self.config.max_value_bytes {
            let limit = self.config.max_value_bytes;
            self.reject(&record, RecordError::TooLarge { size, limit });
            return Err(Error::ValueTooLarge);
        }
        let model = match validate::<D>(record.key.as_ref(), &record.value) {
            Ok(model) => model,
            Err(reason) => {
                self.reject(&record, reason);
                return Err(Error::ValueTooLarge);
            }
        };
        match self.write_record(&record, model) {
            Ok(()) => {
                let _ = self.events.send(RecordStoreEvent::Stored {
                    key: record.key,
                    publisher: record.publisher,
                });
                Ok(())
            }
            Err(WriteFailure::Rejected(reason)) => {
                self.reject(&record, reason);
                Err(Error::ValueTooLarge)
            }
            Err(WriteFailure::Limit(err)) => {
                tracing::debug!(key = %HexBytes(record.key.as_ref()), "record refused: the store holds max_records records");
                Err(err)
            }
            Err(WriteFailure::Engine(err)) => {
                engine_failure("put", &err, &Error::MaxRecords);
                Err(Error::MaxRecords)
            }
        }
    }

    fn remove(&mut self, key: &RecordKey) {
        if let Err(err) = self.remove_record(key) {
            tracing::error!(key = %HexBytes(key.as_ref()), error = %err, "record store engine failure on remove");
        }
    }

    fn records(&self) -> RecordsIter<'_, D, B> {
        let (txn, scan) = match prefix_scan(&self.backend, RECORDS, &definition_prefix::<D>()) {
            Ok((txn, scan)) => (Some(txn), Some(scan)),
            Err(err) => {
                tracing::error!(error = %err, "record store engine failure listing records");
                (None, None)
            }
        };
        RecordsIter {
            txn,
            scan,
            _store: PhantomData,
        }
    }

    fn add_provider(&mut self, record: ProviderRecord) -> Result<(), Error> {
        match self.write_provider(&record) {
            Ok(()) => Ok(()),
            Err(WriteFailure::Limit(err)) => Err(err),
            Err(WriteFailure::Rejected(reason)) => {
                tracing::warn!(%reason, "provider record refused");
                Err(Error::MaxProvidedKeys)
            }
            Err(WriteFailure::Engine(err)) => {
                engine_failure("add_provider", &err, &Error::MaxProvidedKeys);
                Err(Error::MaxProvidedKeys)
            }
        }
    }

    fn providers(&self, key: &RecordKey) -> Vec<ProviderRecord> {
        self.read_providers(key).unwrap_or_else(|err| {
            tracing::error!(key = %HexBytes(key.as_ref()), error = %err, "record store engine failure on providers");
            Vec::new()
        })
    }

    fn provided(&self) -> ProvidedIter<'_, D, B> {
        let prefix = encode_key(&D::NAME.as_bytes().to_vec());
        let scan = match prefix_scan(&self.backend, PROVIDED, &prefix) {
            Ok((_, scan)) => Some(scan),
            Err(err) => {
                tracing::error!(error = %err, "record store engine failure listing provided keys");
                None
            }
        };
        ProvidedIter {
            scan,
            local: self.local,
            _store: PhantomData,
        }
    }

    fn remove_provider(&mut self, key: &RecordKey, provider: &PeerId) {
        if let Err(err) = self.delete_provider(key, provider) {
            tracing::error!(key = %HexBytes(key.as_ref()), error = %err, "record store engine failure on remove_provider");
        }
    }
}
