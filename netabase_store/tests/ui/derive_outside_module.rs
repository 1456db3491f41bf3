use netabase_store::{NetabaseModel, netabase};

#[derive(NetabaseModel, Clone, Debug, bincode::Encode, bincode::Decode)]
#[netabase(ShopDefinition)]
pub struct Product {
    #[primary_key]
    pub sku: String,
}

fn main() {}
