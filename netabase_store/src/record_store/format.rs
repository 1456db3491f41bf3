//! DHT record keys and values: the one key function, the value envelope, and their parsing.
//!
//! **Key.** `/netabase/<definition>/<model>/` followed by the order-preserving encoding of the
//! model's primary key ([`crate::codec::encode_key`]), e.g. `/netabase/BlogDefinition/User/`
//! ‖ `00 00 00 00 00 00 00 01`. The textual namespace follows libp2p's convention (go- and
//! js-libp2p validate records by the namespace after the first `/`), so their DHT nodes can
//! carry netabase records once they register a validator for `netabase`.
//!
//! **Value.** A versioned envelope: `version (1 byte) ‖ model-name length (1 byte) ‖ model name ‖
//! model bytes` where the model bytes are [`crate::codec::encode_value`] of the bare model, the
//! same bytes the store keeps. Version 1 is the only one; a later version can add fields (a
//! timestamp, a signature) after the model name, and older nodes reject what they do not know
//! instead of misreading it.

use libp2p::kad::RecordKey;

use crate::codec::{self, KeyDecodeError, decode_key, encode_key};
use crate::error::Result;
use crate::traits::definition::{
    DiscriminantEnum, KeyVisitor, ModelTypeVisitor, NetabaseDefinitionTrait,
    NetabaseDefinitionTraitKey,
};
use crate::traits::model::{NetabaseModelTrait, NetabaseModelTraitKey};
use crate::typed::{EncodedModel, decode_model};

/// The namespace every netabase record key starts with.
pub const KEY_NAMESPACE: &[u8] = b"/netabase/";

/// The envelope format this version writes and reads.
pub const ENVELOPE_VERSION: u8 = 1;

/// Why a record (or its key) is not a valid record of the definition.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    /// The value is larger than the store accepts.
    #[error("the value is {size} bytes, more than the {limit}-byte limit")]
    TooLarge {
        /// The value's size.
        size: usize,
        /// The configured limit.
        limit: usize,
    },
    /// The key does not start with `/netabase/`.
    #[error("the key is not in the `/netabase/` namespace")]
    NotNetabaseKey,
    /// The key belongs to another definition.
    #[error("the key belongs to definition `{definition}`")]
    WrongDefinition {
        /// The definition named by the key.
        definition: String,
    },
    /// The key or value names a model this definition does not have.
    #[error("`{model}` is not a model of this definition")]
    UnknownModel {
        /// The model name found.
        model: String,
    },
    /// The key's primary-key bytes do not decode as the model's primary key.
    #[error("the key's primary key is malformed: {0}")]
    MalformedPrimaryKey(KeyDecodeError),
    /// The value's envelope is cut short or malformed.
    #[error("the value is not a netabase record envelope")]
    MalformedEnvelope,
    /// The envelope has a version this node does not read.
    #[error("envelope version {0} is not supported (this node reads version {ENVELOPE_VERSION})")]
    UnsupportedVersion(u8),
    /// The model bytes do not decode as the model.
    #[error("the value does not decode as a `{model}`: {reason}")]
    Undecodable {
        /// The model the value claims to hold.
        model: &'static str,
        /// The decoder's message.
        reason: String,
    },
    /// The key is not the key of the model in the value.
    #[error("the key is not the key of the `{model}` in the value")]
    KeyMismatch {
        /// The model in the value.
        model: &'static str,
    },
    /// The model takes a unique secondary-key value that another stored model holds.
    #[error("unique secondary key `{field}` of tree `{tree}` is taken by another model")]
    UniqueConflict {
        /// The model's tree.
        tree: &'static str,
        /// The unique field.
        field: &'static str,
    },
}

/// The DHT record key of the model of type `M` with primary key `key`. This is the only way
/// netabase makes record keys: records, gets and providers all use it.
pub fn record_key<D, M>(key: &M::PrimaryKey) -> RecordKey
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
{
    RecordKey::new(&key_bytes::<D, M>(&encode_key(key)))
}

