//! Batches: many writes to one tree, committed atomically.

use crate::error::Result;
use crate::traits::definition::NetabaseDefinitionTrait;
use crate::traits::model::NetabaseModelTrait;

/// A tree that can collect writes into a batch.
pub trait Batchable<D: NetabaseDefinitionTrait, M: NetabaseModelTrait<D>> {
    /// The batch type.
    type Batch: BatchBuilder<D, M>;

    /// Starts an empty batch.
    ///
    /// # Errors
    /// When the backend cannot prepare one.
    fn create_batch(&self) -> Result<Self::Batch>;
}

/// Collects puts and removes, then writes them all in one transaction.
///
/// Nothing is written before [`BatchBuilder::commit`]; dropping the batch discards it. If
/// `commit` fails, nothing of the batch was written.
pub trait BatchBuilder<D: NetabaseDefinitionTrait, M: NetabaseModelTrait<D>> {
    /// Queues an insert or overwrite.
    ///
    /// # Errors
    /// When the model cannot be encoded; the batch is unchanged.
    fn put(&mut self, model: M) -> Result<()>;

    /// Queues a removal.
    ///
    /// # Errors
    /// Reserved for backends that validate keys eagerly; the batch is unchanged.
    fn remove(&mut self, key: M::PrimaryKey) -> Result<()>;

    /// Writes every queued operation, in order, atomically.
    ///
    /// # Errors
    /// When two models would share the value of a unique secondary key (checked in the order
    /// of the operations), the engine fails or a stored value does not decode; then nothing
    /// was written.
    fn commit(self) -> Result<()>;
}
