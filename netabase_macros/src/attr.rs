//! Typed parsing of the macros' arguments and of the attributes they read.

use proc_macro2::{Span, TokenStream};
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Attribute, Ident, Meta, Path, Token};

use crate::errors::Errors;

/// The inert marker the module macro appends to every model it handled.
pub(crate) const IN_MODULE_MARKER: &str = "__netabase_in_module";

const MODULE_USAGE: &str =
    "expected two names: `#[netabase_definition_module(DefinitionName, KeysName)]`";

/// The arguments of `#[netabase_definition_module(Definition, Keys)]`.
pub(crate) struct ModuleArgs {
    /// The definition enum's name.
    pub(crate) definition: Ident,
    /// The keys enum's name.
    pub(crate) keys: Ident,
}

impl ModuleArgs {
    /// Parses exactly two identifiers separated by a comma (a trailing comma is accepted).
    pub(crate) fn parse(args: TokenStream, errors: &mut Errors) -> Option<Self> {
        // Missing arguments are reported at the arguments written (or the attribute).
        let usage = |span: Option<Span>| match span {
            Some(span) => syn::Error::new(span, MODULE_USAGE),
            None if args.is_empty() => syn::Error::new(Span::call_site(), MODULE_USAGE),
            None => syn::Error::new_spanned(&args, MODULE_USAGE),
        };
        let parser = |input: ParseStream<'_>| {
            let at = |input: ParseStream<'_>| (!input.is_empty()).then(|| input.span());
            let definition: Ident = input.parse().map_err(|_| usage(at(input)))?;
            input.parse::<Token![,]>().map_err(|_| usage(at(input)))?;
            let keys: Ident = input.parse().map_err(|_| usage(at(input)))?;
            if input.peek(Token![,]) {
                input.parse::<Token![,]>()?;
            }
            if !input.is_empty() {
                return Err(usage(Some(input.span())));
            }
            Ok(ModuleArgs { definition, keys })
        };
        match parser.parse2(args.clone()) {
            Ok(args) => Some(args),
            Err(error) => {
                errors.push(error);
                None
            }
        }
    }
}

/// Whether `path` names `name` by its last segment (`NetabaseModel`, `netabase_store::NetabaseModel`).
fn last_segment_is(path: &Path, name: &str) -> bool {
    path.segments
        .last()
        .is_some_and(|segment| segment.ident == name)
}

/// The position of the first `#[derive(..)]` attribute listing `NetabaseModel`, if any.
pub(crate) fn netabase_model_derive(attrs: &[Attribute]) -> Option<usize> {
    attrs.iter().position(|attr| {
        attr.path().is_ident("derive")
            && attr
                .parse_args_with(Punctuated::<Path, Token![,]>::parse_terminated)
                .is_ok_and(|paths| paths.iter().any(|p| last_segment_is(p, "NetabaseModel")))
    })
}

/// Whether an attribute is `#[netabase(..)]` (possibly written with a path).
pub(crate) fn is_netabase(attr: &Attribute) -> bool {
    last_segment_is(attr.path(), "netabase")
}

/// Whether an attribute is `#[netabase_definition_module(..)]` (possibly written with a path).
pub(crate) fn is_definition_module(attr: &Attribute) -> bool {
    last_segment_is(attr.path(), "netabase_definition_module")
}

/// Whether the module macro already handled the item carrying these attributes.
pub(crate) fn has_in_module_marker(attrs: &[Attribute]) -> bool {
    attrs
        .iter()
        .any(|attr| attr.path().is_ident(IN_MODULE_MARKER))
}

/// The outer attributes at the front of an item's tokens (none if they do not parse).
pub(crate) fn outer_attributes(item: TokenStream) -> Vec<Attribute> {
    let parser = |input: ParseStream<'_>| {
        let attrs = input.call(Attribute::parse_outer)?;
        input.parse::<TokenStream>()?;
        Ok(attrs)
    };
    parser.parse2(item).unwrap_or_default()
}

