//! The redb backend directly: CRUD, secondary index, bulk calls, reopening the file.
//!
//! Run with `cargo run --example redb_basic`.

use netabase_store::databases::redb_store::RedbStore;
use netabase_store::netabase_definition_module;

#[netabase_definition_module(LibraryDefinition, LibraryKeys)]
mod library {
    use netabase_store::{NetabaseModel, netabase};

    #[derive(NetabaseModel, Clone, Debug, bincode::Encode, bincode::Decode)]
    #[netabase(LibraryDefinition)]
    pub struct Book {
        #[primary_key]
        pub isbn: String,
        pub title: String,
        #[secondary_key]
        pub author: String,
        #[secondary_key]
        pub year: u16,
    }
}
use library::*;

fn book(isbn: &str, title: &str, author: &str, year: u16) -> Book {
    Book {
        isbn: isbn.into(),
        title: title.into(),
        author: author.into(),
        year,
    }
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("library.redb");
    {
        let store = RedbStore::<LibraryDefinition>::new(&path)?;
        let books = store.open_tree::<Book>();
        books.put_many([
            book(
                "978-0262033848",
                "Introduction to Algorithms",
                "Cormen",
                1990,
            ),
            book("978-0201633610", "Design Patterns", "Gamma", 1994),
            book(
                "978-0131103627",
                "The C Programming Language",
                "Kernighan",
                1978,
            ),
            book("978-0201835953", "The Mythical Man-Month", "Brooks", 1975),
        ])?;
        println!("stored {} books in {}", books.len()?, path.display());
    }

    // Reopen the file: everything, including the secondary index, is still there.
    let store = RedbStore::<LibraryDefinition>::open(&path)?;
    let books = store.open_tree::<Book>();
    let by_year = books
        .get_many_by_secondary_keys([1975u16.as_book_year_key(), 1994u16.as_book_year_key()])?;
    for (year, found) in [1975, 1994].iter().zip(by_year) {
        println!(
            "year {year}: {:?}",
            found.iter().map(|b| &b.title).collect::<Vec<_>>()
        );
    }
    let wanted = books.get_many([
        BookPrimaryKey("978-0201633610".into()),
        BookPrimaryKey("000".into()),
    ])?;
    println!(
        "get_many: {:?}",
        wanted
            .iter()
            .map(|b| b.as_ref().map(|b| &b.title))
            .collect::<Vec<_>>()
    );
    println!(
        "by author Kernighan: {:?}",
        books
            .get_by_secondary_key("Kernighan".as_book_author_key())?
            .first()
            .map(|b| &b.title)
    );
    println!(
        "removed: {:?}",
        books
            .remove(BookPrimaryKey("978-0131103627".into()))?
            .map(|b| b.title)
    );
    println!("books in isbn order:");
    for item in books.iter() {
        let (isbn, book) = item?;
        println!("  {} {} ({})", isbn.0, book.title, book.year);
    }
    Ok(())
}
