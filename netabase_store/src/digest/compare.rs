//! [`compare`]: range-based reconciliation of two [`DigestSide`]s.

use std::cmp::Ordering;

use super::{DigestSide, Entry, Fingerprint, FingerprintBuilder, KeyRange};
use crate::codec::{HexBytes, KeyCodec, decode_key};
use crate::error::{NetabaseError, Result};

/// How [`compare_with`] narrows differences.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct CompareOptions {
    /// Into how many sub-ranges a differing range is cut (at least 2; default 8). Larger
    /// values mean fewer rounds of queries but more fingerprints per round.
    pub branching: usize,
    /// A differing range in which both sides have at most this many entries is settled by
    /// exchanging entry lists (at least 1; default 32).
    pub leaf_size: u64,
    /// How many times a range may be cut before the comparison gives up with
    /// [`NetabaseError::InvalidSummary`] (default 256). Honest sides never come close; this
    /// only stops a side that answers without end.
    pub max_depth: usize,
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions {
            branching: 8,
            leaf_size: 32,
            max_depth: 256,
        }
    }
}

impl CompareOptions {
    /// Sets [`CompareOptions::branching`] (values below 2 count as 2).
    #[must_use]
    pub fn with_branching(mut self, branching: usize) -> Self {
        self.branching = branching.max(2);
        self
    }

    /// Sets [`CompareOptions::leaf_size`] (values below 1 count as 1).
    #[must_use]
    pub fn with_leaf_size(mut self, leaf_size: u64) -> Self {
        self.leaf_size = leaf_size.max(1);
        self
    }

    /// Sets [`CompareOptions::max_depth`].
    #[must_use]
    pub fn with_max_depth(mut self, max_depth: usize) -> Self {
        self.max_depth = max_depth;
        self
    }
}

/// The queries one side answered during a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QueryCounts {
    /// Fingerprint queries.
    pub fingerprints: u64,
    /// Split-point queries.
    pub split_queries: u64,
    /// Entry-list queries.
    pub entry_queries: u64,
    /// Entries received in entry lists (a key and a 32-byte hash each).
    pub entries: u64,
}

/// What a comparison cost: the queries each side answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CompareStats {
    /// Queries answered by the local side.
    pub local: QueryCounts,
    /// Queries answered by the remote side (what a network comparison sends).
    pub remote: QueryCounts,
    /// How many times the deepest range was cut (0 when the root fingerprints decided).
    pub depth: usize,
}

impl CompareStats {
    /// Fingerprint queries on both sides.
    pub fn fingerprint_queries(&self) -> u64 {
        self.local.fingerprints + self.remote.fingerprints
    }
}

/// The differences between a local and a remote tree, as primary keys in key order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeDiff<K> {
    /// Keys the remote side has and the local side lacks.
    pub missing_locally: Vec<K>,
    /// Keys the local side has and the remote side lacks.
    pub missing_remotely: Vec<K>,
    /// Keys both sides have, with different values.
    pub different: Vec<K>,
    /// What the comparison cost.
    pub stats: CompareStats,
}

impl<K> TreeDiff<K> {
    /// Whether the two trees hold the same models.
    pub fn is_empty(&self) -> bool {
        self.missing_locally.is_empty()
            && self.missing_remotely.is_empty()
            && self.different.is_empty()
    }

    /// The number of differing keys.
    pub fn len(&self) -> usize {
        self.missing_locally.len() + self.missing_remotely.len() + self.different.len()
    }
}

/// Compares `local` with `remote` using [`CompareOptions::default`]; see the
/// [module documentation](super) for the algorithm and its cost.
///
/// # Errors
/// When a side fails to answer, or answers inconsistently
/// ([`NetabaseError::InvalidSummary`]).
pub fn compare<L, R>(local: &mut L, remote: &mut R) -> Result<TreeDiff<L::Key>>
where
    L: DigestSide,
    R: DigestSide<Key = L::Key>,
{
    compare_with(local, remote, &CompareOptions::default())
}

