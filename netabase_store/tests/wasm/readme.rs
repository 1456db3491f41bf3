//! The README's IndexedDB snippet, compiled and run here. The lines between the markers are
//! the README's code block, character for character (`tests/it/readme.rs` checks it).

#[netabase_store::netabase_definition_module(BlogDefinition, BlogKeys)]
pub mod blog {
    use netabase_store::{NetabaseModel, netabase};

    #[derive(NetabaseModel, Clone, Debug, bincode::Encode, bincode::Decode)]
    #[netabase(BlogDefinition)]
    pub struct User {
        #[primary_key]
        pub id: u64,
        pub username: String,
        #[secondary_key]
        pub email: String,
    }
}
use blog::*;

// README:begin
use netabase_store::databases::indexeddb_store::IndexedDBStore;

async fn in_the_browser() -> Result<(), netabase_store::error::NetabaseError> {
    // Opens the IndexedDB database "blog": created on first use, upgraded with the object
    // stores of models added to the definition since.
    let store = IndexedDBStore::<BlogDefinition>::new("blog").await?;
    let users = store.open_tree::<User>();
    let alice = User {
        id: 1,
        username: "alice".into(),
        email: "alice@example.com".into(),
    };
    users.put(alice).await?; // one IndexedDB transaction: the model and its index entries
    assert_eq!(
        users.get(UserPrimaryKey(1)).await?.unwrap().username,
        "alice"
    );
    let found = users
        .get_by_secondary_key("alice@example.com".as_user_email_key())
        .await?;
    assert_eq!(found.len(), 1);
    Ok(())
}
// README:end

#[wasm_bindgen_test::wasm_bindgen_test]
async fn the_readme_snippet_runs() {
    in_the_browser().await.unwrap();
}
