//! Checks that turn what was written ([`ModelInput`], [`Scan`]) into a valid [`Definition`].
//!
//! Every check reports a spanned error and goes on, so one compilation shows every mistake,
//! each once. A model or definition with any error is not expanded at all: the generated code
//! would only add follow-on errors.

use std::collections::{HashMap, HashSet};

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::{Ident, ItemMod};

use crate::ast::{
    Definition, FieldInput, KeyField, Model, ModelData, ModelInput, Scan, SecondaryKey,
};
use crate::attr::{self, KeyKind, ModuleArgs};
use crate::errors::Errors;

/// Secondary keys are tagged with a `u8`.
const MAX_SECONDARY_KEYS: usize = 255;

/// Where a model is being validated.
#[derive(Clone, Copy)]
pub(crate) enum Context<'a> {
    /// Inside a definition module; `definition` is its definition's name when the module's
    /// arguments parsed.
    Module {
        /// The name `#[netabase(..)]` must give.
        definition: Option<&'a Ident>,
    },
    /// `#[derive(NetabaseModel)]` outside a definition module (always an error).
    Standalone,
}

/// Validates a definition module; `None` when anything (including earlier parsing, as counted
/// by `errors`) failed.
pub(crate) fn definition(
    args: Option<ModuleArgs>,
    module: &ItemMod,
    scan: Scan,
    errors: &mut Errors,
) -> Option<Definition> {
    if scan.models.is_empty() {
        errors.spanned(
            &module.ident,
            format_args!(
                "`#[netabase_definition_module]` module `{}` contains no model; \
                 add a struct with `#[derive(NetabaseModel)]`",
                module.ident
            ),
        );
    }
    if let Some(args) = &args
        && args.definition == args.keys
    {
        errors.spanned(
            &args.keys,
            "the definition and keys enums of `#[netabase_definition_module(..)]` need different names",
        );
    }
    let context = Context::Module {
        definition: args.as_ref().map(|args| &args.definition),
    };
    let mut models = Vec::new();
    let mut names: HashSet<String> = HashSet::new();
    for (module_index, input) in &scan.models {
        if !names.insert(input.ident.unraw().to_string()) {
            errors.spanned(
                &input.ident,
                format_args!(
                    "a model named `{}` already exists in this definition; model names must be unique",
                    input.ident
                ),
            );
        }
        if let Some(model) = model(input, context, *module_index, errors) {
            models.push(model);
        }
    }
    if errors.count() > 0 {
        return None;
    }
    let args = args?;
    let mut definition = Definition {
        name: args.definition,
        keys: args.keys,
        modules: scan.modules,
        models,
    };
    if !check_generated_names(&definition, errors) {
        return None;
    }
    assign_aliases(&mut definition);
    Some(definition)
}

/// Reports a generated name that an item of the same module already has, or that two models
/// both generate (models `User` and `UserKey` both want `UserKey`); at most one error per
/// model. Returns whether every name is free.
fn check_generated_names(definition: &Definition, errors: &mut Errors) -> bool {
    let mut claims: Vec<(usize, Vec<String>, &Ident)> = vec![
        (
            0,
            vec![
                definition.name.unraw().to_string(),
                definition.discriminant().to_string(),
            ],
            &definition.name,
        ),
        (
            0,
            vec![
                definition.keys.unraw().to_string(),
                definition.keys_discriminant().to_string(),
            ],
            &definition.keys,
        ),
    ];
    claims.extend(
        definition
            .models
            .iter()
            .map(|model| (model.module, model.generated_names(), &model.ident)),
    );
    let mut generated: Vec<HashMap<String, &Ident>> =
        vec![HashMap::new(); definition.modules.len()];
    let mut free = true;
    for (module, names, owner) in claims {
        let (Some(declared), Some(generated)) =
            (definition.modules.get(module), generated.get_mut(module))
        else {
            continue;
        };
        let clash = names.into_iter().find_map(|name| {
            if declared.declared.contains(&name) {
                Some(format!(
                    "`{name}`, but this module already declares `{name}`"
                ))
            } else {
                let other = generated.insert(name.clone(), owner)?;
                Some(format!("`{name}`, and so does `{other}`"))
            }
        });
        if let Some(clash) = clash {
            errors.spanned(
                owner,
                format_args!("`{owner}` generates an item named {clash}; rename one of them"),
            );
            free = false;
        }
    }
    free
}

/// Validates a model deriving `NetabaseModel` outside a definition module: reports that, and
/// every mistake in the model itself.
pub(crate) fn standalone_model(input: &ModelInput, errors: &mut Errors) {
    errors.spanned(
        &input.ident,
        "`#[derive(NetabaseModel)]` must be used inside a `#[netabase_definition_module]` module",
    );
    model(input, Context::Standalone, 0, errors);
}

