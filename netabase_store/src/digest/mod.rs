//! Tree digests, and comparing two trees without sending either one whole.
//!
//! Every tree can report a [`TreeDigest`] of its contents ([`StoreTree::digest`]): two trees
//! with equal digests hold the same models. When digests differ, [`compare`] finds exactly
//! which primary keys are missing on either side and which have different values, by asking
//! each side small questions about ranges of keys. The two sides are abstract
//! ([`DigestSide`]): a local tree ([`TreeSnapshot`], from [`StoreTree::snapshot`]) answers them
//! by reading its store; a peer would answer them over the network, which is what
//! synchronisation between peers builds on.
//!
//! ```
//! # #[netabase_store::netabase_definition_module(BlogDefinition, BlogKeys)]
//! # mod blog {
//! #     use netabase_store::{NetabaseModel, netabase};
//! #     #[derive(NetabaseModel, Clone, Debug, bincode::Encode, bincode::Decode)]
//! #     #[netabase(BlogDefinition)]
//! #     pub struct User { #[primary_key] pub id: u64, pub name: String }
//! # }
//! # use blog::*;
//! use netabase_store::NetabaseStore;
//! use netabase_store::digest::compare;
//!
//! # fn main() -> Result<(), netabase_store::error::NetabaseError> {
//! let ours = NetabaseStore::<BlogDefinition, _>::memory();
//! let theirs = NetabaseStore::<BlogDefinition, _>::memory();
//! for store in [&ours, &theirs] {
//!     store.open_tree::<User>().put_many((0..100).map(|id| User { id, name: "x".into() }))?;
//! }
//! theirs.open_tree::<User>().put(User { id: 7, name: "changed".into() })?;
//! ours.open_tree::<User>().remove(UserPrimaryKey(8))?;
//!
//! assert_ne!(ours.open_tree::<User>().digest()?, theirs.open_tree::<User>().digest()?);
//! let diff = compare(
//!     &mut ours.open_tree::<User>().snapshot()?,
//!     &mut theirs.open_tree::<User>().snapshot()?,
//! )?;
//! assert_eq!(diff.missing_locally, vec![UserPrimaryKey(8)]);
//! assert_eq!(diff.different, vec![UserPrimaryKey(7)]);
//! assert!(diff.missing_remotely.is_empty());
//! # Ok(())
//! # }
//! ```
//!
//! # Fingerprints
//!
//! Ranges are over encoded primary keys ([`crate::codec::encode_key`]), whose byte order is key
//! order. The [`Fingerprint`] of a range is its number of entries and a BLAKE3 hash over its
//! entries in key order: for each entry, the key's length (`u64`, little-endian), the key, and
//! the entry's [`ContentHash`] (BLAKE3 of the stored value bytes). Both hashes use BLAKE3's
//! key-derivation mode with their own context strings, so they cannot be confused with each
//! other or with other uses of BLAKE3. [`FingerprintBuilder`] computes it, so a remote
//! implementation can produce the same values. The value bytes are the store's value encoding,
//! the same on every backend, so a memory tree and a redb tree with the same models have the
//! same digest. The [`TreeDigest`] is the fingerprint of the whole key space.
//!
//! # The comparison (range-based reconciliation)
//!
//! [`compare`] asks both sides for the fingerprint of the whole tree. Equal fingerprints end
//! the comparison. For a range whose fingerprints differ:
//!
//! * if one side has no entry in it, every key of the other side's range is missing on this
//!   side: that side's entry list for the range is fetched;
//! * if both sides have at most [`CompareOptions::leaf_size`] entries in it, both entry lists
//!   (key and value hash) are fetched and merged;
//! * otherwise the side with more entries names up to [`CompareOptions::branching`] `- 1`
//!   split keys from its own entries (at evenly spaced ranks), cutting the range into
//!   sub-ranges that each hold some of its entries, and both sides' fingerprints of every
//!   sub-range are compared in turn.
//!
//! # Cost
//!
//! With `n` entries, `d` differing keys, branching factor `b` and leaf size `t`, a differing
//! range costs one split query and `2b` fingerprint queries, at most `d` ranges differ on each
//! level, and there are about `log_b(n / t)` levels (up to twice as many where one side holds
//! far more entries than the other in a range). So a comparison exchanges
//! `O(d · b · log_b n)` fingerprints and `O(d · t)` entry hashes instead of `n` entries
//! ([`CompareStats`] counts them; for `n = 10,000` and `d = 3` with the defaults, 57
//! fingerprint queries to each side, 3 cuts deep, and 57 entry hashes from each side). Keys
//! missing on one side are listed, so a range that one side lacks entirely costs one entry
//! list as long as that range.
//!
//! Nothing is maintained on the write path. A local side computes fingerprints by reading its
//! range, so one comparison reads each local entry about twice on the top levels plus the
//! differing ranges below (`O(n + d · n / b)` entries), holding at most one leaf's entry list in
//! memory. [`TreeSnapshot`] reads one snapshot of the tree (on sled, which has no snapshots,
//! it reads committed data: writes during a comparison can make it fail with
//! [`NetabaseError::InvalidSummary`](crate::error::NetabaseError::InvalidSummary), never
//! return a wrong diff silently, because every entry list is checked against its fingerprint).
//!
//! [`StoreTree::digest`]: crate::store_tree::StoreTree::digest
//! [`StoreTree::snapshot`]: crate::store_tree::StoreTree::snapshot

