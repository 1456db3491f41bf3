use netabase_store::netabase_definition_module;

#[netabase_definition_module(ShopDefinition, ShopKeys)]
mod shop {
    use netabase_store::{NetabaseModel, netabase};

    #[derive(NetabaseModel)]
    #[netabase(ShopDefinition)]
    pub union Product {
        pub id: u64,
        pub bits: [u8; 8],
    }
}

fn main() {}
