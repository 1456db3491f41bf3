//! Constructing a backend from its configuration.

use crate::error::Result;
use crate::traits::definition::NetabaseDefinitionTrait;

/// A backend that can be built from a configuration (`FileConfig`, in [`crate::config`], for
/// the file backends).
pub trait BackendStore<D: NetabaseDefinitionTrait>: Sized {
    /// The configuration type.
    type Config;

    /// Opens the store described by `config`, creating it when `create_if_missing` allows.
    ///
    /// # Errors
    /// When the configuration cannot be honoured or the engine fails to open.
    fn new(config: Self::Config) -> Result<Self>;

    /// Opens an existing store; fails with [`crate::error::NetabaseError::NotFound`] when there
    /// is none, whatever `create_if_missing` says.
    ///
    /// # Errors
    /// When there is no store, the configuration cannot be honoured or the engine fails.
    fn open(config: Self::Config) -> Result<Self>;

    /// A fresh store that is deleted when dropped.
    ///
    /// # Errors
    /// When the engine fails to create it.
    fn temp() -> Result<Self>;
}
