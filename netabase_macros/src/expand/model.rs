//! The items generated for one model, placed right after the model in its module: key
//! newtypes, the secondary keys enum and its discriminant, the key enum, the `As{Model}{Field}`
//! traits, the trait implementations and the unprefixed aliases.

use proc_macro2::{Literal, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::Ident;
use syn::ext::IdentExt;
use syn::spanned::Spanned;

use super::discriminant::{
    DiscriminantVariant, Found, discriminant_enum, into_discriminant, variant_conversions,
};
use super::private;
use crate::ast::{Definition, KeyField, Model};

/// Every item generated for `model`.
pub(crate) fn expand(definition: &Definition, model: &Model) -> TokenStream {
    let newtypes = key_newtypes(model);
    let secondary_keys = secondary_keys_enum(model);
    let key = key_enum(model);
    let as_traits = as_traits(model);
    let model_trait = model_trait(definition, model);
    let aliases = aliases(model);
    quote! {
        #newtypes
        #secondary_keys
        #key
        #as_traits
        #model_trait
        #aliases
    }
}

/// The tag of the secondary key at `index` (validation caps the count at 255).
fn tag(index: usize) -> Literal {
    Literal::u8_suffixed(u8::try_from(index).unwrap_or(u8::MAX))
}

fn key_newtypes(model: &Model) -> TokenStream {
    let ident = &model.ident;
    let mut tokens = key_newtype(
        model,
        &model.primary_key(),
        &model.primary,
        &format!("Primary key of [`{ident}`]."),
    );
    for key in &model.secondaries {
        tokens.extend(key_newtype(
            model,
            &model.secondary_key(key),
            &key.field,
            &format!("Secondary key `{}` of [`{ident}`].", key.field.name),
        ));
    }
    tokens
}

/// A key newtype with `KeyCodec`, `KeyNewtype` and conversions from and to its field type.
///
/// This impl is the only generated code that needs the field type to be `KeyCodec`, and its
/// calls are spanned at that type: a type without `KeyCodec` gives one error, at the field.
/// `KeyNewtype` asks nothing of the field type; through it the store's blanket impls give the
/// newtype what its field type has (`KeyPrefix` for a `String` field).
fn key_newtype(model: &Model, name: &Ident, field: &KeyField, doc: &str) -> TokenStream {
    let p = private();
    let vis = &model.vis;
    let ty = &field.ty;
    let codec = |method: &str| {
        let method = Ident::new(method, ty.span());
        quote_spanned!(ty.span()=> <#ty as ::netabase_store::__private::KeyCodec>::#method)
    };
    let encode = codec("encode_key");
    let decode = codec("decode_key");
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #vis struct #name(pub #ty);

        #[automatically_derived]
        impl #p::KeyCodec for #name {
            fn encode_key(&self, out: &mut #p::std::vec::Vec<u8>) {
                <Self as #p::KeyNewtype>::encode_field(&self.0, out)
            }
            fn decode_key(
                input: &mut &[u8],
            ) -> #p::std::result::Result<Self, #p::KeyDecodeError> {
                #p::std::result::Result::Ok(Self(#decode(input)?))
            }
        }

        #[automatically_derived]
        impl #p::KeyNewtype for #name {
            type Inner = #ty;
            fn inner(&self) -> &#ty {
                &self.0
            }
            fn encode_field(field: &#ty, out: &mut #p::std::vec::Vec<u8>) {
                #encode(field, out)
            }
        }

        #[automatically_derived]
        impl #p::std::convert::From<#ty> for #name {
            fn from(value: #ty) -> Self {
                Self(value)
            }
        }

        #[automatically_derived]
        impl #p::std::convert::From<#name> for #ty {
            fn from(key: #name) -> Self {
                key.0
            }
        }
    }
}

