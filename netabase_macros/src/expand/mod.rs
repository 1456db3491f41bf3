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

#[cfg(test)]
mod tests {
    use quote::{ToTokens, quote};
    use syn::Item;

    use super::*;
    use crate::attr::ModuleArgs;
    use crate::validate;

    /// Runs the whole module macro on `module` with arguments `Def, Keys`.
    fn expand(module: TokenStream) -> syn::Result<TokenStream> {
        let module: ItemMod = syn::parse2(module)?;
        let mut errors = Errors::default();
        let args = ModuleArgs::parse(quote!(Def, Keys), &mut errors);
        let scan = ast::scan(&module, &mut errors);
        let definition = validate::definition(args, &module, scan, &mut errors);
        Ok(definition_module(module, definition.as_ref(), errors))
    }

    /// The attributes of the first struct of the first module in `tokens`, as strings.
    fn struct_attrs(tokens: TokenStream) -> syn::Result<Vec<String>> {
        let file: syn::File = syn::parse2(tokens)?;
        let attrs = file
            .items
            .iter()
            .filter_map(|item| match item {
                Item::Mod(module) => module.content.as_ref(),
                _ => None,
            })
            .flat_map(|(_, items)| items)
            .find_map(|item| match item {
                Item::Struct(item) => Some(&item.attrs),
                _ => None,
            });
        Ok(attrs
            .into_iter()
            .flatten()
            .map(|attr| attr.to_token_stream().to_string())
            .collect())
    }

    #[test]
    fn netabase_written_before_the_derive_moves_after_it() -> syn::Result<()> {
        let output = expand(quote! {
            mod m {
                /// Docs stay first.
                #[netabase(Def)]
                #[derive(Clone)]
                #[derive(Debug, netabase_store::NetabaseModel)]
                #[allow(dead_code)]
                pub struct User { #[primary_key] pub id: u64 }
            }
        })?;
        assert_eq!(
            struct_attrs(output)?,
            [
                "# [doc = r\" Docs stay first.\"]",
                "# [derive (Clone)]",
                "# [derive (Debug , netabase_store :: NetabaseModel)]",
                "# [netabase (Def)]",
                "# [allow (dead_code)]",
                "# [__netabase_in_module]",
            ]
        );
        Ok(())
    }

    #[test]
    fn an_invalid_module_is_marked_but_gets_no_generated_items() -> syn::Result<()> {
        let output = expand(quote! {
            mod m {
                #[derive(NetabaseModel)]
                #[netabase(Def)]
                pub struct User { pub id: u64 }
            }
        })?;
        let text = output.to_string();
        assert!(text.contains("__netabase_in_module"));
        assert!(text.contains("compile_error"));
        assert!(!text.contains("UserPrimaryKey"));
        assert!(!text.contains("enum Def"));
        Ok(())
    }

    #[test]
    fn nested_models_get_their_items_in_their_module() -> syn::Result<()> {
        let output = expand(quote! {
            mod m {
                pub mod inner {
                    #[derive(NetabaseModel)]
                    #[netabase(Def)]
                    pub struct Post { #[primary_key] pub id: u64, #[secondary_key] pub tag: u8 }
                }
            }
        })?;
        let file: syn::File = syn::parse2(output)?;
        let Some(Item::Mod(root)) = file.items.first() else {
            return Err(syn::Error::new(Span::call_site(), "no module"));
        };
        let root_items = root.content.as_ref().map(|(_, items)| items.as_slice());
        let text = |items: &[Item]| quote!(#(#items)*).to_string();
        let root_text = root_items.map(text).unwrap_or_default();
        let inner_text = root_items
            .and_then(|items| items.first())
            .map(|item| item.to_token_stream().to_string())
            .unwrap_or_default();
        assert!(inner_text.contains("pub struct PostPrimaryKey"));
        assert!(inner_text.contains("NetabaseModelTrait < super :: Def >"));
        assert!(inner_text.contains("pub use self :: PostTagSecondaryKey as TagSecondaryKey"));
        assert!(root_text.contains("Post (inner :: Post)"));
        assert!(root_text.contains("PostKey (inner :: PostKey)"));
        Ok(())
    }
}
