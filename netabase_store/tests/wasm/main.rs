//! Browser tests of netabase_store (wasm32 only), run in headless Chromium by
//! `scripts/test-browser`: the store conformance suite in async form against IndexedDB and
//! the memory backend, IndexedDB opening, reopening and upgrading, bad bytes, aborted writes,
//! the memory backend's sync API, and the IndexedDB snippets of the README and the seeds.
#![cfg(target_arch = "wasm32")]

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod conformance;
mod indexeddb;
mod memory_sync;
mod readme;
#[path = "../it/schema.rs"]
mod schema;
mod seeds;

use std::cell::Cell;

thread_local! {
    static DATABASES: Cell<u32> = const { Cell::new(0) };
}

/// A database name no other test (of this run or an earlier one in the same browser profile)
/// uses.
pub fn unique_name(test: &str) -> String {
    let n = DATABASES.with(|count| {
        count.set(count.get() + 1);
        count.get()
    });
    format!("netabase-{test}-{}-{n}", js_sys::Date::now())
}