fn secondary_keys_enum(model: &Model) -> TokenStream {
    let p = private();
    let vis = &model.vis;
    let ident = &model.ident;
    let name = model.secondary_keys();
    let discriminant = model.secondary_keys_discriminant();
    let variants: Vec<&Ident> = model.secondaries.iter().map(|k| &k.variant).collect();
    let newtypes: Vec<Ident> = model
        .secondaries
        .iter()
        .map(|k| model.secondary_key(k))
        .collect();
    let docs: Vec<String> = model
        .secondaries
        .iter()
        .map(|k| format!("`{}`", k.field.name))
        .collect();
    let tags: Vec<Literal> = (0..variants.len()).map(tag).collect();

    let enum_doc = format!("The secondary keys of [`{ident}`].");
    let discriminant_items = discriminant_enum(
        &vis.to_token_stream(),
        &discriminant,
        &format!("Names the variants of [`{name}`]."),
        &model
            .secondaries
            .iter()
            .zip(&docs)
            .map(|(key, doc)| DiscriminantVariant {
                ident: key.variant.clone(),
                doc: doc.clone(),
            })
            .collect::<Vec<_>>(),
    );
    let owned_variants: Vec<Ident> = variants.iter().map(|v| (*v).clone()).collect();
    let into_discriminant = into_discriminant(&name, &discriminant, &owned_variants);

    let secondary_key_enum = if variants.is_empty() {
        quote! {
            #[automatically_derived]
            impl #p::SecondaryKeyEnum for #name {
                fn index_tag(&self) -> u8 {
                    match *self {}
                }
                fn encode_index_key(&self, _out: &mut #p::std::vec::Vec<u8>) {
                    match *self {}
                }
                fn decode_index_key(
                    _tag: u8,
                    _input: &mut &[u8],
                ) -> #p::std::result::Result<Self, #p::KeyDecodeError> {
                    #p::std::result::Result::Err(
                        #p::KeyDecodeError::Invalid("unknown secondary key tag"),
                    )
                }
            }
        }
    } else {
        quote! {
            #[automatically_derived]
            impl #p::SecondaryKeyEnum for #name {
                fn index_tag(&self) -> u8 {
                    match self {
                        #(Self::#variants(_) => #tags,)*
                    }
                }
                fn encode_index_key(&self, out: &mut #p::std::vec::Vec<u8>) {
                    match self {
                        #(Self::#variants(key) => #p::KeyCodec::encode_key(key, out),)*
                    }
                }
                fn decode_index_key(
                    tag: u8,
                    input: &mut &[u8],
                ) -> #p::std::result::Result<Self, #p::KeyDecodeError> {
                    match tag {
                        #(
                            #tags => #p::std::result::Result::Ok(Self::#variants(
                                <#newtypes as #p::KeyCodec>::decode_key(input)?,
                            )),
                        )*
                        _ => #p::std::result::Result::Err(
                            #p::KeyDecodeError::Invalid("unknown secondary key tag"),
                        ),
                    }
                }
            }
        }
    };

    let outer = name.to_token_stream();
    let conversions = variants.iter().zip(&newtypes).map(|(variant, newtype)| {
        variant_conversions(
            &outer,
            variant,
            &newtype.to_token_stream(),
            Found::Discriminant,
        )
    });

    quote! {
        #[doc = #enum_doc]
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        // Variants are named after the fields, whatever those have in common.
        #[allow(clippy::enum_variant_names)]
        #vis enum #name {
            #(
                #[doc = #docs]
                #variants(#newtypes),
            )*
        }

        #discriminant_items
        #into_discriminant
        #secondary_key_enum
        #(#conversions)*
    }
}

fn key_enum(model: &Model) -> TokenStream {
    let p = private();
    let vis = &model.vis;
    let doc = format!(
        "A key of [`{}`]: its primary key or one of its secondary keys.",
        model.ident
    );
    let name = model.key();
    let primary = model.primary_key();
    let secondary = model.secondary_keys();
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #vis enum #name {
            /// The primary key.
            Primary(#primary),
            /// A secondary key.
            Secondary(#secondary),
        }

        #[automatically_derived]
        impl #p::std::convert::From<#primary> for #name {
            fn from(key: #primary) -> Self {
                Self::Primary(key)
            }
        }

        #[automatically_derived]
        impl #p::std::convert::From<#secondary> for #name {
            fn from(key: #secondary) -> Self {
                Self::Secondary(key)
            }
        }
    }
}

fn as_traits(model: &Model) -> TokenStream {
    let p = private();
    let vis = &model.vis;
    let enum_name = model.secondary_keys();
    model
        .secondaries
        .iter()
        .map(|key| {
            let name = model.as_trait(key);
            let method = model.as_method(key);
            let variant = &key.variant;
            let newtype = model.secondary_key(key);
            let ty = &key.field.ty;
            let doc = format!(
                "Builds a [`{enum_name}::{variant}`] from anything convertible to its field type."
            );
            let method_doc = format!("The `{}` secondary key holding this value.", key.field.name);
            quote! {
                #[doc = #doc]
                // The method consumes the value it converts, like `Into::into`.
                #[allow(clippy::wrong_self_convention)]
                #vis trait #name {
                    #[doc = #method_doc]
                    fn #method(self) -> #enum_name;
                }

                #[automatically_derived]
                impl<__V: #p::std::convert::Into<#ty>> #name for __V {
                    fn #method(self) -> #enum_name {
                        #enum_name::#variant(#newtype(self.into()))
                    }
                }
            }
        })
        .collect()
}

