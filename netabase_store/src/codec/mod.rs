//! The one place where bytes are made: model values (bincode) and keys (order-preserving).
//!
//! Every write path (tree API, batches, transactions, and later the DHT record store) stores a
//! model as [`encode_value`] of the bare model, and every read path decodes it with
//! [`decode_value`]. Keys use [`KeyCodec`]. Nothing else in the workspace calls bincode.
//!
//! # Keys
//!
//! Every key type encodes to bytes whose lexicographic order equals the key's `Ord` order, and
//! every encoding is *self-delimiting*: no encoding is a proper prefix of another value's
//! encoding of the same type. The two properties together let the store
//!
//! * iterate a tree in primary-key order,
//! * concatenate encodings (tuples, `secondary ‖ primary` index entries) without separators, and
//! * find every index entry for one secondary value with a prefix scan.
//!
//! | type | encoding |
//! |---|---|
//! | unsigned integers | big-endian, fixed width |
//! | signed integers | big-endian, fixed width, sign bit flipped |
//! | `bool` | `0x00` / `0x01` |
//! | `char` | its scalar value as a `u32` |
//! | `String`, `Vec<u8>` | bytes with `0x00` escaped as `0x00 0xFF`, terminated by `0x00 0x00` |
//! | `[u8; N]` | the `N` bytes as they are |
//! | `Option<T>` | `0x00` for `None`, `0x01` then `T` for `Some` |
//! | tuples, `()` | the elements' encodings, concatenated |
//!
//! `usize` and `isize` are encoded as 64-bit values so a database moves between platforms.
//!
//! A *prefix* of a string or byte string ([`KeyPrefix`]) encodes as its escaped bytes without
//! the terminator: a byte prefix of the encoding of exactly the keys that start with it.

mod key;

pub(crate) use key::{HexBytes, prefix_successor};
pub use key::{KeyCodec, KeyDecodeError, KeyNewtype, KeyPrefix, decode_key, encode_key};

use bincode::config::{Configuration, standard};

/// bincode's standard configuration: little-endian, variable-length integers.
const CONFIG: Configuration = standard();

/// A model value that could not be encoded or decoded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CodecError {
    /// The value's `Encode` implementation failed.
    #[error("encoding failed: {0}")]
    Encode(#[source] bincode::error::EncodeError),
    /// The bytes are not a valid encoding of the expected type.
    #[error("decoding failed: {0}")]
    Decode(#[source] bincode::error::DecodeError),
    /// The bytes decoded, but not all of them were used.
    #[error("{0} trailing byte(s) after the value")]
    TrailingBytes(usize),
}

/// Encodes a value with the store's value format.
///
/// # Errors
/// [`CodecError::Encode`] when the value's `Encode` implementation fails.
pub fn encode_value<T: bincode::Encode>(value: &T) -> Result<Vec<u8>, CodecError> {
    bincode::encode_to_vec(value, CONFIG).map_err(CodecError::Encode)
}

/// Appends the encoding of `value` to `out` (the same bytes as [`encode_value`]), reusing the
/// buffer's memory.
///
/// # Errors
/// [`CodecError::Encode`] when the value's `Encode` implementation fails; `out` may then hold
/// part of the encoding.
pub(crate) fn encode_value_into<T: bincode::Encode>(
    value: &T,
    out: &mut Vec<u8>,
) -> Result<(), CodecError> {
    bincode::encode_into_std_write(value, out, CONFIG)
        .map(drop)
        .map_err(CodecError::Encode)
}

/// Calls `$decode(bytes, config)` with the memory limit that fits the input size.
macro_rules! with_limit {
    ($decode:path, $bytes:expr) => {{
        const MIB: usize = 1 << 20;
        let bytes = $bytes;
        match bytes.len() {
            0..=65_536 => $decode(bytes, CONFIG.with_limit::<{ 32 * MIB }>()),
            65_537..=MIB => $decode(bytes, CONFIG.with_limit::<{ 256 * MIB }>()),
            _ => $decode(bytes, CONFIG.with_limit::<{ 1024 * MIB }>()),
        }
    }};
}

/// The decoded value, if it used all `len` input bytes.
fn whole<T>(
    decoded: Result<(T, usize), bincode::error::DecodeError>,
    len: usize,
) -> Result<T, CodecError> {
    let (value, read) = decoded.map_err(CodecError::Decode)?;
    if read == len {
        Ok(value)
    } else {
        Err(CodecError::TrailingBytes(len - read))
    }
}

/// Decodes a value that must occupy all of `bytes`.
///
/// Decoding never allocates without bound on hostile input: bincode is given a limit on the
/// memory it may claim for containers, chosen from the input size (32 MiB for inputs up to
/// 64 KiB, 256 MiB up to 1 MiB, 1 GiB beyond). A garbage length prefix is therefore a
/// [`CodecError::Decode`] (`LimitExceeded`), never an allocation failure.
///
/// # Errors
/// [`CodecError`] when the bytes are not exactly one valid encoding of `T`.
pub fn decode_value<T: bincode::Decode<()>>(bytes: &[u8]) -> Result<T, CodecError> {
    whole(with_limit!(bincode::decode_from_slice, bytes), bytes.len())
}

/// Decodes a value that borrows from `bytes` and must occupy all of them.
///
/// `T` is any type with bincode's `BorrowDecode` whose encoding is the stored one: its
/// `&str` and `&[u8]` fields point into `bytes` (no copy); its other fields are decoded as by
/// [`decode_value`], with the same memory limits.
///
/// # Errors
/// [`CodecError`] when the bytes are not exactly one valid encoding of `T`.
pub fn decode_value_borrowed<'de, T: bincode::BorrowDecode<'de, ()>>(
    bytes: &'de [u8],
) -> Result<T, CodecError> {
    whole(
        with_limit!(bincode::borrow_decode_from_slice, bytes),
        bytes.len(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_roundtrip_and_trailing_bytes() {
        let bytes = encode_value(&(7u32, "x".to_string())).unwrap();
        assert_eq!(
            decode_value::<(u32, String)>(&bytes).unwrap(),
            (7, "x".into())
        );
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(matches!(
            decode_value::<(u32, String)>(&longer),
            Err(CodecError::TrailingBytes(1))
        ));
        assert!(decode_value::<(u32, String)>(&bytes[..1]).is_err());
    }

    #[test]
    fn borrowed_decode_points_into_the_input() {
        let bytes = encode_value(&(7u32, "hello".to_string(), vec![1u8, 2])).unwrap();
        let (n, text, raw): (u32, &str, &[u8]) = decode_value_borrowed(&bytes).unwrap();
        assert_eq!((n, text, raw), (7, "hello", &[1u8, 2][..]));
        let range = bytes.as_ptr_range();
        assert!(range.contains(&text.as_ptr()) && range.contains(&raw.as_ptr()));
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(matches!(
            decode_value_borrowed::<(u32, &str, &[u8])>(&longer),
            Err(CodecError::TrailingBytes(1))
        ));
    }

    #[test]
    fn garbage_length_prefix_is_an_error_not_an_allocation() {
        // A varint claiming a 2^60-byte vector.
        let garbage = [0xFD, 0, 0, 0, 0, 0, 0, 0, 0x10];
        assert!(matches!(
            decode_value::<Vec<u8>>(&garbage),
            Err(CodecError::Decode(_))
        ));
        assert!(matches!(
            decode_value::<Vec<String>>(&garbage),
            Err(CodecError::Decode(_))
        ));
    }
}
