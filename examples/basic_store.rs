//! Basic CRUD and secondary-key queries on a sled-backed store.
//!
//! Run with `cargo run --example basic_store`.

use netabase_store::traits::model::NetabaseModelTrait;
use netabase_store::{NetabaseStore, netabase_definition_module};

#[netabase_definition_module(BlogDefinition, BlogKeys)]
mod blog {
    use netabase_store::{NetabaseModel, netabase};

    #[derive(NetabaseModel, Clone, Debug, bincode::Encode, bincode::Decode)]
    #[netabase(BlogDefinition)]
    pub struct User {
        #[primary_key]
        pub id: u64,
        pub name: String,
        #[secondary_key]
        pub email: String,
        #[secondary_key]
        pub country: String,
    }
}
use blog::*;

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let dir = tempfile::tempdir()?;
    let store = NetabaseStore::<BlogDefinition, _>::sled(dir.path().join("basic_store"))?;
    let users = store.open_tree::<User>();

    for (id, name, country) in [(1, "Ada", "UK"), (2, "Grace", "US"), (3, "Alan", "UK")] {
        users.put(User {
            id,
            name: name.into(),
            email: format!("{}@example.com", name.to_lowercase()),
            country: country.into(),
        })?;
    }
    println!("stored {} users", users.len()?);

    let ada = users.get(UserPrimaryKey(1))?.expect("Ada was stored");
    println!("get(1) -> {} <{}>", ada.name, ada.email);

    let uk = users.get_by_secondary_key("UK".as_user_country_key())?;
    println!(
        "country = UK -> {:?}",
        uk.iter().map(|u| &u.name).collect::<Vec<_>>()
    );

    // Changing a secondary key moves the model in the index.
    let mut alan = users.get(UserPrimaryKey(3))?.expect("Alan was stored");
    alan.country = "FR".into();
    users.put(alan.clone())?;
    let uk = users.get_by_secondary_key("UK".as_user_country_key())?;
    println!(
        "after Alan moved to FR, country = UK -> {:?}",
        uk.iter().map(|u| &u.name).collect::<Vec<_>>()
    );

    let removed = users.remove(alan.primary_key())?;
    println!("remove(3) returned {:?}", removed.map(|u| u.name));

    for item in users.iter() {
        let (key, user) = item?;
        println!(
            "  {:>2} {} <{}> {}",
            key.0, user.name, user.email, user.country
        );
    }
    Ok(())
}
