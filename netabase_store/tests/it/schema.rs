//! The schema the conformance suite, the state-machine tests and the crash test run on.

use netabase_store::netabase_definition_module;

#[netabase_definition_module(TestDefinition, TestKeys)]
pub mod test_schema {
    use netabase_store::{NetabaseModel, netabase};

    /// u64 primary key; String, u64 and bool secondary keys.
    #[derive(NetabaseModel, Clone, Debug, PartialEq, Eq, bincode::Encode, bincode::Decode)]
    #[netabase(TestDefinition)]
    pub struct User {
        #[primary_key]
        pub id: u64,
        pub name: String,
        #[secondary_key]
        pub email: String,
        #[secondary_key]
        pub age: u64,
        #[secondary_key]
        pub active: bool,
    }

    /// i64 primary key (negative keys must sort first), bulky payloads.
    #[derive(NetabaseModel, Clone, Debug, PartialEq, Eq, bincode::Encode, bincode::Decode)]
    #[netabase(TestDefinition)]
    pub struct Event {
        #[primary_key]
        pub at: i64,
        pub payload: Vec<u8>,
    }

    /// String primary key.
    #[derive(NetabaseModel, Clone, Debug, PartialEq, Eq, bincode::Encode, bincode::Decode)]
    #[netabase(TestDefinition)]
    pub struct Article {
        #[primary_key]
        pub slug: String,
        pub body: String,
        #[secondary_key]
        pub category: String,
    }

    /// Tuple primary key; i64 (negative values sort first) and byte-string secondary keys.
    #[derive(NetabaseModel, Clone, Debug, PartialEq, Eq, bincode::Encode, bincode::Decode)]
    #[netabase(TestDefinition)]
    pub struct Cell {
        #[primary_key]
        pub pos: (i32, String),
        #[secondary_key]
        pub level: i64,
        #[secondary_key]
        pub label: Vec<u8>,
    }

    /// Byte-string primary key.
    #[derive(NetabaseModel, Clone, Debug, PartialEq, Eq, bincode::Encode, bincode::Decode)]
    #[netabase(TestDefinition)]
    pub struct Chunk {
        #[primary_key]
        pub digest: Vec<u8>,
        pub size: u32,
    }

    /// Two unique secondary keys (`handle`, `number`) and a shared one (`team`).
    #[derive(NetabaseModel, Clone, Debug, PartialEq, Eq, bincode::Encode, bincode::Decode)]
    #[netabase(TestDefinition)]
    pub struct Account {
        #[primary_key]
        pub id: u64,
        #[secondary_key(unique)]
        pub handle: String,
        #[secondary_key(unique)]
        pub number: u32,
        #[secondary_key]
        pub team: u32,
    }

    /// A model whose encoding fails on demand, to test failures part way through a write.
    #[derive(NetabaseModel, Clone, Debug, PartialEq, Eq, bincode::Encode, bincode::Decode)]
    #[netabase(TestDefinition)]
    pub struct Fragile {
        #[primary_key]
        pub id: u32,
        #[secondary_key]
        pub group: u32,
        pub blob: Blob,
    }

    /// Encodes like a `String`, except that the text `"FAIL"` makes encoding fail.
    #[derive(Clone, Debug, PartialEq, Eq, bincode::Decode)]
    pub struct Blob(pub String);

    impl bincode::Encode for Blob {
        fn encode<E: bincode::enc::Encoder>(
            &self,
            encoder: &mut E,
        ) -> Result<(), bincode::error::EncodeError> {
            if self.0 == "FAIL" {
                return Err(bincode::error::EncodeError::Other("blob refused to encode"));
            }
            self.0.encode(encoder)
        }
    }
}

pub use test_schema::*;

/// A user whose secondary keys are derived from `id` and `variant`, so tests can predict them.
pub fn user(id: u64, variant: u64) -> User {
    User {
        id,
        name: format!("user {id}/{variant}"),
        email: format!("u{}@example.com", id.wrapping_add(variant) % 5),
        age: id.wrapping_mul(7).wrapping_add(variant) % 4,
        active: id.wrapping_add(variant).is_multiple_of(2),
    }
}

pub fn email(value: &str) -> UserSecondaryKeys {
    UserSecondaryKeys::Email(UserEmailSecondaryKey(value.to_string()))
}

pub fn age(value: u64) -> UserSecondaryKeys {
    UserSecondaryKeys::Age(UserAgeSecondaryKey(value))
}

pub fn active(value: bool) -> UserSecondaryKeys {
    UserSecondaryKeys::Active(UserActiveSecondaryKey(value))
}
