//! Opening typed trees on a store.

use crate::traits::definition::NetabaseDefinitionTrait;
use crate::traits::model::NetabaseModelTrait;
use crate::traits::tree::NetabaseTreeSync;

/// A store on which a tree can be opened for each model of definition `D`.
pub trait OpenTree<D: NetabaseDefinitionTrait> {
    /// The tree type for model `M`.
    type Tree<'a, M>: NetabaseTreeSync<D, M>
    where
        Self: 'a,
        M: NetabaseModelTrait<D>;

    /// Opens the tree of model `M`. Opening is free; errors surface on the first operation.
    fn open_tree<M: NetabaseModelTrait<D>>(&self) -> Self::Tree<'_, M>;
}
