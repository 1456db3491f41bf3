//! The items generated once per definition, at the end of the definition module: the
//! definition enum, the keys enum, their discriminants, trait implementations and conversions.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::Ident;
use syn::ext::IdentExt;

use super::discriminant::{
    DiscriminantVariant, Found, discriminant_enum, into_discriminant, variant_conversions,
};
use super::private;
use crate::ast::{Definition, Model};

/// Every per-definition item.
pub(crate) fn expand(definition: &Definition) -> TokenStream {
    let definition_enum = definition_enum(definition);
    let keys_enum = keys_enum(definition);
    quote! {
        #definition_enum
        #keys_enum
    }
}

/// A model's path from the definition module (`User`, `inner::User`) and the same path as
/// written in a doc link.
struct ModelPaths {
    /// The model's own name, as the variant name.
    variant: Ident,
    /// The path of the model type.
    model: TokenStream,
    /// The path of the model's key enum.
    key: TokenStream,
    /// The model's name as a doc link (`[`User`](inner::User)` when nested).
    model_link: String,
    /// The key enum's name as a doc link.
    key_link: String,
    /// The key enum's name, the variant name in the keys enum.
    key_variant: Ident,
}

fn paths(definition: &Definition, model: &Model) -> ModelPaths {
    let module: &[Ident] = definition
        .modules
        .get(model.module)
        .map_or(&[], |module| module.path.as_slice());
    let ident = &model.ident;
    let key = model.key();
    let prefix: String = module.iter().map(|m| format!("{m}::")).collect();
    let link = |name: &dyn std::fmt::Display| {
        if prefix.is_empty() {
            format!("[`{name}`]")
        } else {
            format!("[`{name}`]({prefix}{name})")
        }
    };
    ModelPaths {
        variant: model.variant(),
        model: quote!(#(#module::)* #ident),
        key: quote!(#(#module::)* #key),
        model_link: link(ident),
        key_link: link(&key),
        key_variant: key,
    }
}

fn definition_enum(definition: &Definition) -> TokenStream {
    let p = private();
    let name = &definition.name;
    let keys = &definition.keys;
    let name_string = name.unraw().to_string();
    let discriminant = definition.discriminant();
    let models: Vec<ModelPaths> = definition
        .models
        .iter()
        .map(|model| paths(definition, model))
        .collect();
    let variants: Vec<&Ident> = models.iter().map(|m| &m.variant).collect();
    let types: Vec<&TokenStream> = models.iter().map(|m| &m.model).collect();
    let docs = models.iter().map(|m| format!("A {}.", m.model_link));

    let discriminant_items = discriminant_enum(
        &quote!(pub),
        &discriminant,
        &format!("Names the models of [`{name}`]."),
        &models
            .iter()
            .map(|m| DiscriminantVariant {
                ident: m.variant.clone(),
                doc: m.model_link.clone(),
            })
            .collect::<Vec<_>>(),
    );
    let owned_variants: Vec<Ident> = variants.iter().map(|v| (*v).clone()).collect();
    let into_discriminant = into_discriminant(name, &discriminant, &owned_variants);
    let outer = name.to_token_stream();
    let conversions = models
        .iter()
        .map(|m| variant_conversions(&outer, &m.variant, &m.model, Found::DefinitionName));

    quote! {
        /// Every model of this definition.
        #[derive(
            Debug,
            Clone,
            #p::bincode::Encode,
            #p::bincode::Decode,
        )]
        #[bincode(crate = "::netabase_store::__private::bincode")]
        // Variants are the models as they are: named after them, as large as they are.
        #[allow(clippy::enum_variant_names, clippy::large_enum_variant)]
        pub enum #name {
            #(
                #[doc = #docs]
                #variants(#types),
            )*
        }

        #discriminant_items
        #into_discriminant

        #[automatically_derived]
        impl #p::NetabaseDefinitionTrait for #name {
            type Keys = #keys;
            const NAME: &'static str = #name_string;
            fn accept<V: #p::ModelVisitor<Self>>(self, visitor: V) -> V::Output {
                match self {
                    #(Self::#variants(model) => visitor.visit::<#types>(model),)*
                }
            }
            fn accept_ref<V: #p::ModelRefVisitor<Self>>(&self, visitor: V) -> V::Output {
                match self {
                    #(Self::#variants(model) => visitor.visit::<#types>(model),)*
                }
            }
            fn visit_model_type<V: #p::ModelTypeVisitor<Self>>(
                discriminant: #discriminant,
                visitor: V,
            ) -> V::Output {
                match discriminant {
                    #(#discriminant::#variants => visitor.visit::<#types>(),)*
                }
            }
        }

        #(#conversions)*
    }
}

fn keys_enum(definition: &Definition) -> TokenStream {
    let p = private();
    let name = &definition.keys;
    let def = &definition.name;
    let discriminant = definition.keys_discriminant();
    let models: Vec<ModelPaths> = definition
        .models
        .iter()
        .map(|model| paths(definition, model))
        .collect();
    let variants: Vec<&Ident> = models.iter().map(|m| &m.key_variant).collect();
    let keys: Vec<&TokenStream> = models.iter().map(|m| &m.key).collect();
    let model_types: Vec<&TokenStream> = models.iter().map(|m| &m.model).collect();
    let docs = models.iter().map(|m| format!("A key of {}.", m.model_link));

    let discriminant_items = discriminant_enum(
        &quote!(pub),
        &discriminant,
        &format!("Names the variants of [`{name}`]."),
        &models
            .iter()
            .map(|m| DiscriminantVariant {
                ident: m.key_variant.clone(),
                doc: m.key_link.clone(),
            })
            .collect::<Vec<_>>(),
    );
    let owned_variants: Vec<Ident> = variants.iter().map(|v| (*v).clone()).collect();
    let into_discriminant = into_discriminant(name, &discriminant, &owned_variants);
    let outer = name.to_token_stream();
    let conversions = models
        .iter()
        .map(|m| variant_conversions(&outer, &m.key_variant, &m.key, Found::Discriminant));

    quote! {
        /// Every model key of this definition.
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        // Variants are named after the model key types, which all end in `Key`.
        #[allow(clippy::enum_variant_names)]
        pub enum #name {
            #(
                #[doc = #docs]
                #variants(#keys),
            )*
        }

        #discriminant_items
        #into_discriminant

        #[automatically_derived]
        impl #p::NetabaseDefinitionTraitKey for #name {
            type Definition = #def;
            fn accept<V: #p::KeyVisitor<#def>>(&self, visitor: V) -> V::Output {
                match self {
                    #(Self::#variants(key) => visitor.visit::<#model_types>(key),)*
                }
            }
        }

        #(#conversions)*
    }
}
