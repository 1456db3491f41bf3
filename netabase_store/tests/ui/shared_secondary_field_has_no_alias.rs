use netabase_store::netabase_definition_module;

#[netabase_definition_module(ShopDefinition, ShopKeys)]
mod shop {
    use netabase_store::{NetabaseModel, netabase};

    #[derive(NetabaseModel, Clone, Debug, bincode::Encode, bincode::Decode)]
    #[netabase(ShopDefinition)]
    pub struct Customer {
        #[primary_key]
        pub id: u64,
        #[secondary_key]
        pub email: String,
    }

    #[derive(NetabaseModel, Clone, Debug, bincode::Encode, bincode::Decode)]
    #[netabase(ShopDefinition)]
    pub struct Supplier {
        #[primary_key]
        pub id: u64,
        #[secondary_key]
        pub email: String,
    }
}

use shop::*;

fn main() {
    // Both models have an `email` secondary key, so neither gets the unprefixed alias;
    // `CustomerEmailSecondaryKey` and `SupplierEmailSecondaryKey` exist.
    let _customer = CustomerEmailSecondaryKey("a@example.org".into());
    let _ambiguous = EmailSecondaryKey("a@example.org".into());
}
