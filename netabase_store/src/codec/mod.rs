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
    const MIB: usize = 1 << 20;
    let decoded = match bytes.len() {
        0..=65_536 => bincode::decode_from_slice(bytes, CONFIG.with_limit::<{ 32 * MIB }>()),
        65_537..=MIB => bincode::decode_from_slice(bytes, CONFIG.with_limit::<{ 256 * MIB }>()),
        _ => bincode::decode_from_slice(bytes, CONFIG.with_limit::<{ 1024 * MIB }>()),
    };
    let (value, read) = decoded.map_err(CodecError::Decode)?;
    if read == bytes.len() {
        Ok(value)
    } else {
        Err(CodecError::TrailingBytes(bytes.len() - read))
    }
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