mod compare;
mod snapshot;

use std::fmt;
use std::ops::Bound;

pub use compare::{CompareOptions, CompareStats, QueryCounts, TreeDiff, compare, compare_with};
pub use snapshot::TreeSnapshot;

use crate::codec::KeyCodec;
use crate::engine::KeyBounds;
use crate::error::Result;

/// Context string of value hashes (BLAKE3 key derivation).
const VALUE_CONTEXT: &str = "netabase_store 2025 digest value v1";
/// Context string of range fingerprints (BLAKE3 key derivation).
const RANGE_CONTEXT: &str = "netabase_store 2025 digest range v1";

/// A 32-byte BLAKE3 hash.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ContentHash(pub [u8; 32]);

impl ContentHash {
    /// The hash of a stored value (its encoded bytes).
    pub fn of_value(bytes: &[u8]) -> Self {
        let mut hasher = blake3::Hasher::new_derive_key(VALUE_CONTEXT);
        hasher.update(bytes);
        ContentHash(*hasher.finalize().as_bytes())
    }

    /// The hash bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ContentHash({self})")
    }
}

/// The summary of a range of entries: how many there are and a hash of all of them in key
/// order (see the [module documentation](self) for the exact definition).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint {
    /// The number of entries.
    pub count: u64,
    /// The hash of the entries, in key order.
    pub hash: ContentHash,
}

/// The fingerprint of a whole tree: equal digests mean equal contents.
pub type TreeDigest = Fingerprint;

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} entries, {}", self.count, self.hash)
    }
}

/// Computes a [`Fingerprint`] from entries pushed in key order.
#[derive(Debug, Clone)]
pub struct FingerprintBuilder {
    hasher: blake3::Hasher,
    count: u64,
}

impl Default for FingerprintBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl FingerprintBuilder {
    /// The builder of an empty range.
    pub fn new() -> Self {
        FingerprintBuilder {
            hasher: blake3::Hasher::new_derive_key(RANGE_CONTEXT),
            count: 0,
        }
    }

    /// Adds the next entry; entries must come in increasing key order.
    pub fn push(&mut self, key: &[u8], value_hash: &ContentHash) {
        self.hasher.update(&(key.len() as u64).to_le_bytes());
        self.hasher.update(key);
        self.hasher.update(value_hash.as_bytes());
        self.count += 1;
    }

    /// The fingerprint of the entries pushed so far.
    pub fn finish(&self) -> Fingerprint {
        Fingerprint {
            count: self.count,
            hash: ContentHash(*self.hasher.finalize().as_bytes()),
        }
    }
}

/// A half-open range of encoded keys, `start ≤ key < end`; `end: None` is unbounded. The
/// empty `start` is the smallest key, so [`KeyRange::all`] has `start` empty and no `end`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct KeyRange {
    /// The smallest key in the range.
    pub start: Vec<u8>,
    /// The first key after the range, or `None` for no upper bound.
    pub end: Option<Vec<u8>>,
}

impl KeyRange {
    /// Every key.
    pub fn all() -> Self {
        KeyRange::default()
    }

