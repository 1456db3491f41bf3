//! Compile-fail tests of the schema macros: one mistake per file, each reported once at the
//! right tokens (`tests/ui/*.stderr`); and the README schema compiling in a minimal crate.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
    t.pass("tests/ui-pass/minimal_user_crate.rs");
}