/// Validates one model; `None` when it has any error.
pub(crate) fn model(
    input: &ModelInput,
    context: Context<'_>,
    module: usize,
    errors: &mut Errors,
) -> Option<Model> {
    let before = errors.count();
    if let Context::Module { definition } = context {
        check_definition_attrs(input, definition, errors);
    }
    if !input.generics.params.is_empty() {
        errors.spanned(&input.generics, "a model cannot have generic parameters");
    } else if let Some(where_clause) = &input.generics.where_clause {
        errors.spanned(where_clause, "a model cannot have a `where` clause");
    }
    let fields = match &input.data {
        ModelData::Named(fields) => fields,
        ModelData::Tuple(span) => {
            errors.at(
                *span,
                "`#[derive(NetabaseModel)]` needs a struct with named fields, not a tuple struct",
            );
            return None;
        }
        ModelData::Unit => {
            errors.spanned(
                &input.ident,
                "`#[derive(NetabaseModel)]` needs a struct with named fields, not a unit struct",
            );
            return None;
        }
        ModelData::Enum(span) => {
            errors.at(
                *span,
                "`#[derive(NetabaseModel)]` needs a struct with named fields, not an enum",
            );
            return None;
        }
        ModelData::Union(span) => {
            errors.at(
                *span,
                "`#[derive(NetabaseModel)]` needs a struct with named fields, not a union",
            );
            return None;
        }
    };

    let mut primary: Option<KeyField> = None;
    let mut secondaries = Vec::new();
    let mut variants: HashMap<String, &Ident> = HashMap::new();
    for field in fields {
        let mut is_primary = false;
        let mut secondary: Option<bool> = None;
        for key in &field.keys {
            match key.kind {
                KeyKind::Primary if is_primary => {
                    errors.spanned(
                        &key.attr,
                        format_args!("duplicate `#[primary_key]` on field `{}`", field.ident),
                    );
                }
                KeyKind::Primary => {
                    if let Some(first) = &primary {
                        errors.spanned(
                            &key.attr,
                            format_args!(
                                "a model has exactly one `#[primary_key]`; `{}` is already the primary key of `{}`",
                                first.member, input.ident
                            ),
                        );
                    }
                    is_primary = true;
                }
                KeyKind::Secondary { .. } if is_primary || secondary.is_some() => {}
                KeyKind::Secondary { unique } => secondary = Some(unique),
            }
        }
        // Both kinds on one field, or a repeated `#[secondary_key]`: one error, at the
        // attribute that is too many.
        let mut seen_secondary = false;
        for key in &field.keys {
            if let KeyKind::Secondary { .. } = key.kind {
                if is_primary {
                    errors.spanned(
                        &key.attr,
                        "a field cannot be both `#[primary_key]` and `#[secondary_key]`",
                    );
                } else if seen_secondary {
                    errors.spanned(
                        &key.attr,
                        format_args!("duplicate `#[secondary_key]` on field `{}`", field.ident),
                    );
                }
                seen_secondary = true;
            }
        }
        if is_primary {
            check_no_float(field, "#[primary_key]", errors);
            if primary.is_none() {
                primary = Some(KeyField::new(&field.ident, &field.ty));
            }
        } else if let Some(unique) = secondary {
            check_no_float(field, "#[secondary_key]", errors);
            match SecondaryKey::new(KeyField::new(&field.ident, &field.ty), unique) {
                None => errors.spanned(
                    &field.ident,
                    format_args!(
                        "`#[secondary_key]` field `{}` gives no valid variant name; rename the field",
                        field.ident
                    ),
                ),
                Some(key) => {
                    if let Some(other) = variants.insert(key.variant.to_string(), &field.ident) {
                        errors.spanned(
                            &field.ident,
                            format_args!(
                                "`#[secondary_key]` fields `{other}` and `{}` both give the variant `{}`; rename one",
                                field.ident, key.variant
                            ),
                        );
                    }
                    if secondaries.len() == MAX_SECONDARY_KEYS {
                        let attr = field.keys.iter().find(|k| k.kind != KeyKind::Primary);
                        errors.spanned(
                            attr.map(|k| k.attr.to_token_stream()).unwrap_or_default(),
                            "a model can have at most 255 `#[secondary_key]` fields",
                        );
                    }
                    secondaries.push(key);
                }
            }
        }
    }
    if primary.is_none() {
        errors.spanned(
            &input.ident,
            format_args!(
                "model `{}` has no `#[primary_key]` field; mark exactly one field with `#[primary_key]`",
                input.ident
            ),
        );
    }
    if errors.count() > before {
        return None;
    }
    Some(Model {
        ident: input.ident.clone(),
        vis: input.vis.clone(),
        module,
        primary: primary?,
        secondaries,
    })
}