/// Parses the arguments of `#[netabase(Definition)]`: exactly one path.
pub(crate) fn definition_path(args: TokenStream) -> syn::Result<Path> {
    let paths = Punctuated::<Path, Token![,]>::parse_terminated
        .parse2(args)
        .map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected the definition's name: `#[netabase(DefinitionName)]`",
            )
        })?;
    let mut paths = paths.into_iter();
    match (paths.next(), paths.next()) {
        (Some(path), None) => Ok(path),
        (None, _) => Err(syn::Error::new(
            Span::call_site(),
            "`#[netabase(..)]` needs the definition's name: `#[netabase(DefinitionName)]`",
        )),
        (Some(_), Some(second)) => Err(syn::Error::new_spanned(
            second,
            "`#[netabase(..)]` takes exactly one definition; a model belongs to one definition",
        )),
    }
}

/// The arguments of a `#[netabase(..)]` attribute on a model.
pub(crate) fn netabase_attr_definition(attr: &Attribute) -> syn::Result<Path> {
    match &attr.meta {
        Meta::List(list) => definition_path(list.tokens.clone()),
        _ => Err(syn::Error::new_spanned(
            attr,
            "`#[netabase(..)]` needs the definition's name: `#[netabase(DefinitionName)]`",
        )),
    }
}

/// What a `#[primary_key]` or `#[secondary_key]` attribute declares.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyKind {
    /// `#[primary_key]`.
    Primary,
    /// `#[secondary_key]`, `#[secondary_key(unique)]`.
    Secondary {
        /// Whether `unique` was given.
        unique: bool,
    },
}

/// A key attribute on a field.
pub(crate) struct KeyAttr {
    /// What it declares.
    pub(crate) kind: KeyKind,
    /// The attribute itself, for error spans.
    pub(crate) attr: Attribute,
}

/// The key attributes among a field's attributes. Malformed arguments are reported, and the
/// attribute still counts (as `#[primary_key]` or a non-unique `#[secondary_key]`) so that one
/// mistake gives one error.
pub(crate) fn key_attrs(attrs: &[Attribute], errors: &mut Errors) -> Vec<KeyAttr> {
    let mut keys = Vec::new();
    for attr in attrs {
        if attr.path().is_ident("primary_key") {
            if !matches!(attr.meta, Meta::Path(_)) {
                errors.spanned(attr, "`#[primary_key]` takes no arguments");
            }
            keys.push(KeyAttr {
                kind: KeyKind::Primary,
                attr: attr.clone(),
            });
        } else if attr.path().is_ident("secondary_key") {
            let unique = secondary_key_unique(attr, errors);
            keys.push(KeyAttr {
                kind: KeyKind::Secondary { unique },
                attr: attr.clone(),
            });
        }
    }
    keys
}

fn secondary_key_unique(attr: &Attribute, errors: &mut Errors) -> bool {
    match &attr.meta {
        Meta::Path(_) => false,
        Meta::NameValue(_) => {
            errors.spanned(
                attr,
                "`#[secondary_key]` takes no value; write `#[secondary_key]` or `#[secondary_key(unique)]`",
            );
            false
        }
        Meta::List(_) => {
            let mut unique = false;
            let parsed = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("unique") {
                    if unique {
                        errors.spanned(&meta.path, "duplicate `unique` in `#[secondary_key(..)]`");
                    }
                    unique = true;
                    Ok(())
                } else {
                    errors.spanned(
                        &meta.path,
                        "unknown `#[secondary_key(..)]` argument; the only argument is `unique`",
                    );
                    // Skip a value such as `= true` so that only this error is reported.
                    if meta.input.peek(Token![=]) {
                        meta.value()?.parse::<syn::Expr>()?;
                    } else if meta.input.peek(syn::token::Paren) {
                        meta.input.parse::<proc_macro2::TokenTree>()?;
                    }
                    Ok(())
                }
            });
            if let Err(error) = parsed {
                errors.push(error);
            }
            unique
        }
    }
}
