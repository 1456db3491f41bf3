//! Browser tests of netabase_store (wasm32 only), run in headless Chromium by
//! `scripts/test-browser`.
#![cfg(target_arch = "wasm32")]