/// Compares `local` with `remote` using `options`.
///
/// # Errors
/// When a side fails to answer, or answers inconsistently
/// ([`NetabaseError::InvalidSummary`]).
pub fn compare_with<L, R>(
    local: &mut L,
    remote: &mut R,
    options: &CompareOptions,
) -> Result<TreeDiff<L::Key>>
where
    L: DigestSide,
    R: DigestSide<Key = L::Key>,
{
    let options = CompareOptions::default()
        .with_branching(options.branching)
        .with_leaf_size(options.leaf_size)
        .with_max_depth(options.max_depth);
    let mut local = Checked::new(local, "local");
    let mut remote = Checked::new(remote, "remote");
    let mut found = Found::default();
    let mut depth = 0;

    let all = KeyRange::all();
    let mut pending = vec![Pending {
        local: local.fingerprint(&all)?,
        remote: remote.fingerprint(&all)?,
        range: all,
        depth: 0,
    }];
    while let Some(task) = pending.pop() {
        depth = depth.max(task.depth);
        if task.local == task.remote {
            continue;
        }
        if task.local.count == 0 {
            let entries = remote.entries(&task.range, &task.remote)?;
            found
                .missing_locally
                .extend(entries.into_iter().map(|e| e.key));
            continue;
        }
        if task.remote.count == 0 {
            let entries = local.entries(&task.range, &task.local)?;
            found
                .missing_remotely
                .extend(entries.into_iter().map(|e| e.key));
            continue;
        }
        if task.local.count.max(task.remote.count) <= options.leaf_size {
            let ours = local.entries(&task.range, &task.local)?;
            let theirs = remote.entries(&task.range, &task.remote)?;
            found.merge(ours, theirs);
            continue;
        }
        let local_splits = task.local.count >= task.remote.count;
        if task.depth >= options.max_depth {
            return Err(NetabaseError::InvalidSummary {
                side: if local_splits { "local" } else { "remote" },
                reason: format!("ranges were cut more than {} times", options.max_depth),
            });
        }
        let points = if local_splits {
            local.split_points(&task.range, task.local.count, options.branching)?
        } else {
            remote.split_points(&task.range, task.remote.count, options.branching)?
        };
        // Pushed in reverse, so ranges are settled in key order.
        for range in sub_ranges(&task.range, points).into_iter().rev() {
            pending.push(Pending {
                local: local.fingerprint(&range)?,
                remote: remote.fingerprint(&range)?,
                range,
                depth: task.depth + 1,
            });
        }
    }

    Ok(TreeDiff {
        missing_locally: decode_keys(found.missing_locally, "remote")?,
        missing_remotely: decode_keys(found.missing_remotely, "local")?,
        different: decode_keys(found.different, "local")?,
        stats: CompareStats {
            local: local.counts,
            remote: remote.counts,
            depth,
        },
    })
}

/// A range still to be compared, with both sides' fingerprints of it.
struct Pending {
    range: KeyRange,
    local: Fingerprint,
    remote: Fingerprint,
    depth: usize,
}

/// The differing encoded keys found so far.
#[derive(Default)]
struct Found {
    missing_locally: Vec<Vec<u8>>,
    missing_remotely: Vec<Vec<u8>>,
    different: Vec<Vec<u8>>,
}

impl Found {
    /// Merges two entry lists of one range, both in key order.
    fn merge(&mut self, ours: Vec<Entry>, theirs: Vec<Entry>) {
        let mut ours = ours.into_iter().peekable();
        let mut theirs = theirs.into_iter().peekable();
        loop {
            let order = match (ours.peek(), theirs.peek()) {
                (None, None) => return,
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (Some(a), Some(b)) => a.key.cmp(&b.key),
            };
            match order {
                Ordering::Less => self.missing_remotely.extend(ours.next().map(|e| e.key)),
                Ordering::Greater => self.missing_locally.extend(theirs.next().map(|e| e.key)),
                Ordering::Equal => {
                    if let (Some(a), Some(b)) = (ours.next(), theirs.next())
                        && a.value_hash != b.value_hash
                    {
                        self.different.push(a.key);
                    }
                }
            }
        }
    }
}

