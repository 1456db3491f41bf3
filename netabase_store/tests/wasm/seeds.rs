//! Seed 003's IndexedDB snippet ("4. Use with IndexedDB (WASM)"), kept as close to the text as
//! possible; `Box<dyn Error>` and the `wasm_example` name are the seed's.

use netabase_store::databases::indexeddb_store::IndexedDBStore;
use netabase_store::traits::model::NetabaseModelTrait;
// As in the seed. The tree's inherent methods are found first, so the trait goes unused here;
// generic code uses it (see the conformance suite).
#[allow(unused_imports)]
use netabase_store::traits::tree::NetabaseTreeAsync;

use crate::readme::blog::{BlogDefinition, User};
use crate::unique_name;

async fn wasm_example() -> Result<(), Box<dyn std::error::Error>> {
    // Create a store in the browser (the seed's name is "my_database"; tests use unique names)
    let store = IndexedDBStore::<BlogDefinition>::new(unique_name("my_database")).await?;

    // Note: WASM uses async API
    let user_tree = store.open_tree::<User>();

    let user = User {
        id: 1,
        username: "charlie".to_string(),
        email: "charlie@example.com".to_string(),
    };

    // All operations are async
    user_tree.put(user.clone()).await?;
    let retrieved = user_tree.get(user.primary_key()).await?;
    assert_eq!(retrieved.map(|u| u.username), Some("charlie".to_string()));

    Ok(())
}

#[wasm_bindgen_test::wasm_bindgen_test]
async fn seed_003_indexeddb_snippet_runs() {
    wasm_example().await.unwrap();
}
