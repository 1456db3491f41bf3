//! netabase_store: typed trees over sled, redb and memory, and over IndexedDB in the browser
//! (`databases::indexeddb_store`, wasm32 with feature `wasm`).
#![warn(missing_docs, unreachable_pub)]

// Lets unit tests use macro-generated code, which names `::netabase_store`.
#[cfg(test)]
extern crate self as netabase_store;

pub mod codec;
pub mod config;
pub mod databases;
pub mod digest;
pub mod engine;
pub mod error;
#[cfg(feature = "libp2p")]
pub mod record_store;
pub mod store_tree;
pub mod subscription;
pub mod traits;
pub mod transaction;

mod store;
mod typed;

pub use store::NetabaseStore;
pub use typed::{ModelIter, SecondaryIter};

/// The schema macros: `#[netabase_definition_module]`, `#[derive(NetabaseModel)]` and
/// `#[netabase(..)]` (see `netabase_macros`).
pub use netabase_macros::{NetabaseModel, netabase, netabase_definition_module};

#[doc(hidden)]
pub mod __private {
    pub use crate::codec::{KeyCodec, KeyDecodeError, KeyNewtype};
    pub use crate::error::WrongVariant;
    pub use crate::traits::definition::{
        DiscriminantEnum, IntoDiscriminant, KeyVisitor, ModelRefVisitor, ModelTypeVisitor,
        ModelVisitor, NetabaseDefinitionTrait, NetabaseDefinitionTraitKey, UnknownDiscriminant,
    };
    pub use crate::traits::model::{
        IndexKeyWriter, NetabaseModelTrait, NetabaseModelTraitKey, SecondaryKeyEnum,
        SecondaryKeyInfo, TreeNames,
    };
    pub use bincode;
    pub use std;
}
