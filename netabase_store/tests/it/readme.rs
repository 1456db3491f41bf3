//! The README's IndexedDB snippet cannot compile natively, so it is compiled and run in the
//! browser by `tests/wasm/readme.rs`; this checks that the two texts are the same.

#[test]
fn readme_indexeddb_snippet_is_the_one_the_browser_tests_run() {
    let root = env!("CARGO_MANIFEST_DIR");
    let readme = std::fs::read_to_string(format!("{root}/../README.md")).expect("README.md");
    let test = std::fs::read_to_string(format!("{root}/tests/wasm/readme.rs")).expect("readme.rs");
    let snippet = test
        .split_once("// README:begin\n")
        .and_then(|(_, rest)| rest.split_once("// README:end\n"))
        .map(|(snippet, _)| snippet)
        .expect("markers in tests/wasm/readme.rs");
    assert!(
        snippet.contains("IndexedDBStore::<BlogDefinition>::new"),
        "the marked snippet is the IndexedDB one"
    );
    let block = format!("```rust,ignore\n{snippet}```\n");
    assert!(
        readme.contains(&block),
        "README.md must contain this block verbatim:\n{block}"
    );
}
