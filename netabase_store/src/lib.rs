//! netabase_store (work in progress)
#![warn(missing_docs, unreachable_pub)]

pub mod codec;
pub mod config;
pub mod databases;
pub mod engine;
pub mod error;
pub mod store_tree;
pub mod traits;
pub mod transaction;

mod store;
mod typed;

pub use store::NetabaseStore;
pub use typed::ModelIter;

#[doc(hidden)]
pub mod __private {
    pub use crate::codec::{KeyCodec, KeyDecodeError};
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
