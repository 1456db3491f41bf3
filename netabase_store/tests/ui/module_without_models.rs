use netabase_store::netabase_definition_module;

#[netabase_definition_module(ShopDefinition, ShopKeys)]
mod shop {
    #[derive(Clone, Debug)]
    pub struct Product {
        pub sku: String,
    }
}

fn main() {}
