use netabase_store::netabase_definition_module;

#[netabase_definition_module(ShopDefinition, ShopKeys)]
mod shop {
    use netabase_store::{NetabaseModel, netabase};

    #[derive(NetabaseModel, Clone, Debug, bincode::Encode, bincode::Decode)]
    #[netabase(ShopDefinition, BlogDefinition)]
    pub struct Product {
        #[primary_key]
        pub sku: String,
    }
}

fn main() {}
