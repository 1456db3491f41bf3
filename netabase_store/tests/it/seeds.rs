//! The store snippets of the user's documents (shared/spec/seeds 000 and 003), kept as close
//! to the text as possible. Deviations are commented: paths like `"./my_db"` become paths in a
//! temporary directory, and `?` in `main` becomes `anyhow::Result`.

use netabase_store::netabase_definition_module;
use netabase_store::traits::model::NetabaseModelTrait;

// Seed 003, "1. Define Your Schema" (plus the `Article` of "Secondary Keys", which derives
// `Debug` here: every model must be `Debug`, as the definition enum is).
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
    pub struct Post {
        #[primary_key]
        pub id: u64,
        pub title: String,
        pub content: String,
        #[secondary_key]
        pub author_id: u64,
    }

    #[derive(NetabaseModel, Clone, Debug, bincode::Encode, bincode::Decode)]
    #[netabase(BlogDefinition)]
    pub struct Article {
        #[primary_key]
        pub id: u64,
        pub title: String,
        #[secondary_key]
        pub category: String,
        #[secondary_key]
        pub published: bool,
    }
}

use blog_schema::*;

fn dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// Seed 003, "2. Use with NetabaseStore (Recommended)", on all three constructors.
#[test]
fn seed_003_quick_start() -> anyhow::Result<()> {
    use netabase_store::NetabaseStore;
    let dir = dir();

    // Option 1: Sled backend (high-performance)
    let store = NetabaseStore::<BlogDefinition, _>::sled(dir.path().join("my_db"))?;

    // Open a tree for users - works identically across all backends
    let user_tree = store.open_tree::<User>();

    // Insert a user
    let user = User {
        id: 1,
        username: "alice".to_string(),
        email: "alice@example.com".to_string(),
    };
    user_tree.put(user.clone())?;

    // Get by primary key - use the generated type
    let retrieved = user_tree.get(UserPrimaryKey(1))?.unwrap();
    assert_eq!(retrieved.username, "alice");

    // Alternative: use primary_key() method
    let retrieved2 = user_tree.get(user.primary_key())?.unwrap();
    assert_eq!(retrieved2.username, "alice");

    // Query by secondary key
    let users_by_email = user_tree.get_by_secondary_key(UserSecondaryKeys::Email(
        UserEmailSecondaryKey("alice@example.com".to_string()),
    ))?;
    assert_eq!(users_by_email.len(), 1);

    // Iterate over all users
    let mut seen = 0;
    for result in user_tree.iter() {
        let (_key, user) = result?;
        assert_eq!(user.username, "alice");
        seen += 1;
    }
    assert_eq!(seen, 1);

    // Access backend-specific features when needed
    store.flush()?;

    // Option 2: Redb backend (memory-efficient, ACID)
    let store = NetabaseStore::<BlogDefinition, _>::redb(dir.path().join("my_db.redb"))?;
    store.open_tree::<User>().put(user.clone())?;
    assert_eq!(
        store
            .open_tree::<User>()
            .get(UserPrimaryKey(1))?
            .unwrap()
            .email,
        user.email
    );

    // Option 3: Temporary store for testing
    let store = NetabaseStore::<BlogDefinition, _>::temp()?;
    store.open_tree::<User>().put(user)?;
    assert_eq!(store.open_tree::<User>().len()?, 1);
    Ok(())
}

/// Seed 003, "3. Direct Backend Usage (Advanced)".
#[test]
fn seed_003_direct_backend_usage() -> anyhow::Result<()> {
    use netabase_store::databases::redb_store::RedbStore;
    use netabase_store::databases::sled_store::SledStore;
    let dir = dir();

    // Direct Sled usage
    let sled_store = SledStore::<BlogDefinition>::temp()?;
    let user_tree = sled_store.open_tree::<User>();
    user_tree.put(User {
        id: 1,
        username: "a".into(),
        email: "a@x".into(),
    })?;
    assert_eq!(user_tree.len()?, 1);

    // Direct Redb usage
    let redb_store = RedbStore::<BlogDefinition>::new(dir.path().join("my_database.redb"))?;
    let user_tree = redb_store.open_tree::<User>();
    user_tree.put(User {
        id: 1,
        username: "a".into(),
        email: "a@x".into(),
    })?;
    assert_eq!(user_tree.len()?, 1);
    Ok(())
}

