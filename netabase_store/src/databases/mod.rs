//! The storage backends. Each native one implements the byte-level
//! [`Backend`](crate::engine::Backend) contract, and the typed API on top is shared; the
//! IndexedDB backend (wasm32, feature `wasm`) runs the typed layer's algorithms over async
//! IndexedDB requests.

pub mod any_store;
#[cfg(all(feature = "wasm", target_arch = "wasm32"))]
pub mod indexeddb_store;
pub mod memory_store;
#[cfg(feature = "redb")]
pub mod redb_store;
#[cfg(feature = "redb-zerocopy")]
pub mod redb_zerocopy;
#[cfg(feature = "sled")]
pub mod sled_store;

/// The typed entry points every backend store offers: `open_tree`, `read`, `write`,
/// `tree_names`, and the [`OpenTree`](crate::traits::store_ops::OpenTree) impl.
macro_rules! typed_store_api {
    ($store:ident, $tree_alias:ident) => {
        /// The tree of model `M` in this backend.
        pub type $tree_alias<'db, D, M> = $crate::store_tree::StoreTree<'db, D, M, $store<D>>;

        impl<D: $crate::traits::definition::NetabaseDefinitionTrait> $store<D> {
            /// Opens the tree of model `M`. Opening is free; errors surface on use.
            pub fn open_tree<M: $crate::traits::model::NetabaseModelTrait<D>>(
                &self,
            ) -> $tree_alias<'_, D, M> {
                $crate::store_tree::StoreTree::new(self)
            }

            /// Begins a read-only transaction.
            pub fn read(
                &self,
            ) -> $crate::transaction::TxnGuard<'_, D, Self, $crate::transaction::ReadOnly> {
                $crate::transaction::TxnGuard::begin(self)
            }

            /// Begins a read-write transaction; it writes nothing unless committed.
            pub fn write(
                &self,
            ) -> $crate::transaction::TxnGuard<'_, D, Self, $crate::transaction::ReadWrite> {
                $crate::transaction::TxnGuard::begin(self)
            }

            /// The models of definition `D`, one tree each.
            pub fn tree_names(&self) -> Vec<D::Discriminant> {
                $crate::traits::definition::model_discriminants::<D>().to_vec()
            }

            /// Subscribes to every committed change in this store.
            pub fn subscribe(&self) -> $crate::subscription::Subscription<D> {
                $crate::subscription::subscribe_store::<D>(
                    $crate::engine::Backend::changes(self),
                    None,
                )
            }

            /// Subscribes to the committed changes of the given models.
            pub fn subscribe_models(
                &self,
                models: &[D::Discriminant],
            ) -> $crate::subscription::Subscription<D> {
                $crate::subscription::subscribe_store::<D>(
                    $crate::engine::Backend::changes(self),
                    Some(models),
                )
            }

            /// Makes every committed write durable.
            ///
            /// # Errors
            /// When the engine fails to sync.
            pub fn flush(&self) -> $crate::error::Result<()> {
                $crate::engine::Backend::flush(self)
            }
        }

        impl<D: $crate::traits::definition::NetabaseDefinitionTrait>
            $crate::traits::store_ops::OpenTree<D> for $store<D>
        {
            type Tree<'a, M>
                = $tree_alias<'a, D, M>
            where
                Self: 'a,
                M: $crate::traits::model::NetabaseModelTrait<D>;

            fn open_tree<M: $crate::traits::model::NetabaseModelTrait<D>>(
                &self,
            ) -> $tree_alias<'_, D, M> {
                $store::open_tree(self)
            }
        }
    };
}

use typed_store_api;