    /// Whether `key` lies in the range.
    pub fn contains(&self, key: &[u8]) -> bool {
        key >= self.start.as_slice() && self.end.as_deref().is_none_or(|end| key < end)
    }

    /// The range as engine bounds.
    pub(crate) fn bounds(&self) -> KeyBounds<'_> {
        (
            Bound::Included(self.start.as_slice()),
            self.end
                .as_deref()
                .map_or(Bound::Unbounded, Bound::Excluded),
        )
    }
}

/// One entry of a range: its encoded key and the hash of its value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Entry {
    /// The encoded primary key.
    pub key: Vec<u8>,
    /// [`ContentHash::of_value`] of the stored value bytes.
    pub value_hash: ContentHash,
}

/// One side of a comparison: answers summary queries about the entries of one tree over
/// ranges of encoded keys. [`TreeSnapshot`] is the local implementation; a peer's side would
/// send each query over the network.
///
/// Answers must describe one fixed set of entries for the whole comparison; [`compare`]
/// checks what it can (ranges, order, entry lists against fingerprints) and fails with
/// [`NetabaseError::InvalidSummary`](crate::error::NetabaseError::InvalidSummary) otherwise.
pub trait DigestSide {
    /// The primary key type of the tree.
    type Key: KeyCodec;

    /// The fingerprint of the entries in `range`.
    ///
    /// # Errors
    /// When the side cannot answer (engine or network failure).
    fn fingerprint(&mut self, range: &KeyRange) -> Result<Fingerprint>;

    /// Up to `parts - 1` keys of this side's entries in `range`, strictly increasing and
    /// greater than `range.start`, at evenly spaced ranks, so that cutting the range at them
    /// gives `parts` (or fewer) sub-ranges of about equal size. `count` is the number of
    /// entries this side reported for `range`; it is at least 2.
    ///
    /// # Errors
    /// When the side cannot answer.
    fn split_points(&mut self, range: &KeyRange, count: u64, parts: usize) -> Result<Vec<Vec<u8>>>;

    /// Every entry in `range`, in key order.
    ///
    /// # Errors
    /// When the side cannot answer.
    fn entries(&mut self, range: &KeyRange) -> Result<Vec<Entry>>;
}

impl<S: DigestSide + ?Sized> DigestSide for &mut S {
    type Key = S::Key;

    fn fingerprint(&mut self, range: &KeyRange) -> Result<Fingerprint> {
        (**self).fingerprint(range)
    }

    fn split_points(&mut self, range: &KeyRange, count: u64, parts: usize) -> Result<Vec<Vec<u8>>> {
        (**self).split_points(range, count, parts)
    }

    fn entries(&mut self, range: &KeyRange) -> Result<Vec<Entry>> {
        (**self).entries(range)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_depends_on_keys_values_and_order() {
        let a = ContentHash::of_value(b"a");
        let b = ContentHash::of_value(b"b");
        let fp = |entries: &[(&[u8], ContentHash)]| {
            let mut builder = FingerprintBuilder::new();
            for (key, hash) in entries {
                builder.push(key, hash);
            }
            builder.finish()
        };
        let base = fp(&[(b"1", a), (b"2", b)]);
        assert_eq!(base, fp(&[(b"1", a), (b"2", b)]));
        assert_eq!(base.count, 2);
        assert_ne!(base, fp(&[(b"1", a), (b"2", a)]));
        assert_ne!(base, fp(&[(b"1", a), (b"3", b)]));
        assert_ne!(base, fp(&[(b"2", b), (b"1", a)]));
        // Length prefixes keep key boundaries apart.
        assert_ne!(fp(&[(b"12", a)]), fp(&[(b"1", a)]));
        assert_ne!(FingerprintBuilder::new().finish(), fp(&[(b"", a)]));
        assert_ne!(
            ContentHash::of_value(b""),
            FingerprintBuilder::new().finish().hash
        );
    }

    #[test]
    fn key_range_contains() {
        let range = KeyRange {
            start: vec![2],
            end: Some(vec![5]),
        };
        assert!(!range.contains(&[1, 9]));
        assert!(range.contains(&[2]));
        assert!(range.contains(&[4, 255]));
        assert!(!range.contains(&[5]));
        assert!(KeyRange::all().contains(&[]));
        assert!(KeyRange::all().contains(&[255; 4]));
    }
}
