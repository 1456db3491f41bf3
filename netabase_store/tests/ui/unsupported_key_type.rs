use netabase_store::netabase_definition_module;

#[netabase_definition_module(ShopDefinition, ShopKeys)]
mod shop {
    use netabase_store::{NetabaseModel, netabase};

    /// Everything a key needs except an order-preserving encoding (`KeyCodec`).
    #[derive(
        Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, bincode::Encode, bincode::Decode,
    )]
    pub struct Sku {
        pub code: String,
    }

    #[derive(NetabaseModel, Clone, Debug, bincode::Encode, bincode::Decode)]
    #[netabase(ShopDefinition)]
    pub struct Product {
        #[primary_key]
        pub sku: Sku,
        pub name: String,
    }
}

fn main() {}