/// Seed 003, "Configuration API": builder, simple constructor, temporary database, and the
/// same config on every backend.
#[test]
fn seed_003_configuration_api() -> anyhow::Result<()> {
    use netabase_store::config::FileConfig;
    use netabase_store::databases::redb_store::RedbStore;
    use netabase_store::databases::sled_store::SledStore;
    use netabase_store::traits::backend_store::BackendStore;
    let dir = dir();
    let path = dir.path().join("app_data.db");

    // Method 1: Builder pattern (recommended)
    let config = FileConfig::builder()
        .path(path.clone())
        .cache_size_mb(1024)
        .truncate(true)
        .build();
    let store = <SledStore<BlogDefinition> as BackendStore<BlogDefinition>>::new(config)?;
    store.open_tree::<User>().put(User {
        id: 7,
        username: "u".into(),
        email: "e".into(),
    })?;
    // sled locks its directory: the seed opens the same path again, so the first store must go.
    drop(store);

    // Method 2: Simple constructor
    let config = FileConfig::new(&path);
    let store = <SledStore<BlogDefinition> as BackendStore<BlogDefinition>>::open(config)?;
    assert_eq!(
        store.open_tree::<User>().len()?,
        1,
        "open() finds what new() wrote"
    );

    // Method 3: Temporary database
    let store = <SledStore<BlogDefinition> as BackendStore<BlogDefinition>>::temp()?;
    assert!(store.open_tree::<User>().is_empty()?);

    // "Switching Backends with Same Config" (sled keeps a directory and redb a file, so the
    // two share the options but not the path).
    let config = FileConfig::builder()
        .path(dir.path().join("my_app.db"))
        .cache_size_mb(512)
        .build();
    let store = <RedbStore<BlogDefinition> as BackendStore<BlogDefinition>>::new(config.clone())?;
    let user_tree = store.open_tree::<User>();
    user_tree.put(User {
        id: 1,
        username: "r".into(),
        email: "r@x".into(),
    })?;
    let mut sled_config = config;
    sled_config.path = dir.path().join("my_app.sled");
    let store = <SledStore<BlogDefinition> as BackendStore<BlogDefinition>>::new(sled_config)?;
    let user_tree = store.open_tree::<User>();
    user_tree.put(User {
        id: 1,
        username: "s".into(),
        email: "s@x".into(),
    })?;
    Ok(())
}

fn users(range: std::ops::Range<u64>) -> Vec<User> {
    range
        .map(|i| User {
            id: i,
            username: format!("user{}", i),
            email: format!("user{}@example.com", i),
        })
        .collect()
}

/// Seed 003, "Bulk Operations with Transactions", then the batch API that follows it.
#[test]
fn seed_003_bulk_operations_with_transactions() -> anyhow::Result<()> {
    use netabase_store::NetabaseStore;
    #[allow(unused_imports)] // The seed imports the trait; the batch's inherent methods win.
    use netabase_store::traits::batch::Batchable;
    let dir = dir();
    let store = NetabaseStore::<BlogDefinition, _>::sled(dir.path().join("my_db"))?;

    // Create a write transaction for bulk operations
    // NOTE: write() returns TxnGuard directly, not a Result
    let txn = store.write();
    let mut user_tree = txn.open_tree::<User>();

    // Bulk insert
    let users_vec: Vec<User> = users(0..1000);

    // All inserts in a single transaction
    user_tree.put_many(users_vec)?;

    // Bulk read within transaction
    let keys: Vec<UserPrimaryKey> = (0..100).map(UserPrimaryKey).collect();
    let users_read: Vec<Option<User>> = user_tree.get_many(keys)?;
    assert!(users_read.iter().all(Option::is_some));

    // Commit all changes atomically
    txn.commit()?;
    assert_eq!(store.open_tree::<User>().len()?, 1000);

    // Or use the batch API for more control (the seed elides the models: `User { /* ... */ }`).
    let user_tree = store.open_tree::<User>();
    // Create a batch
    let mut batch = user_tree.create_batch()?;
    // Add many operations
    for user in users(1000..2000) {
        batch.put(user)?;
    }
    // Commit atomically - all or nothing
    batch.commit()?;
    assert_eq!(user_tree.len()?, 2000);
    Ok(())
}

/// Seed 003, "Transactions (New!)".
#[test]
fn seed_003_transactions() -> anyhow::Result<()> {
    use netabase_store::NetabaseStore;
    let dir = dir();
    let store = NetabaseStore::<BlogDefinition, _>::sled(dir.path().join("my_db"))?;
    store.open_tree::<User>().put(users(1..2).remove(0))?;

    // Read-only transaction - multiple concurrent reads allowed
    // NOTE: read() and write() return guards directly, not Results
    let txn = store.read();
    let user_tree = txn.open_tree::<User>();
    let user = user_tree.get(UserPrimaryKey(1))?;
    assert!(user.is_some());
    // Transaction auto-closes on drop

    // Read-write transaction - exclusive access, atomic commit
    let txn = store.write();
    let mut user_tree = txn.open_tree::<User>();

    // All operations share the same transaction
    for i in 0..1000 {
        let user = User {
            id: i,
            username: format!("user{}", i),
            email: format!("user{}@example.com", i),
        };
        user_tree.put(user)?;
    }

    // Bulk helpers also work within transactions
    let more_users = users(1000..1100);
    user_tree.put_many(more_users)?;

    // Commit all changes atomically
    txn.commit()?;
    // Or drop without committing to rollback
    assert_eq!(store.open_tree::<User>().len()?, 1100);
    Ok(())
}

