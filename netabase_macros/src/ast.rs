//! The model IR: what the macros read from the user's module (`ModelInput`, [`scan`]) and the
//! validated definition they expand (`Definition`, `Model`). Spans of the user's tokens are
//! kept for error messages; every generated name is decided here.

use std::collections::HashSet;

use heck::{ToSnakeCase, ToUpperCamelCase};
use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::{
    Attribute, Data, DeriveInput, Fields, Generics, Ident, Item, ItemMod, Type, UseTree, Visibility,
};

use crate::attr::{self, KeyAttr};
use crate::errors::Errors;

/// A struct (or enum, or union) carrying `#[derive(NetabaseModel)]`, as written.
pub(crate) struct ModelInput {
    /// The type's name.
    pub(crate) ident: Ident,
    /// The type's visibility.
    pub(crate) vis: Visibility,
    /// Generic parameters, which models may not have.
    pub(crate) generics: Generics,
    /// The fields, or what the type is instead of a struct with named fields.
    pub(crate) data: ModelData,
    /// Every `#[netabase(..)]` attribute, in order.
    pub(crate) netabase_attrs: Vec<Attribute>,
}

/// The shape of a model type.
pub(crate) enum ModelData {
    /// A struct with named fields, the only valid shape.
    Named(Vec<FieldInput>),
    /// A tuple struct; the span of its parentheses.
    Tuple(Span),
    /// A unit struct.
    Unit,
    /// An enum; the span of `enum`.
    Enum(Span),
    /// A union; the span of `union`.
    Union(Span),
}

/// A named field of a model, as written.
pub(crate) struct FieldInput {
    /// The field's name.
    pub(crate) ident: Ident,
    /// The field's type.
    pub(crate) ty: Type,
    /// Its `#[primary_key]` / `#[secondary_key]` attributes, in order.
    pub(crate) keys: Vec<KeyAttr>,
}

impl ModelInput {
    /// Reads a model; malformed key attributes are reported to `errors`.
    pub(crate) fn from_derive_input(input: &DeriveInput, errors: &mut Errors) -> Self {
        let data = match &input.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(named) => ModelData::Named(
                    named
                        .named
                        .iter()
                        .filter_map(|field| {
                            Some(FieldInput {
                                ident: field.ident.clone()?,
                                ty: field.ty.clone(),
                                keys: attr::key_attrs(&field.attrs, errors),
                            })
                        })
                        .collect(),
                ),
                Fields::Unnamed(unnamed) => ModelData::Tuple(unnamed.paren_token.span.join()),
                Fields::Unit => ModelData::Unit,
            },
            Data::Enum(data) => ModelData::Enum(data.enum_token.span),
            Data::Union(data) => ModelData::Union(data.union_token.span),
        };
        ModelInput {
            ident: input.ident.clone(),
            vis: input.vis.clone(),
            generics: input.generics.clone(),
            data,
            netabase_attrs: input
                .attrs
                .iter()
                .filter(|a| attr::is_netabase(a))
                .cloned()
                .collect(),
        }
    }

    /// Reads a module item that [`model_attrs`] recognised as a model.
    fn from_item(item: &Item, errors: &mut Errors) -> Option<Self> {
        let input = match item {
            Item::Struct(item) => DeriveInput::from(item.clone()),
            Item::Enum(item) => DeriveInput::from(item.clone()),
            Item::Union(item) => DeriveInput::from(item.clone()),
            _ => return None,
        };
        Some(Self::from_derive_input(&input, errors))
    }
}

/// The attributes of `item` if it is a model: a struct, enum or union whose `#[derive(..)]`
/// lists `NetabaseModel`. Enums and unions count so that they get errors.
pub(crate) fn model_attrs(item: &Item) -> Option<&[Attribute]> {
    let attrs = match item {
        Item::Struct(item) => &item.attrs,
        Item::Enum(item) => &item.attrs,
        Item::Union(item) => &item.attrs,
        _ => return None,
    };
    attr::netabase_model_derive(attrs).map(|_| attrs.as_slice())
}

/// Whether the module macro looks for models inside `module`: an inline module that is not a
/// definition module of its own.
pub(crate) fn descends_into(module: &ItemMod) -> bool {
    module.content.is_some() && !module.attrs.iter().any(attr::is_definition_module)
}

/// A module of a definition: the definition module itself or an inline module nested in it.
pub(crate) struct Module {
    /// The path from the definition module (empty for the definition module itself).
    pub(crate) path: Vec<Ident>,
    /// Names the module's own items declare (in any namespace).
    pub(crate) declared: HashSet<String>,
}

