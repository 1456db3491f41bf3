//! The store's error type.

use std::sync::Arc;

use crate::codec::{CodecError, KeyDecodeError};

/// A boxed error from a storage engine, kept as the source of [`NetabaseError::Storage`].
pub type BoxedError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong in `netabase_store`.
///
/// Errors about stored data name the tree they concern (`"BlogDefinition/User"`), so a decode
/// failure says where the bad bytes are. Engine errors keep their source; their variants do not
/// depend on which backends are compiled in.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NetabaseError {
    /// A model could not be encoded for storage.
    #[error("could not encode a value for tree `{tree}`: {source}")]
    Encode {
        /// The tree the value was going to.
        tree: &'static str,
        /// What the encoder said.
        #[source]
        source: CodecError,
    },

    /// A stored value could not be decoded as the tree's model.
    #[error("could not decode a value in tree `{tree}`: {source}")]
    Decode {
        /// The tree the value was read from.
        tree: &'static str,
        /// What the decoder said.
        #[source]
        source: CodecError,
    },

    /// A stored key could not be decoded as the tree's key type.
    #[error("could not decode a key in tree `{tree}`: {source}")]
    KeyDecode {
        /// The tree the key was read from.
        tree: &'static str,
        /// What the key decoder said.
        #[source]
        source: KeyDecodeError,
    },

    /// Stored data breaks an invariant the store maintains (for example an index entry whose
    /// model is missing). Only possible after outside interference with the database files.
    #[error("tree `{tree}` is inconsistent: {reason}")]
    Corrupt {
        /// The tree concerned.
        tree: &'static str,
        /// What is wrong.
        reason: String,
    },

    /// The storage engine failed.
    #[error("storage engine error during {operation}: {source}")]
    Storage {
        /// What the store was doing.
        operation: &'static str,
        /// The engine's error.
        #[source]
        source: BoxedError,
    },

    /// An operating-system I/O error (creating directories, removing files).
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),

    /// A configuration value that this backend cannot honour.
    #[error("invalid configuration for {backend}: `{field}` {reason}")]
    InvalidConfig {
        /// The backend that rejected the configuration.
        backend: &'static str,
        /// The offending field.
        field: &'static str,
        /// Why it was rejected.
        reason: String,
    },

    /// The database does not exist, and it was opened with `open` or with
    /// `create_if_missing = false`, which do not create one.
    #[error("no database at `{0}`")]
    NotFound(std::path::PathBuf),

    /// A write on a store opened read-only.
    #[error("the store was opened read-only")]
    ReadOnly,

    /// A tree was opened twice in one write transaction.
    #[error("tree `{0}` is already open in this transaction")]
    TreeAlreadyOpen(&'static str),

    /// A write would give two models the same value of a unique secondary key
    /// (`#[secondary_key(unique)]`). It was refused before anything was written.
    #[error(
        "tree `{tree}`: the model with primary key {conflicting_key} already has this `{field}`, \
         a unique secondary key"
    )]
    UniqueViolation {
        /// The tree written to.
        tree: &'static str,
        /// The unique secondary key field.
        field: &'static str,
        /// The `Debug` form of the primary key of the model that holds the value: a stored
        /// model, or one written earlier in the same call or batch.
        conflicting_key: String,
    },

    /// A lookup by unique key was given a secondary key that is not declared
    /// `#[secondary_key(unique)]`.
    #[error("`{field}` of tree `{tree}` is not a unique secondary key")]
    NotUnique {
        /// The tree concerned.
        tree: &'static str,
        /// The secondary key field.
        field: &'static str,
    },

    /// The bounds of a secondary-key range are keys of two different fields.
    #[error(
        "the bounds of a secondary-key range on tree `{tree}` are keys of different fields: \
         `{start}` and `{end}`"
    )]
    SecondaryRangeFields {
        /// The tree concerned.
        tree: &'static str,
        /// The field of the start bound.
        start: &'static str,
        /// The field of the end bound.
        end: &'static str,
    },

    /// A secondary-key range with neither bound: it names no field.
    #[error("a secondary-key range on tree `{tree}` needs at least one bound to name its field")]
    UnboundedSecondaryRange {
        /// The tree concerned.
        tree: &'static str,
    },

    /// A write inside this transaction failed after it may have changed some data, so the
    /// transaction can only be rolled back.
    #[error("a write in this transaction failed; it can only be rolled back")]
    TransactionPoisoned,

    /// One side of a tree comparison ([`crate::digest`]) gave answers that contradict each
    /// other or the query (split points outside the range, entries that do not match the
    /// side's fingerprint, an undecodable key, ...). A local side on a backend without
    /// snapshots (sled) can do this when it is written to during the comparison.
    #[error("the {side} side of a tree comparison answered inconsistently: {reason}")]
    InvalidSummary {
        /// `"local"` or `"remote"`.
        side: &'static str,
        /// What was wrong.
        reason: String,
    },

    /// The transaction (or a tree in it) could not be opened; every operation on it reports
    /// this.
    #[error("the transaction could not be started: {0}")]
    TransactionUnavailable(#[source] Arc<NetabaseError>),
}

impl NetabaseError {
    /// Wraps an engine error with what the store was doing.
    pub fn storage(operation: &'static str, source: impl Into<BoxedError>) -> Self {
        NetabaseError::Storage {
            operation,
            source: source.into(),
        }
    }
}

/// The result type of the store.
pub type Result<T, E = NetabaseError> = std::result::Result<T, E>;

/// A conversion from a definition enum (or keys enum) to one of its variants failed because
/// the value holds a different variant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected a `{expected}`, found a `{found}`")]
pub struct WrongVariant {
    /// The variant the conversion wanted.
    pub expected: &'static str,
    /// The variant the value holds.
    pub found: &'static str,
}