/// Seed 003, "Secondary Keys" (with `Article` in `BlogDefinition`).
#[test]
fn seed_003_secondary_keys() -> anyhow::Result<()> {
    let store = netabase_store::NetabaseStore::<BlogDefinition, _>::temp()?;
    let article_tree = store.open_tree::<Article>();
    for (id, category, published) in [(1, "tech", true), (2, "science", false), (3, "tech", false)]
    {
        article_tree.put(Article {
            id,
            title: format!("t{id}"),
            category: category.into(),
            published,
        })?;
    }

    // Query by single secondary key
    let tech_articles = article_tree.get_by_secondary_key(ArticleSecondaryKeys::Category(
        ArticleCategorySecondaryKey("tech".to_string()),
    ))?;
    assert_eq!(
        tech_articles.iter().map(|a| a.id).collect::<Vec<_>>(),
        vec![1, 3]
    );

    // Bulk query multiple secondary keys
    let keys = vec![
        ArticleSecondaryKeys::Category(ArticleCategorySecondaryKey("tech".to_string())),
        ArticleSecondaryKeys::Category(ArticleCategorySecondaryKey("science".to_string())),
    ];
    let results: Vec<Vec<Article>> = article_tree.get_many_by_secondary_keys(keys)?;
    // results[0] = tech articles, results[1] = science articles
    assert_eq!(results[0].len(), 2);
    assert_eq!(results[1].len(), 1);
    let published = article_tree.get_by_secondary_key(ArticleSecondaryKeys::Published(
        ArticlePublishedSecondaryKey(true),
    ))?;
    assert_eq!(published.len(), 1);
    Ok(())
}

/// Seed 003, "Multiple Models in One Store".
#[test]
fn seed_003_multiple_models() -> anyhow::Result<()> {
    use netabase_store::NetabaseStore;
    let dir = dir();
    let store = NetabaseStore::<BlogDefinition, _>::sled(dir.path().join("blog_db"))?;

    // Different trees for different models
    let user_tree = store.open_tree::<User>();
    let post_tree = store.open_tree::<Post>();

    let user = users(1..2).remove(0);
    let post = Post {
        id: 1,
        title: "t".into(),
        content: "c".into(),
        author_id: 1,
    };
    // Each tree is independent but shares the same underlying database
    user_tree.put(user)?;
    post_tree.put(post)?;
    assert_eq!(user_tree.len()?, 1);
    let by_author =
        post_tree.get_by_secondary_key(PostSecondaryKeys::AuthorId(PostAuthorIdSecondaryKey(1)))?;
    assert_eq!(by_author.len(), 1);
    Ok(())
}

/// Seed 003, "Temporary Store for Testing".
#[test]
fn seed_003_temporary_store() -> anyhow::Result<()> {
    use netabase_store::NetabaseStore;

    // Perfect for unit tests - no cleanup needed
    let store = NetabaseStore::<BlogDefinition, _>::temp()?;
    let user_tree = store.open_tree::<User>();

    let user = users(5..6).remove(0);
    user_tree.put(user)?;
    assert!(user_tree.get(UserPrimaryKey(5))?.is_some());
    Ok(())
}

/// Seed 000, "Local Database Usage", verbatim apart from the module name (`blog` there; this
/// file already has a `BlogDefinition`).
mod seed_000 {
    use netabase_store::databases::sled_store::SledStore;
    use netabase_store::netabase_definition_module;
    use netabase_store::traits::model::NetabaseModelTrait;
    #[allow(unused_imports)] // Seed 000 imports the trait; the tree's inherent methods win.
    use netabase_store::traits::tree::NetabaseTreeSync;

    // Define your data models
    #[netabase_definition_module(BlogDefinition, BlogKeys)]
    mod blog {
        use netabase_store::{NetabaseModel, netabase};
        #[derive(
            NetabaseModel,
            Clone,
            Debug,
            bincode::Encode,
            bincode::Decode,
            serde::Serialize,
            serde::Deserialize,
        )]
        #[netabase(BlogDefinition)]
        pub struct User {
            #[primary_key]
            pub id: u64,
            pub name: String,
            #[secondary_key]
            pub email: String,
        }
    }
    use blog::*;

    #[test]
    fn seed_000_local_database_usage() {
        // Create local database
        let db = SledStore::<BlogDefinition>::temp().unwrap();
        let user_tree = db.open_tree::<User>();
        let user = User {
            id: 1,
            name: "Some Name".to_string(),
            email: "some@email.com".to_string(),
        };
        // Standard CRUD operations
        user_tree.put(user.clone()).unwrap();
        let retrieved = user_tree.get(user.primary_key()).unwrap().unwrap();
        assert_eq!(retrieved.name, "Some Name");
        // Secondary key queries
        let users_by_email = user_tree
            .get_by_secondary_key(UserSecondaryKeys::Email(EmailSecondaryKey(
                "some@email.com".to_string(),
            )))
            .unwrap();
        assert_eq!(users_by_email.len(), 1);
    }
}
