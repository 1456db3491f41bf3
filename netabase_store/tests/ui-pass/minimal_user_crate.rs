//! The README's schema, in a crate that depends only on `netabase_store`, `bincode` and `serde`.

use netabase_store::netabase_definition_module;

#[netabase_definition_module(BlogDefinition, BlogKeys)]
pub mod blog_schema {
    use netabase_store::{NetabaseModel, netabase};

    #[derive(
        NetabaseModel,
        bincode::Encode,
        bincode::Decode,
        Clone,
        Debug,
        serde::Serialize,
        serde::Deserialize,
    )]
    #[netabase(BlogDefinition)]
    pub struct User {
        #[primary_key]
        pub id: u64,
        pub username: String,
        #[secondary_key]
        pub email: String,
    }
}

use blog_schema::*;
use netabase_store::traits::model::NetabaseModelTrait;

fn main() {
    let user = User {
        id: 1,
        username: "ann".into(),
        email: "ann@example.org".into(),
    };
    assert_eq!(user.primary_key(), UserPrimaryKey(1));
    assert_eq!(
        "ann@example.org".as_user_email_key(),
        UserSecondaryKeys::Email(EmailSecondaryKey("ann@example.org".into()))
    );
    let definition: BlogDefinition = user.into();
    assert_eq!(
        netabase_store::traits::definition::NetabaseDefinitionTrait::discriminant_name(&definition),
        "User"
    );
}