/// Cuts `range` at `points` (strictly increasing, inside the range).
fn sub_ranges(range: &KeyRange, points: Vec<Vec<u8>>) -> Vec<KeyRange> {
    let mut ranges = Vec::with_capacity(points.len() + 1);
    let mut start = range.start.clone();
    for point in points {
        ranges.push(KeyRange {
            start: std::mem::replace(&mut start, point.clone()),
            end: Some(point),
        });
    }
    ranges.push(KeyRange {
        start,
        end: range.end.clone(),
    });
    ranges
}

/// Decodes encoded keys, sorted; they came from `side`.
fn decode_keys<K: KeyCodec>(mut keys: Vec<Vec<u8>>, side: &'static str) -> Result<Vec<K>> {
    keys.sort_unstable();
    keys.iter()
        .map(|key| {
            decode_key(key).map_err(|err| NetabaseError::InvalidSummary {
                side,
                reason: format!("key {} does not decode: {err}", HexBytes(key)),
            })
        })
        .collect()
}

/// A side whose answers are counted and checked.
struct Checked<'s, S> {
    side: &'s mut S,
    name: &'static str,
    counts: QueryCounts,
}

impl<'s, S: DigestSide> Checked<'s, S> {
    fn new(side: &'s mut S, name: &'static str) -> Self {
        Checked {
            side,
            name,
            counts: QueryCounts::default(),
        }
    }

    fn invalid(&self, reason: String) -> NetabaseError {
        NetabaseError::InvalidSummary {
            side: self.name,
            reason,
        }
    }

    fn fingerprint(&mut self, range: &KeyRange) -> Result<Fingerprint> {
        self.counts.fingerprints += 1;
        self.side.fingerprint(range)
    }

    /// The side's split points, checked to cut `range` into at least two and at most
    /// `parts` sub-ranges.
    fn split_points(&mut self, range: &KeyRange, count: u64, parts: usize) -> Result<Vec<Vec<u8>>> {
        self.counts.split_queries += 1;
        let points = self.side.split_points(range, count, parts)?;
        if points.is_empty() || points.len() >= parts {
            return Err(self.invalid(format!(
                "{} split points for {parts} parts of a range of {count} entries",
                points.len()
            )));
        }
        let inside = points
            .iter()
            .all(|point| point.as_slice() > range.start.as_slice() && range.contains(point));
        let increasing = points.windows(2).all(|pair| pair[0] < pair[1]);
        if !inside || !increasing {
            return Err(self
                .invalid("split points are not strictly increasing keys inside the range".into()));
        }
        Ok(points)
    }

    /// The side's entries of `range`, checked to be in order, in the range, and to match the
    /// fingerprint the side gave for it.
    fn entries(&mut self, range: &KeyRange, expected: &Fingerprint) -> Result<Vec<Entry>> {
        self.counts.entry_queries += 1;
        let entries = self.side.entries(range)?;
        self.counts.entries += entries.len() as u64;
        let mut builder = FingerprintBuilder::new();
        let mut previous: Option<&[u8]> = None;
        for entry in &entries {
            if !range.contains(&entry.key) || previous.is_some_and(|p| p >= entry.key.as_slice()) {
                return Err(self.invalid(format!(
                    "entry {} is out of order or outside the range",
                    HexBytes(&entry.key)
                )));
            }
            previous = Some(&entry.key);
            builder.push(&entry.key, &entry.value_hash);
        }
        if builder.finish() != *expected {
            return Err(self.invalid(format!(
                "{} entries do not match the fingerprint of {} entries given for the same range",
                entries.len(),
                expected.count
            )));
        }
        Ok(entries)
    }
}
