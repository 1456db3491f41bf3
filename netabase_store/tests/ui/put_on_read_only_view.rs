// A read-only transaction's views have no write methods: `put` does not compile.
use netabase_store::{NetabaseStore, netabase_definition_module};

#[netabase_definition_module(ShopDefinition, ShopKeys)]
mod shop {
    use netabase_store::{NetabaseModel, netabase};

    #[derive(NetabaseModel, Clone, Debug, bincode::Encode, bincode::Decode)]
    #[netabase(ShopDefinition)]
    pub struct Product {
        #[primary_key]
        pub sku: String,
    }
}
use shop::*;

fn main() {
    let store = NetabaseStore::<ShopDefinition, _>::memory();
    let txn = store.read();
    let mut products = txn.open_tree::<Product>();
    let _ = products.put(Product { sku: "a".into() });
}
