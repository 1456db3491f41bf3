//! Explicit transactions: read-only and read-write guards, several trees in one atomic commit,
//! and rollback by dropping.
//!
//! Run with `cargo run --example transactions`.

use netabase_store::{NetabaseStore, netabase_definition_module};

#[netabase_definition_module(BankDefinition, BankKeys)]
mod bank {
    use netabase_store::{NetabaseModel, netabase};

    #[derive(NetabaseModel, Clone, Debug, bincode::Encode, bincode::Decode)]
    #[netabase(BankDefinition)]
    pub struct Account {
        #[primary_key]
        pub id: u32,
        pub owner: String,
        pub balance: i64,
    }

    #[derive(NetabaseModel, Clone, Debug, bincode::Encode, bincode::Decode)]
    #[netabase(BankDefinition)]
    pub struct Transfer {
        #[primary_key]
        pub id: u64,
        #[secondary_key]
        pub from: u32,
        #[secondary_key]
        pub to: u32,
        pub amount: i64,
    }
}
use bank::*;

fn transfer(
    store: &NetabaseStore<
        BankDefinition,
        netabase_store::databases::redb_store::RedbStore<BankDefinition>,
    >,
    id: u64,
    from: u32,
    to: u32,
    amount: i64,
) -> anyhow::Result<bool> {
    let txn = store.write();
    let mut accounts = txn.open_tree::<Account>();
    let mut source = accounts
        .get(AccountPrimaryKey(from))?
        .ok_or_else(|| anyhow::anyhow!("no account {from}"))?;
    let mut target = accounts
        .get(AccountPrimaryKey(to))?
        .ok_or_else(|| anyhow::anyhow!("no account {to}"))?;
    source.balance -= amount;
    target.balance += amount;
    accounts.put_many([source.clone(), target])?;
    txn.open_tree::<Transfer>().put(Transfer {
        id,
        from,
        to,
        amount,
    })?;
    if source.balance < 0 {
        // Dropping the guard rolls back both trees.
        txn.rollback();
        return Ok(false);
    }
    txn.commit()?;
    Ok(true)
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let dir = tempfile::tempdir()?;
    let store = NetabaseStore::<BankDefinition, _>::redb(dir.path().join("bank.redb"))?;
    store.open_tree::<Account>().put_many([
        Account {
            id: 1,
            owner: "alice".into(),
            balance: 100,
        },
        Account {
            id: 2,
            owner: "bob".into(),
            balance: 20,
        },
    ])?;

    println!(
        "transfer 1: alice -> bob 70: committed = {}",
        transfer(&store, 1, 1, 2, 70)?
    );
    println!(
        "transfer 2: alice -> bob 50: committed = {} (would overdraw)",
        transfer(&store, 2, 1, 2, 50)?
    );

    // A read transaction sees one consistent snapshot of both trees.
    let read = store.read();
    let accounts = read.open_tree::<Account>();
    for item in accounts.iter()? {
        let (_, account) = item?;
        println!("  {:<5} balance {}", account.owner, account.balance);
    }
    let transfers = read.open_tree::<Transfer>();
    println!("  transfers recorded: {}", transfers.len()?);
    println!(
        "  transfers into bob: {}",
        transfers
            .get_by_secondary_key(2u32.as_transfer_to_key())?
            .len()
    );
    Ok(())
}
