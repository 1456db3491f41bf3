//! The same code on every backend: sled, redb and memory, through `NetabaseStore`.
//!
//! Run with `cargo run --example unified_api`.

use netabase_store::engine::Backend;
use netabase_store::{NetabaseStore, netabase_definition_module};

#[netabase_definition_module(ShopDefinition, ShopKeys)]
mod shop {
    use netabase_store::{NetabaseModel, netabase};

    #[derive(NetabaseModel, Clone, Debug, bincode::Encode, bincode::Decode)]
    #[netabase(ShopDefinition)]
    pub struct Product {
        #[primary_key]
        pub sku: String,
        pub name: String,
        pub price_cents: u64,
        #[secondary_key]
        pub category: String,
    }
}
use shop::*;

/// Works on any backend.
fn stock_and_query<B: Backend>(
    label: &str,
    store: &NetabaseStore<ShopDefinition, B>,
) -> anyhow::Result<()> {
    let products = store.open_tree::<Product>();
    products.put_many([
        Product {
            sku: "b-1".into(),
            name: "Kettle".into(),
            price_cents: 2999,
            category: "kitchen".into(),
        },
        Product {
            sku: "a-7".into(),
            name: "Lamp".into(),
            price_cents: 4550,
            category: "living".into(),
        },
        Product {
            sku: "c-2".into(),
            name: "Pan".into(),
            price_cents: 1999,
            category: "kitchen".into(),
        },
    ])?;
    let kitchen = products.get_by_secondary_key("kitchen".as_product_category_key())?;
    let skus: Vec<String> = products
        .iter()
        .map(|item| item.map(|(key, _)| key.0))
        .collect::<Result<_, _>>()?;
    println!(
        "{label:>6}: {} products, in sku order {:?}; kitchen: {:?}",
        products.len()?,
        skus,
        kitchen.iter().map(|p| p.name.as_str()).collect::<Vec<_>>()
    );
    store.flush()?;
    Ok(())
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let dir = tempfile::tempdir()?;
    stock_and_query(
        "sled",
        &NetabaseStore::<ShopDefinition, _>::sled(dir.path().join("shop.sled"))?,
    )?;
    stock_and_query(
        "redb",
        &NetabaseStore::<ShopDefinition, _>::redb(dir.path().join("shop.redb"))?,
    )?;
    stock_and_query("memory", &NetabaseStore::<ShopDefinition, _>::memory())?;
    Ok(())
}
