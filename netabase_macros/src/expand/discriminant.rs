//! Discriminant enums and the conversions between an enum and its variants' payloads.

use proc_macro2::TokenStream;
use quote::quote;
use syn::Ident;
use syn::ext::IdentExt;

use super::private;

/// A variant of a generated discriminant enum.
pub(crate) struct DiscriminantVariant {
    /// The variant's name, also its string name.
    pub(crate) ident: Ident,
    /// Its `///` documentation.
    pub(crate) doc: String,
}

/// A field-less `pub` enum naming variants, with `DiscriminantEnum`, `Display`, `AsRef<str>`
/// and `FromStr`.
pub(crate) fn discriminant_enum(
    vis: &TokenStream,
    name: &Ident,
    doc: &str,
    variants: &[DiscriminantVariant],
) -> TokenStream {
    let p = private();
    let idents: Vec<&Ident> = variants.iter().map(|v| &v.ident).collect();
    let docs = variants.iter().map(|v| &v.doc);
    let strings: Vec<String> = idents.iter().map(|i| i.unraw().to_string()).collect();
    let enum_name = name.to_string();
    let unknown = quote! {
        #p::std::result::Result::Err(#p::UnknownDiscriminant {
            enum_name: #enum_name,
            name: #p::std::string::ToString::to_string(s),
        })
    };
    let (name_body, from_str_body) = if variants.is_empty() {
        (quote!(match *self {}), unknown)
    } else {
        (
            quote! {
                match self {
                    #(Self::#idents => #strings,)*
                }
            },
            quote! {
                match s {
                    #(#strings => #p::std::result::Result::Ok(Self::#idents),)*
                    _ => #unknown,
                }
            },
        )
    };
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[allow(clippy::enum_variant_names)]
        #vis enum #name {
            #(
                #[doc = #docs]
                #idents,
            )*
        }

        #[automatically_derived]
        impl #p::DiscriminantEnum for #name {
            const ALL: &'static [Self] = &[#(Self::#idents),*];
            fn name(&self) -> &'static str {
                #name_body
            }
        }

        #[automatically_derived]
        impl #p::std::fmt::Display for #name {
            fn fmt(
                &self,
                f: &mut #p::std::fmt::Formatter<'_>,
            ) -> #p::std::fmt::Result {
                f.write_str(#p::DiscriminantEnum::name(self))
            }
        }

        #[automatically_derived]
        impl #p::std::convert::AsRef<str> for #name {
            fn as_ref(&self) -> &str {
                #p::DiscriminantEnum::name(self)
            }
        }

        #[automatically_derived]
        impl #p::std::str::FromStr for #name {
            type Err = #p::UnknownDiscriminant;
            fn from_str(s: &str) -> #p::std::result::Result<Self, Self::Err> {
                #from_str_body
            }
        }
    }
}

/// `IntoDiscriminant` for an enum whose every variant has one field, mapping variant `V` to
/// `discriminant::V`.
pub(crate) fn into_discriminant(
    name: &Ident,
    discriminant: &Ident,
    variants: &[Ident],
) -> TokenStream {
    let p = private();
    let body = if variants.is_empty() {
        quote!(match *self {})
    } else {
        quote! {
            match self {
                #(Self::#variants(_) => #discriminant::#variants,)*
            }
        }
    };
    quote! {
        #[automatically_derived]
        impl #p::IntoDiscriminant for #name {
            type Discriminant = #discriminant;
            fn discriminant(&self) -> #discriminant {
                #body
            }
        }
    }
}

/// How a failed `TryFrom` names the variant it found.
pub(crate) enum Found {
    /// Through `NetabaseDefinitionTrait::discriminant_name` (the definition enum).
    DefinitionName,
    /// Through the enum's discriminant (keys and secondary keys enums).
    Discriminant,
}

/// `From<inner> for outer` (wrapping in `outer::variant`) and `TryFrom<outer> for inner`
/// (failing with `WrongVariant` on any other variant).
pub(crate) fn variant_conversions(
    outer: &TokenStream,
    variant: &Ident,
    inner: &TokenStream,
    found: Found,
) -> TokenStream {
    let p = private();
    let expected = variant.unraw().to_string();
    let (from_arg, try_arg) = match found {
        Found::DefinitionName => (quote!(model), quote!(definition)),
        Found::Discriminant => (quote!(key), quote!(keys)),
    };
    let found = match found {
        Found::DefinitionName => quote!(#p::NetabaseDefinitionTrait::discriminant_name(&other)),
        Found::Discriminant => {
            quote!(#p::DiscriminantEnum::name(&#p::IntoDiscriminant::discriminant(&other)))
        }
    };
    quote! {
        #[automatically_derived]
        impl #p::std::convert::From<#inner> for #outer {
            fn from(#from_arg: #inner) -> Self {
                Self::#variant(#from_arg)
            }
        }

        #[automatically_derived]
        impl #p::std::convert::TryFrom<#outer> for #inner {
            type Error = #p::WrongVariant;
            #[allow(unreachable_patterns)]
            fn try_from(#try_arg: #outer) -> #p::std::result::Result<Self, Self::Error> {
                match #try_arg {
                    #outer::#variant(#from_arg) => #p::std::result::Result::Ok(#from_arg),
                    other => #p::std::result::Result::Err(#p::WrongVariant {
                        expected: #expected,
                        found: #found,
                    }),
                }
            }
        }
    }
}