/// What [`scan`] found in a definition module.
pub(crate) struct Scan {
    /// The definition module and its nested inline modules, in traversal order.
    pub(crate) modules: Vec<Module>,
    /// Each model with the index of its module, in traversal order.
    pub(crate) models: Vec<(usize, ModelInput)>,
}

/// Finds the models of a definition module, descending into nested inline modules.
///
/// The traversal (items in order, a nested module's models where the module appears) is the
/// one `expand::module` uses to place the generated items, so the n-th model here is the
/// n-th model there.
pub(crate) fn scan(module: &ItemMod, errors: &mut Errors) -> Scan {
    let mut scan = Scan {
        modules: Vec::new(),
        models: Vec::new(),
    };
    if let Some((_, items)) = &module.content {
        scan_items(items, Vec::new(), &mut scan, errors);
    }
    scan
}

fn scan_items(items: &[Item], path: Vec<Ident>, scan: &mut Scan, errors: &mut Errors) {
    let index = scan.modules.len();
    scan.modules.push(Module {
        path: path.clone(),
        declared: declared_names(items),
    });
    for item in items {
        if model_attrs(item).is_some() {
            if let Some(model) = ModelInput::from_item(item, errors) {
                scan.models.push((index, model));
            }
        } else if let Item::Mod(nested) = item {
            if nested.content.is_none() {
                errors.spanned(
                    nested,
                    "a `#[netabase_definition_module]` module cannot contain a non-inline module; \
                     write `mod name { .. }`",
                );
            } else if let (true, Some((_, nested_items))) = (descends_into(nested), &nested.content)
            {
                let mut nested_path = path.clone();
                nested_path.push(nested.ident.clone());
                scan_items(nested_items, nested_path, scan, errors);
            }
        }
    }
}

/// The names the items of a module declare, so that a generated alias never clashes with one.
fn declared_names(items: &[Item]) -> HashSet<String> {
    let mut names = HashSet::new();
    for item in items {
        let ident = match item {
            Item::Const(i) => Some(&i.ident),
            Item::Enum(i) => Some(&i.ident),
            Item::ExternCrate(i) => Some(i.rename.as_ref().map_or(&i.ident, |(_, r)| r)),
            Item::Fn(i) => Some(&i.sig.ident),
            Item::Macro(i) => i.ident.as_ref(),
            Item::Mod(i) => Some(&i.ident),
            Item::Static(i) => Some(&i.ident),
            Item::Struct(i) => Some(&i.ident),
            Item::Trait(i) => Some(&i.ident),
            Item::TraitAlias(i) => Some(&i.ident),
            Item::Type(i) => Some(&i.ident),
            Item::Union(i) => Some(&i.ident),
            Item::Use(i) => {
                use_names(&i.tree, &mut names);
                None
            }
            _ => None,
        };
        if let Some(ident) = ident {
            names.insert(ident.unraw().to_string());
        }
    }
    names
}

fn use_names(tree: &UseTree, names: &mut HashSet<String>) {
    match tree {
        UseTree::Path(path) => use_names(&path.tree, names),
        UseTree::Name(name) => {
            names.insert(name.ident.unraw().to_string());
        }
        UseTree::Rename(rename) => {
            names.insert(rename.rename.unraw().to_string());
        }
        UseTree::Glob(_) => {}
        UseTree::Group(group) => group.items.iter().for_each(|tree| use_names(tree, names)),
    }
}

/// A validated definition module.
pub(crate) struct Definition {
    /// The definition enum's name (`BlogDefinition`).
    pub(crate) name: Ident,
    /// The keys enum's name (`BlogKeys`).
    pub(crate) keys: Ident,
    /// The modules, indexed by [`Model::module`].
    pub(crate) modules: Vec<Module>,
    /// The models, in traversal order.
    pub(crate) models: Vec<Model>,
}

impl Definition {
    /// `{Definition}Discriminant`.
    pub(crate) fn discriminant(&self) -> Ident {
        generated(format!("{}Discriminant", self.name.unraw()))
    }

    /// `{Keys}Discriminant`.
    pub(crate) fn keys_discriminant(&self) -> Ident {
        generated(format!("{}Discriminant", self.keys.unraw()))
    }
}

/// A validated model.
pub(crate) struct Model {
    /// The struct's name.
    pub(crate) ident: Ident,
    /// The struct's visibility, given to its key types.
    pub(crate) vis: Visibility,
    /// The index of its module in [`Definition::modules`].
    pub(crate) module: usize,
    /// The `#[primary_key]` field.
    pub(crate) primary: KeyField,
    /// The `#[secondary_key]` fields, in declaration order (a key's position is its tag).
    pub(crate) secondaries: Vec<SecondaryKey>,
}