/// `NetabaseModelTrait` for the model and `NetabaseModelTraitKey` for its key enum.
fn model_trait(definition: &Definition, model: &Model) -> TokenStream {
    let p = private();
    let depth = definition
        .modules
        .get(model.module)
        .map_or(0, |module| module.path.len());
    let up: TokenStream = (0..depth).map(|_| quote!(super::)).collect();
    let def = &definition.name;
    let def = quote!(#up #def);
    let def_discriminant = definition.discriminant();
    let def_discriminant = quote!(#up #def_discriminant);
    let keys_discriminant = definition.keys_discriminant();
    let keys_discriminant = quote!(#up #keys_discriminant);

    let ident = &model.ident;
    let variant = model.variant();
    let key_variant = model.key();
    let primary = model.primary_key();
    let secondary = model.secondary_keys();
    let secondary_discriminant = model.secondary_keys_discriminant();
    let key = model.key();

    let definition_name = definition.name.unraw().to_string();
    let model_name = ident.unraw().to_string();
    let primary_tree = format!("{definition_name}/{model_name}");
    let index_tree = format!("{definition_name}/{model_name}/index");

    let primary_member = &model.primary.member;
    let infos = model.secondaries.iter().map(|key| {
        let field = &key.field.name;
        let unique = key.unique;
        quote!(#p::SecondaryKeyInfo { field: #field, unique: #unique })
    });

    let (secondary_keys_body, write_index_keys) = if model.secondaries.is_empty() {
        (
            quote!(#p::std::collections::HashMap::new()),
            quote! {
                fn write_index_keys(&self, _writer: &mut #p::IndexKeyWriter) {}
            },
        )
    } else {
        let count = model.secondaries.len();
        let inserts = model.secondaries.iter().map(|key| {
            let variant = &key.variant;
            let newtype = model.secondary_key(key);
            let member = &key.field.member;
            quote! {
                keys.insert(
                    #secondary_discriminant::#variant,
                    #secondary::#variant(#newtype(#p::std::clone::Clone::clone(&self.#member))),
                );
            }
        });
        // Through the newtype, so the field type's `KeyCodec` is required in one place (the
        // newtype's impl) and a type without it gives one error, not one more here.
        let pushes = model.secondaries.iter().enumerate().map(|(index, key)| {
            let tag = tag(index);
            let newtype = model.secondary_key(key);
            let member = &key.field.member;
            quote! {
                writer.push_field::<#newtype>(#tag, &self.#member);
            }
        });
        (
            quote! {
                let mut keys = #p::std::collections::HashMap::with_capacity(#count);
                #(#inserts)*
                keys
            },
            quote! {
                fn write_index_keys(&self, writer: &mut #p::IndexKeyWriter) {
                    #(#pushes)*
                }
            },
        )
    };

    quote! {
        #[automatically_derived]
        impl #p::NetabaseModelTrait<#def> for #ident {
            type PrimaryKey = #primary;
            type SecondaryKeys = #secondary;
            type Keys = #key;
            const DISCRIMINANT: #def_discriminant = #def_discriminant::#variant;
            const TREE_NAMES: #p::TreeNames = #p::TreeNames {
                definition: #definition_name,
                model: #model_name,
                primary: #primary_tree,
                index: #index_tree,
            };
            const SECONDARY_KEYS: &'static [#p::SecondaryKeyInfo] = &[#(#infos),*];
            fn primary_key(&self) -> #primary {
                #primary(#p::std::clone::Clone::clone(&self.#primary_member))
            }
            fn encode_primary_key(&self, out: &mut #p::std::vec::Vec<u8>) {
                <#primary as #p::KeyNewtype>::encode_field(&self.#primary_member, out)
            }
            fn secondary_keys(
                &self,
            ) -> #p::std::collections::HashMap<#secondary_discriminant, #secondary> {
                #secondary_keys_body
            }
            #write_index_keys
        }

        #[automatically_derived]
        impl #p::NetabaseModelTraitKey<#def> for #key {
            type Model = #ident;
            const DISCRIMINANT: #keys_discriminant = #keys_discriminant::#key_variant;
            fn as_primary(&self) -> #p::std::option::Option<&#primary> {
                match self {
                    Self::Primary(key) => #p::std::option::Option::Some(key),
                    Self::Secondary(_) => #p::std::option::Option::None,
                }
            }
            fn as_secondary(&self) -> #p::std::option::Option<&#secondary> {
                match self {
                    Self::Primary(_) => #p::std::option::Option::None,
                    Self::Secondary(key) => #p::std::option::Option::Some(key),
                }
            }
        }
    }
}

/// `pub use self::UserEmailSecondaryKey as EmailSecondaryKey;`: a re-export rather than a
/// type alias, so that it also works as the tuple struct's constructor.
fn aliases(model: &Model) -> TokenStream {
    let vis = &model.vis;
    model
        .secondaries
        .iter()
        .filter_map(|key| {
            let alias = key.alias.as_ref()?;
            let newtype = model.secondary_key(key);
            Some(quote! {
                #[allow(unused_imports)]
                #vis use self::#newtype as #alias;
            })
        })
        .collect()
}