/// The DHT record key of `model`.
pub fn model_record_key<D, M>(model: &M) -> RecordKey
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
{
    record_key::<D, M>(&model.primary_key())
}

/// The DHT record key named by a key of the definition's keys enum; `None` for a secondary
/// key, which names no single record.
pub fn keys_record_key<D: NetabaseDefinitionTrait>(keys: &D::Keys) -> Option<RecordKey> {
    struct Primary;
    impl<D: NetabaseDefinitionTrait> KeyVisitor<D> for Primary {
        type Output = Option<RecordKey>;
        fn visit<M: NetabaseModelTrait<D>>(self, key: &M::Keys) -> Option<RecordKey> {
            key.as_primary().map(record_key::<D, M>)
        }
    }
    keys.accept(Primary)
}

fn key_bytes<D, M>(primary: &[u8]) -> Vec<u8>
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
{
    let model = M::TREE_NAMES.model.as_bytes();
    let mut key =
        Vec::with_capacity(KEY_NAMESPACE.len() + D::NAME.len() + model.len() + 2 + primary.len());
    key.extend_from_slice(KEY_NAMESPACE);
    key.extend_from_slice(D::NAME.as_bytes());
    key.push(b'/');
    key.extend_from_slice(model);
    key.push(b'/');
    key.extend_from_slice(primary);
    key
}

/// The key prefix of every record of definition `D`.
pub(crate) fn definition_prefix<D: NetabaseDefinitionTrait>() -> Vec<u8> {
    let mut prefix = KEY_NAMESPACE.to_vec();
    prefix.extend_from_slice(D::NAME.as_bytes());
    prefix.push(b'/');
    prefix
}

/// A record key split into its model and the encoded primary key (validated).
#[derive(Debug)]
pub(crate) struct ParsedKey<'k, D: NetabaseDefinitionTrait> {
    pub(crate) model: D::Discriminant,
    pub(crate) primary: &'k [u8],
}

fn split_segment(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let slash = bytes.iter().position(|b| *b == b'/')?;
    Some((&bytes[..slash], &bytes[slash + 1..]))
}

struct CheckPrimary<'a>(&'a [u8]);

impl<D: NetabaseDefinitionTrait> ModelTypeVisitor<D> for CheckPrimary<'_> {
    type Output = Result<(), KeyDecodeError>;
    fn visit<M: NetabaseModelTrait<D>>(self) -> Result<(), KeyDecodeError> {
        decode_key::<M::PrimaryKey>(self.0).map(drop)
    }
}

/// Parses and validates a record key of definition `D`.
pub(crate) fn parse_key<D: NetabaseDefinitionTrait>(
    key: &[u8],
) -> Result<ParsedKey<'_, D>, RecordError> {
    let rest = key
        .strip_prefix(KEY_NAMESPACE)
        .ok_or(RecordError::NotNetabaseKey)?;
    let (definition, rest) = split_segment(rest).ok_or(RecordError::NotNetabaseKey)?;
    if definition != D::NAME.as_bytes() {
        return Err(RecordError::WrongDefinition {
            definition: String::from_utf8_lossy(definition).into_owned(),
        });
    }
    let (model, primary) = split_segment(rest).ok_or(RecordError::NotNetabaseKey)?;
    let model = model_discriminant::<D>(model)?;
    D::visit_model_type(model, CheckPrimary(primary)).map_err(RecordError::MalformedPrimaryKey)?;
    Ok(ParsedKey { model, primary })
}

fn model_discriminant<D: NetabaseDefinitionTrait>(
    name: &[u8],
) -> Result<D::Discriminant, RecordError> {
    let unknown = || RecordError::UnknownModel {
        model: String::from_utf8_lossy(name).into_owned(),
    };
    let name = std::str::from_utf8(name).map_err(|_| unknown())?;
    name.parse::<D::Discriminant>().map_err(|_| unknown())
}