/// A key field of a model.
pub(crate) struct KeyField {
    /// The field's name, as written.
    pub(crate) member: Ident,
    /// The field's name without `r#`, as used in names and tree metadata.
    pub(crate) name: String,
    /// The field's type.
    pub(crate) ty: Type,
}

impl KeyField {
    /// Reads a field.
    pub(crate) fn new(member: &Ident, ty: &Type) -> Self {
        KeyField {
            member: member.clone(),
            name: member.unraw().to_string(),
            ty: ty.clone(),
        }
    }
}

/// A `#[secondary_key]` field of a model.
pub(crate) struct SecondaryKey {
    /// The field.
    pub(crate) field: KeyField,
    /// Whether `#[secondary_key(unique)]` was given.
    pub(crate) unique: bool,
    /// The field's name in UpperCamelCase (`Email`): the variant of the secondary keys enum.
    pub(crate) variant: Ident,
    /// The unprefixed re-export of the newtype (`EmailSecondaryKey`), when one is generated.
    pub(crate) alias: Option<Ident>,
}

impl SecondaryKey {
    /// Reads a field; `None` when its name gives no valid variant name (`self_` gives `Self`).
    /// The alias is decided once the whole definition is known.
    pub(crate) fn new(field: KeyField, unique: bool) -> Option<Self> {
        let variant = syn::parse_str::<Ident>(&field.name.to_upper_camel_case()).ok()?;
        Some(SecondaryKey {
            field,
            unique,
            variant,
            alias: None,
        })
    }

    /// The unprefixed name the newtype would be re-exported as (`EmailSecondaryKey`).
    pub(crate) fn alias_name(&self) -> Ident {
        generated(format!("{}SecondaryKey", self.variant))
    }
}

impl Model {
    fn name(&self) -> String {
        self.ident.unraw().to_string()
    }

    /// `{Model}PrimaryKey`.
    pub(crate) fn primary_key(&self) -> Ident {
        generated(format!("{}PrimaryKey", self.name()))
    }

    /// `{Model}{Field}SecondaryKey`.
    pub(crate) fn secondary_key(&self, key: &SecondaryKey) -> Ident {
        generated(format!("{}{}SecondaryKey", self.name(), key.variant))
    }

    /// `{Model}SecondaryKeys`.
    pub(crate) fn secondary_keys(&self) -> Ident {
        generated(format!("{}SecondaryKeys", self.name()))
    }

    /// `{Model}SecondaryKeysDiscriminants`.
    pub(crate) fn secondary_keys_discriminant(&self) -> Ident {
        generated(format!("{}SecondaryKeysDiscriminants", self.name()))
    }

    /// `{Model}Key`.
    pub(crate) fn key(&self) -> Ident {
        generated(format!("{}Key", self.name()))
    }

    /// `As{Model}{Field}`.
    pub(crate) fn as_trait(&self, key: &SecondaryKey) -> Ident {
        generated(format!("As{}{}", self.name(), key.variant))
    }

    /// `as_{model}_{field}_key`, both parts in snake_case.
    pub(crate) fn as_method(&self, key: &SecondaryKey) -> Ident {
        generated(format!(
            "as_{}_{}_key",
            self.name().to_snake_case(),
            key.field.name.to_snake_case()
        ))
    }

    /// The model's name spanned like a generated item, for variants named after it.
    pub(crate) fn variant(&self) -> Ident {
        let mut variant = self.ident.clone();
        variant.set_span(Span::call_site());
        variant
    }

    /// The names of every item generated for this model, in the model's module.
    pub(crate) fn generated_names(&self) -> Vec<String> {
        let mut names = vec![
            self.primary_key(),
            self.secondary_keys(),
            self.secondary_keys_discriminant(),
            self.key(),
        ];
        for key in &self.secondaries {
            names.push(self.secondary_key(key));
            names.push(self.as_trait(key));
        }
        names.iter().map(ToString::to_string).collect()
    }
}

/// An identifier for a generated item. Spanned at the macro call so that lints about unused
/// generated items (`dead_code`) treat it as macro output and stay quiet.
///
/// Every name passed here is a valid identifier by construction (a suffix or prefix added to
/// a type name, or a variant name checked by [`SecondaryKey::new`]); the fallback only keeps
/// the macro from panicking should that ever not hold.
fn generated(name: impl AsRef<str>) -> Ident {
    syn::parse_str::<Ident>(name.as_ref())
        .unwrap_or_else(|_| Ident::new("__netabase_invalid_name", Span::call_site()))
}
