//! Token generation: the only code that emits Rust.
//!
//! Generated code names everything through `::netabase_store::__private`, so a user crate
//! needs no dependency besides `netabase_store` for it to compile.

mod definition;
mod discriminant;
mod model;

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::{AttrStyle, Attribute, Ident, Item, ItemMod, Meta, Path};

use crate::ast::{self, Definition};
use crate::attr;
use crate::errors::Errors;

/// The hidden module of `netabase_store` that generated code goes through.
fn private() -> TokenStream {
    quote!(::netabase_store::__private)
}

/// The definition module, with every model marked as handled and, when `definition` is valid,
/// the generated items inserted: each model's right after it, the definition's at the end of
/// the module. Then the errors, if any.
pub(crate) fn definition_module(
    mut module: ItemMod,
    definition: Option<&Definition>,
    errors: Errors,
) -> TokenStream {
    if let Some((_, items)) = &mut module.content {
        let mut cursor = Cursor { models: 0 };
        rewrite_items(items, definition, &mut cursor, true);
    }
    let errors = errors.into_compile_errors();
    quote! {
        #module
        #errors
    }
}

/// The errors of a `#[derive(NetabaseModel)]` outside a definition module.
pub(crate) fn errors(errors: Errors) -> TokenStream {
    errors.into_compile_errors()
}

/// Counts the models met so far; the traversal is the one of [`ast::scan`], so the n-th
/// model met is `definition.models[n]`.
struct Cursor {
    models: usize,
}

fn rewrite_items(
    items: &mut Vec<Item>,
    definition: Option<&Definition>,
    cursor: &mut Cursor,
    is_root: bool,
) {
    for mut item in std::mem::take(items) {
        if ast::model_attrs(&item).is_some() {
            mark_model(&mut item);
            items.push(item);
            let model = definition.and_then(|d| Some((d, d.models.get(cursor.models)?)));
            if let Some((definition, model)) = model {
                items.push(Item::Verbatim(model::expand(definition, model)));
            }
            cursor.models += 1;
            continue;
        }
        if let Item::Mod(nested) = &mut item
            && ast::descends_into(nested)
            && let Some((_, nested_items)) = &mut nested.content
        {
            rewrite_items(nested_items, definition, cursor, false);
        }
        items.push(item);
    }
    if is_root && let Some(definition) = definition {
        items.push(Item::Verbatim(definition::expand(definition)));
    }
}

/// Appends `#[__netabase_in_module]` (the derive then expands to nothing) and moves any
/// `#[netabase(..)]` written before the `#[derive(..)]` listing `NetabaseModel` to just after
/// it, so the derive still sees the model before the attribute macro runs.
fn mark_model(item: &mut Item) {
    let attrs = match item {
        Item::Struct(item) => &mut item.attrs,
        Item::Enum(item) => &mut item.attrs,
        Item::Union(item) => &mut item.attrs,
        _ => return,
    };
    if let Some(derive) = attr::netabase_model_derive(attrs) {
        let (before, after) = attrs.split_at(derive);
        let (moved, kept): (Vec<Attribute>, Vec<Attribute>) =
            before.iter().cloned().partition(attr::is_netabase);
        let mut reordered = kept;
        let mut rest = after.iter().cloned();
        reordered.extend(rest.next());
        reordered.extend(moved);
        reordered.extend(rest);
        *attrs = reordered;
    }
    attrs.push(Attribute {
        pound_token: Default::default(),
        style: AttrStyle::Outer,
        bracket_token: Default::default(),
        meta: Meta::Path(Path::from(Ident::new(
            attr::IN_MODULE_MARKER,
            Span::call_site(),
        ))),
    });
}