/// Wraps stored model bytes in the envelope.
pub(crate) fn envelope(model: &'static str, model_bytes: &[u8]) -> Vec<u8> {
    let name = model.as_bytes();
    let mut value = Vec::with_capacity(2 + name.len() + model_bytes.len());
    value.push(ENVELOPE_VERSION);
    // Model names are Rust identifiers; longer than 255 bytes is not a practical concern, and
    // the length byte saturates so the envelope stays parseable (the name check then fails).
    value.push(u8::try_from(name.len()).unwrap_or(u8::MAX));
    value.extend_from_slice(name);
    value.extend_from_slice(model_bytes);
    value
}

/// Splits an envelope into the model it names and the model bytes.
pub(crate) fn open_envelope<D: NetabaseDefinitionTrait>(
    value: &[u8],
) -> Result<(D::Discriminant, &[u8]), RecordError> {
    let (&version, rest) = value.split_first().ok_or(RecordError::MalformedEnvelope)?;
    if version != ENVELOPE_VERSION {
        return Err(RecordError::UnsupportedVersion(version));
    }
    let (&len, rest) = rest.split_first().ok_or(RecordError::MalformedEnvelope)?;
    let len = usize::from(len);
    if rest.len() < len {
        return Err(RecordError::MalformedEnvelope);
    }
    let (name, model_bytes) = rest.split_at(len);
    Ok((model_discriminant::<D>(name)?, model_bytes))
}

/// Builds the DHT record of `model`: its key and envelope value, without publisher or expiry.
///
/// # Errors
/// When the model cannot be encoded.
pub fn model_record<D, M>(model: &M) -> Result<libp2p::kad::Record>
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
{
    let encoded = EncodedModel::new::<D, M>(model)?;
    Ok(libp2p::kad::Record::new(
        key_bytes::<D, M>(encoded.key()),
        envelope(M::TREE_NAMES.model, &encoded.value),
    ))
}

struct DecodeChecked<'a> {
    primary: &'a [u8],
    model_bytes: &'a [u8],
}

impl<D: NetabaseDefinitionTrait> ModelTypeVisitor<D> for DecodeChecked<'_> {
    type Output = Result<D, RecordError>;
    fn visit<M: NetabaseModelTrait<D>>(self) -> Result<D, RecordError> {
        let model: M =
            codec::decode_value(self.model_bytes).map_err(|err| RecordError::Undecodable {
                model: M::TREE_NAMES.model,
                reason: err.to_string(),
            })?;
        if encode_key(&model.primary_key()) != self.primary {
            return Err(RecordError::KeyMismatch {
                model: M::TREE_NAMES.model,
            });
        }
        Ok(model.into())
    }
}

/// Validates a record as a model of `D`: the key is a netabase key of `D`, the value an
/// envelope of the same model, the model bytes decode, and the key is that model's key.
pub(crate) fn validate<D: NetabaseDefinitionTrait>(
    key: &[u8],
    value: &[u8],
) -> Result<D, RecordError> {
    let parsed = parse_key::<D>(key)?;
    let (model, model_bytes) = open_envelope::<D>(value)?;
    if model != parsed.model {
        return Err(RecordError::KeyMismatch {
            model: model.name(),
        });
    }
    D::visit_model_type(
        model,
        DecodeChecked {
            primary: parsed.primary,
            model_bytes,
        },
    )
}

/// Decodes a DHT record into the definition enum, checking that its key is the key of the
/// model it holds (for records found on the network).
///
/// # Errors
/// [`RecordError`] saying why the record is not a valid record of `D`.
pub fn decode_record<D: NetabaseDefinitionTrait>(
    record: &libp2p::kad::Record,
) -> Result<D, RecordError> {
    validate::<D>(record.key.as_ref(), &record.value)
}

/// Reads stored model bytes as model `model`, for serving: `Ok(None)` when they do not decode.
pub(crate) struct DecodeStored<'a>(pub(crate) &'a [u8]);

impl<D: NetabaseDefinitionTrait> ModelTypeVisitor<D> for DecodeStored<'_> {
    type Output = Result<&'static str>;
    fn visit<M: NetabaseModelTrait<D>>(self) -> Result<&'static str> {
        decode_model::<D, M>(self.0).map(|_| M::TREE_NAMES.model)
    }
}