/// Exactly one `#[netabase(..)]`, naming this module's definition.
fn check_definition_attrs(input: &ModelInput, definition: Option<&Ident>, errors: &mut Errors) {
    let expected = definition.map_or_else(|| "DefinitionName".to_owned(), ToString::to_string);
    let mut attrs = input.netabase_attrs.iter();
    let Some(first) = attrs.next() else {
        errors.spanned(
            &input.ident,
            format_args!(
                "model `{}` is missing `#[netabase({expected})]`, which names its definition",
                input.ident
            ),
        );
        return;
    };
    for extra in attrs {
        errors.spanned(
            extra,
            "duplicate `#[netabase(..)]`; a model belongs to one definition",
        );
    }
    match attr::netabase_attr_definition(first) {
        Err(error) => errors.push(error),
        Ok(path) => {
            let names_it = path
                .segments
                .last()
                .zip(definition)
                .is_none_or(|(segment, definition)| segment.ident == *definition);
            if !names_it {
                errors.spanned(
                    &path,
                    format_args!(
                        "`{}` is not the definition of this `#[netabase_definition_module]`; \
                         expected `#[netabase({expected})]`",
                        path.to_token_stream().to_string().replace(' ', "")
                    ),
                );
            }
        }
    }
}

/// Reports the first `f32`/`f64` anywhere in a key field's type.
fn check_no_float(field: &FieldInput, attribute: &str, errors: &mut Errors) {
    if let Some(float) = find_float(field.ty.to_token_stream()) {
        errors.at(
            float.span(),
            format_args!(
                "`{attribute}` field `{}` contains `{float}`: floats have no total order and cannot be keys",
                field.ident
            ),
        );
    }
}

fn find_float(tokens: TokenStream) -> Option<Ident> {
    tokens.into_iter().find_map(|token| match token {
        TokenTree::Ident(ident) if ident == "f32" || ident == "f64" => Some(ident),
        TokenTree::Group(group) => find_float(group.stream()),
        _ => None,
    })
}

