//! Schema macros for netabase. Use them through `netabase_store`, which re-exports them and
//! provides everything the generated code refers to.
//!
//! * [`macro@netabase_definition_module`] on an inline module declares a *definition*: a set
//!   of models stored together. It generates everything: per model, the key types
//!   (`UserPrimaryKey`, `UserEmailSecondaryKey`, `UserSecondaryKeys`,
//!   `UserSecondaryKeysDiscriminants`, `UserKey`), the `AsUserEmail` extension traits and the
//!   `NetabaseModelTrait` implementations; per definition, the definition enum
//!   (`BlogDefinition`), the keys enum (`BlogKeys`), their discriminant enums and conversions.
//! * [`derive@NetabaseModel`] marks a struct of that module as a model. Its helper attributes
//!   are `#[primary_key]` (exactly one field) and `#[secondary_key]` /
//!   `#[secondary_key(unique)]` (any number of fields, at most 255). Inside a definition module
//!   it expands to nothing (the module macro did the work); elsewhere it is an error.
//! * [`macro@netabase`] names the definition a model belongs to: `#[netabase(BlogDefinition)]`.
//!
//! ```ignore
//! use netabase_store::netabase_definition_module;
//!
//! #[netabase_definition_module(BlogDefinition, BlogKeys)]
//! pub mod blog_schema {
//!     use netabase_store::{NetabaseModel, netabase};
//!
//!     #[derive(NetabaseModel, bincode::Encode, bincode::Decode, Clone, Debug)]
//!     #[netabase(BlogDefinition)]
//!     pub struct User {
//!         #[primary_key]
//!         pub id: u64,
//!         pub username: String,
//!         #[secondary_key]
//!         pub email: String,
//!     }
//! }
//! use blog_schema::*;
//! use netabase_store::traits::definition::IntoDiscriminant;
//! use netabase_store::traits::model::NetabaseModelTrait;
//!
//! let user = User { id: 1, username: "ann".into(), email: "ann@example.org".into() };
//! assert_eq!(user.primary_key(), UserPrimaryKey(1));
//! // `EmailSecondaryKey` is the unprefixed re-export of `UserEmailSecondaryKey`.
//! let email = UserSecondaryKeys::Email(EmailSecondaryKey("ann@example.org".into()));
//! assert_eq!("ann@example.org".as_user_email_key(), email);
//! let any: BlogDefinition = user.into();
//! assert_eq!(any.discriminant(), BlogDefinitionDiscriminant::User);
//! ```
//!
//! Key fields may have any type implementing `netabase_store::codec::KeyCodec` (integers,
//! `bool`, `char`, `String`, `Vec<u8>`, `[u8; N]`, and `Option`s and tuples of these); `f32`
//! and `f64` are rejected because they have no total order. Mistakes are reported as compile
//! errors at the offending tokens, all of them in one compilation.

#![warn(missing_docs, unreachable_pub)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod ast;
mod attr;
mod errors;
mod expand;
mod validate;

use proc_macro::TokenStream;
use syn::{DeriveInput, Item};

use crate::errors::Errors;

/// Declares a definition: `#[netabase_definition_module(DefinitionName, KeysName)]` on an
/// inline module whose structs deriving [`NetabaseModel`](derive@NetabaseModel) are its models
/// (nested inline modules included).
///
/// Generates, in the module of each model, its key types, `As{Model}{Field}` traits and trait
/// implementations, plus an unprefixed re-export `{Field}SecondaryKey` for every secondary key
/// field name that only one model of the definition uses; and, at the end of the module, the
/// definition enum, the keys enum and their discriminants. When anything is wrong it generates
/// nothing and reports every mistake.
#[proc_macro_attribute]
pub fn netabase_definition_module(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let args = attr::ModuleArgs::parse(args.into(), &mut errors);
    let module = match syn::parse::<Item>(item.clone()) {
        Ok(Item::Mod(module)) if module.content.is_some() => module,
        Ok(other) => {
            let error = syn::Error::new_spanned(
                other,
                "`#[netabase_definition_module(..)]` goes on an inline module: `mod name { .. }`",
            );
            return with_item(error, item);
        }
        Err(error) => return with_item(error, item),
    };
    let scan = ast::scan(&module, &mut errors);
    let definition = validate::definition(args, &module, scan, &mut errors);
    expand::definition_module(module, definition.as_ref(), errors).into()
}

/// Marks a struct of a [`netabase_definition_module`](macro@netabase_definition_module) as a
/// model. Helper attributes: `#[primary_key]`, `#[secondary_key]`, `#[secondary_key(unique)]`.
///
/// The definition module generates the model's code, so inside one this derive expands to
/// nothing; anywhere else it reports an error.
#[proc_macro_derive(
    NetabaseModel,
    attributes(primary_key, secondary_key, __netabase_in_module)
)]
pub fn derive_netabase_model(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as DeriveInput);
    if attr::has_in_module_marker(&input.attrs) {
        return TokenStream::new();
    }
    let mut errors = Errors::default();
    let model = ast::ModelInput::from_derive_input(&input, &mut errors);
    validate::standalone_model(&model, &mut errors);
    expand::errors(errors).into()
}

/// Names the definition a model belongs to: `#[netabase(BlogDefinition)]`. The item is left
/// unchanged; the definition module checks that the name is its own.
#[proc_macro_attribute]
pub fn netabase(args: TokenStream, item: TokenStream) -> TokenStream {
    if attr::has_in_module_marker(&attr::outer_attributes(item.clone().into())) {
        return item;
    }
    match attr::definition_path(args.into()) {
        Ok(_) => item,
        Err(error) => with_item(error, item),
    }
}

/// An error followed by the unchanged item, so the item's other uses still resolve.
fn with_item(error: syn::Error, item: TokenStream) -> TokenStream {
    let mut tokens = TokenStream::from(error.into_compile_error());
    tokens.extend(item);
    tokens
}