/// Gives an unprefixed re-export (`EmailSecondaryKey`) to every secondary key whose field
/// name no other model of the definition uses for a secondary key, unless the name is taken in
/// the model's module.
fn assign_aliases(definition: &mut Definition) {
    let mut uses: HashMap<String, usize> = HashMap::new();
    for key in definition.models.iter().flat_map(|m| &m.secondaries) {
        *uses.entry(key.field.name.clone()).or_default() += 1;
    }
    let mut taken: Vec<HashSet<String>> = definition
        .modules
        .iter()
        .map(|module| module.declared.clone())
        .collect();
    if let Some(root) = taken.first_mut() {
        root.extend([
            definition.name.unraw().to_string(),
            definition.keys.unraw().to_string(),
            definition.discriminant().to_string(),
            definition.keys_discriminant().to_string(),
        ]);
    }
    for model in &definition.models {
        if let Some(names) = taken.get_mut(model.module) {
            names.extend(model.generated_names());
        }
    }
    for model in &mut definition.models {
        let Some(names) = taken.get_mut(model.module) else {
            continue;
        };
        for key in &mut model.secondaries {
            let alias = key.alias_name();
            if uses.get(&key.field.name) == Some(&1) && names.insert(alias.to_string()) {
                key.alias = Some(alias);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;
    use crate::ast;

    /// Runs parsing and validation of a definition module named `Def, Keys`.
    fn validate(module: TokenStream) -> syn::Result<(Option<Definition>, Vec<String>)> {
        let module: ItemMod = syn::parse2(module)?;
        let mut errors = Errors::default();
        let args = ModuleArgs::parse(quote!(Def, Keys), &mut errors);
        let scan = ast::scan(&module, &mut errors);
        let definition = definition(args, &module, scan, &mut errors);
        Ok((definition, errors.messages()))
    }

    fn model_with_secondary_keys(count: usize) -> TokenStream {
        let fields = (0..count).map(|i| {
            let field = quote::format_ident!("field{i}");
            quote!(#[secondary_key] pub #field: u32,)
        });
        quote! {
            mod m {
                #[derive(NetabaseModel)]
                #[netabase(Def)]
                pub struct Wide { #[primary_key] pub id: u64, #(#fields)* }
            }
        }
    }

    #[test]
    fn at_most_255_secondary_keys_and_one_error_beyond() -> syn::Result<()> {
        let (definition, errors) = validate(model_with_secondary_keys(255))?;
        assert!(errors.is_empty(), "{errors:?}");
        assert!(definition.is_some());
        let (definition, errors) = validate(model_with_secondary_keys(257))?;
        assert!(definition.is_none());
        assert_eq!(
            errors,
            ["a model can have at most 255 `#[secondary_key]` fields"]
        );
        Ok(())
    }

    #[test]
    fn fields_must_give_distinct_valid_variant_names() -> syn::Result<()> {
        let (_, errors) = validate(quote! {
            mod m {
                #[derive(NetabaseModel)]
                #[netabase(Def)]
                pub struct User {
                    #[primary_key] pub id: u64,
                    #[secondary_key] pub foo_bar: u8,
                    #[secondary_key] pub fooBar: u8,
                    #[secondary_key] pub self_: u8,
                }
            }
        })?;
        assert_eq!(
            errors,
            [
                "`#[secondary_key]` fields `foo_bar` and `fooBar` both give the variant `FooBar`; rename one",
                "`#[secondary_key]` field `self_` gives no valid variant name; rename the field",
            ]
        );
        Ok(())
    }

    #[test]
    fn generated_names_must_not_clash_with_the_module() -> syn::Result<()> {
        let (definition, errors) = validate(quote! {
            mod m {
                #[derive(NetabaseModel)]
                #[netabase(Def)]
                pub struct User { #[primary_key] pub id: u64 }

                #[derive(NetabaseModel)]
                #[netabase(Def)]
                pub struct UserKey { #[primary_key] pub id: u64 }

                pub struct KeysDiscriminant;
            }
        })?;
        assert!(definition.is_none());
        assert_eq!(
            errors,
            [
                "`Keys` generates an item named `KeysDiscriminant`, but this module already declares `KeysDiscriminant`; rename one of them",
                "`User` generates an item named `UserKey`, but this module already declares `UserKey`; rename one of them",
            ]
        );
        Ok(())
    }

    #[test]
    fn every_mistake_is_reported_once() -> syn::Result<()> {
        let (definition, errors) = validate(quote! {
            mod m {
                #[derive(NetabaseModel)]
                #[netabase(Def)]
                #[netabase(Def)]
                pub struct A<T> {
                    #[primary_key] #[primary_key] pub id: T,
                    #[secondary_key(unique, unique)] pub b: (u8, Vec<f32>),
                    #[secondary_key] #[secondary_key] pub c: u8,
                }

                #[derive(NetabaseModel)]
                pub struct A { pub id: u64 }
            }
        })?;
        assert!(definition.is_none());
        assert_eq!(
            errors,
            [
                "duplicate `unique` in `#[secondary_key(..)]`",
                "duplicate `#[netabase(..)]`; a model belongs to one definition",
                "a model cannot have generic parameters",
                "duplicate `#[primary_key]` on field `id`",
                "`#[secondary_key]` field `b` contains `f32`: floats have no total order and cannot be keys",
                "duplicate `#[secondary_key]` on field `c`",
                "a model named `A` already exists in this definition; model names must be unique",
                "model `A` is missing `#[netabase(Def)]`, which names its definition",
                "model `A` has no `#[primary_key]` field; mark exactly one field with `#[primary_key]`",
            ]
        );
        Ok(())
    }

    #[test]
    fn aliases_only_for_unshared_and_undeclared_names() -> syn::Result<()> {
        let (definition, errors) = validate(quote! {
            mod m {
                pub type NameSecondaryKey = u8;

                #[derive(NetabaseModel)]
                #[netabase(Def)]
                pub struct User {
                    #[primary_key] pub id: u64,
                    #[secondary_key] pub email: String,
                    #[secondary_key] pub name: String,
                    #[secondary_key] pub shared: u8,
                }

                pub mod inner {
                    #[derive(NetabaseModel)]
                    #[netabase(Def)]
                    pub struct Post { #[primary_key] pub id: u64, #[secondary_key] pub shared: u8 }
                }
            }
        })?;
        assert!(errors.is_empty(), "{errors:?}");
        let aliases: Vec<(String, Option<String>)> = definition
            .iter()
            .flat_map(|d| &d.models)
            .flat_map(|m| &m.secondaries)
            .map(|k| {
                (
                    k.field.name.clone(),
                    k.alias.as_ref().map(ToString::to_string),
                )
            })
            .collect();
        assert_eq!(
            aliases,
            [
                ("email".to_owned(), Some("EmailSecondaryKey".to_owned())),
                ("name".to_owned(), None),
                ("shared".to_owned(), None),
                ("shared".to_owned(), None),
            ]
        );
        Ok(())
    }
}
