//! Hand-written reference expansion of:
//!
//! ```ignore
//! #[netabase_definition_module(BlogDefinition, BlogKeys)]
//! pub mod blog {
//!     use netabase_store::{NetabaseModel, netabase};
//!
//!     #[derive(NetabaseModel, Clone, Debug, bincode::Encode, bincode::Decode)]
//!     #[netabase(BlogDefinition)]
//!     pub struct User {
//!         #[primary_key]
//!         pub id: u64,
//!         pub name: String,
//!         #[secondary_key]
//!         pub email: String,
//!         #[secondary_key(unique)]
//!         pub age: u32,
//!     }
//!
//!     #[derive(NetabaseModel, Clone, Debug, bincode::Encode, bincode::Decode)]
//!     #[netabase(BlogDefinition)]
//!     pub struct Tag {
//!         #[primary_key]
//!         pub name: String,
//!     }
//! }
//! ```
//!
//! (`#[derive(NetabaseModel)]` itself expands to nothing inside a definition module: the module
//! macro marks each model with `#[__netabase_in_module]` and generates everything.)

#![allow(dead_code)]

pub mod blog {
    #[derive(Clone, Debug, bincode::Encode, bincode::Decode)]
    pub struct User {
        pub id: u64,
        pub name: String,
        pub email: String,
        pub age: u32,
    }

    #[derive(Clone, Debug, bincode::Encode, bincode::Decode)]
    pub struct Tag {
        pub name: String,
    }

    // ---------------------------------------------------------------- per model: User

    /// Primary key of [`User`].
    #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub struct UserPrimaryKey(pub u64);

    #[automatically_derived]
    impl ::netabase_store::__private::KeyCodec for UserPrimaryKey {
        fn encode_key(&self, out: &mut ::netabase_store::__private::std::vec::Vec<u8>) {
            ::netabase_store::__private::KeyCodec::encode_key(&self.0, out)
        }
        fn decode_key(
            input: &mut &[u8],
        ) -> ::netabase_store::__private::std::result::Result<
            Self,
            ::netabase_store::__private::KeyDecodeError,
        > {
            ::netabase_store::__private::std::result::Result::Ok(Self(
                <u64 as ::netabase_store::__private::KeyCodec>::decode_key(input)?,
            ))
        }
    }

    #[automatically_derived]
    impl ::netabase_store::__private::std::convert::From<u64> for UserPrimaryKey {
        fn from(value: u64) -> Self {
            Self(value)
        }
    }

    #[automatically_derived]
    impl ::netabase_store::__private::std::convert::From<UserPrimaryKey> for u64 {
        fn from(key: UserPrimaryKey) -> Self {
            key.0
        }
    }

    /// Secondary key `email` of [`User`].
    #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub struct UserEmailSecondaryKey(pub String);

    // (KeyCodec, From<String>, From<UserEmailSecondaryKey> for String: as for UserPrimaryKey)
    #[automatically_derived]
    impl ::netabase_store::__private::KeyCodec for UserEmailSecondaryKey {
        fn encode_key(&self, out: &mut ::netabase_store::__private::std::vec::Vec<u8>) {
            ::netabase_store::__private::KeyCodec::encode_key(&self.0, out)
        }
        fn decode_key(
            input: &mut &[u8],
        ) -> ::netabase_store::__private::std::result::Result<
            Self,
            ::netabase_store::__private::KeyDecodeError,
        > {
            ::netabase_store::__private::std::result::Result::Ok(Self(
                <String as ::netabase_store::__private::KeyCodec>::decode_key(input)?,
            ))
        }
    }
    #[automatically_derived]
    impl ::netabase_store::__private::std::convert::From<String> for UserEmailSecondaryKey {
        fn from(value: String) -> Self {
            Self(value)
        }
    }
    #[automatically_derived]
    impl ::netabase_store::__private::std::convert::From<UserEmailSecondaryKey> for String {
        fn from(key: UserEmailSecondaryKey) -> Self {
            key.0
        }
    }

    /// Secondary key `age` of [`User`].
    #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub struct UserAgeSecondaryKey(pub u32);
    #[automatically_derived]
    impl ::netabase_store::__private::KeyCodec for UserAgeSecondaryKey {
        fn encode_key(&self, out: &mut ::netabase_store::__private::std::vec::Vec<u8>) {
            ::netabase_store::__private::KeyCodec::encode_key(&self.0, out)
        }
        fn decode_key(
            input: &mut &[u8],
        ) -> ::netabase_store::__private::std::result::Result<
            Self,
            ::netabase_store::__private::KeyDecodeError,
        > {
            ::netabase_store::__private::std::result::Result::Ok(Self(
                <u32 as ::netabase_store::__private::KeyCodec>::decode_key(input)?,
            ))
        }
    }
    #[automatically_derived]
    impl ::netabase_store::__private::std::convert::From<u32> for UserAgeSecondaryKey {
        fn from(value: u32) -> Self {
            Self(value)
        }
    }
    #[automatically_derived]
    impl ::netabase_store::__private::std::convert::From<UserAgeSecondaryKey> for u32 {
        fn from(key: UserAgeSecondaryKey) -> Self {
            key.0
        }
    }

    /// The secondary keys of [`User`].
    #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum UserSecondaryKeys {
        /// `email`
        Email(UserEmailSecondaryKey),
        /// `age`
        Age(UserAgeSecondaryKey),
    }

    /// Names the variants of [`UserSecondaryKeys`].
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum UserSecondaryKeysDiscriminants {
        /// `email`
        Email,
        /// `age`
        Age,
    }

    // Every discriminant enum gets exactly these four impls (DiscriminantEnum, Display,
    // AsRef<str>, FromStr); variant name strings are the variant idents.
    #[automatically_derived]
    impl ::netabase_store::__private::DiscriminantEnum for UserSecondaryKeysDiscriminants {
        const ALL: &'static [Self] = &[Self::Email, Self::Age];
        fn name(&self) -> &'static str {
            match self {
                Self::Email => "Email",
                Self::Age => "Age",
            }
        }
    }
    #[automatically_derived]
    impl ::netabase_store::__private::std::fmt::Display for UserSecondaryKeysDiscriminants {
        fn fmt(
            &self,
            f: &mut ::netabase_store::__private::std::fmt::Formatter<'_>,
        ) -> ::netabase_store::__private::std::fmt::Result {
            f.write_str(::netabase_store::__private::DiscriminantEnum::name(self))
        }
    }
    #[automatically_derived]
    impl ::netabase_store::__private::std::convert::AsRef<str> for UserSecondaryKeysDiscriminants {
        fn as_ref(&self) -> &str {
            ::netabase_store::__private::DiscriminantEnum::name(self)
        }
    }
    #[automatically_derived]
    impl ::netabase_store::__private::std::str::FromStr for UserSecondaryKeysDiscriminants {
        type Err = ::netabase_store::__private::UnknownDiscriminant;
        fn from_str(s: &str) -> ::netabase_store::__private::std::result::Result<Self, Self::Err> {
            match s {
                "Email" => ::netabase_store::__private::std::result::Result::Ok(Self::Email),
                "Age" => ::netabase_store::__private::std::result::Result::Ok(Self::Age),
                _ => ::netabase_store::__private::std::result::Result::Err(
                    ::netabase_store::__private::UnknownDiscriminant {
                        enum_name: "UserSecondaryKeysDiscriminants",
                        name: ::netabase_store::__private::std::string::ToString::to_string(s),
                    },
                ),
            }
        }
    }

    #[automatically_derived]
    impl ::netabase_store::__private::IntoDiscriminant for UserSecondaryKeys {
        type Discriminant = UserSecondaryKeysDiscriminants;
        fn discriminant(&self) -> UserSecondaryKeysDiscriminants {
            match self {
                Self::Email(_) => UserSecondaryKeysDiscriminants::Email,
                Self::Age(_) => UserSecondaryKeysDiscriminants::Age,
            }
        }
    }

    #[automatically_derived]
    impl ::netabase_store::__private::SecondaryKeyEnum for UserSecondaryKeys {
        fn index_tag(&self) -> u8 {
            match self {
                Self::Email(_) => 0u8,
                Self::Age(_) => 1u8,
            }
        }
        fn encode_index_key(&self, out: &mut ::netabase_store::__private::std::vec::Vec<u8>) {
            match self {
                Self::Email(key) => ::netabase_store::__private::KeyCodec::encode_key(key, out),
                Self::Age(key) => ::netabase_store::__private::KeyCodec::encode_key(key, out),
            }
        }
        fn decode_index_key(
            tag: u8,
            input: &mut &[u8],
        ) -> ::netabase_store::__private::std::result::Result<
            Self,
            ::netabase_store::__private::KeyDecodeError,
        > {
            match tag {
                0u8 => ::netabase_store::__private::std::result::Result::Ok(Self::Email(
                    <UserEmailSecondaryKey as ::netabase_store::__private::KeyCodec>::decode_key(
                        input,
                    )?,
                )),
                1u8 => ::netabase_store::__private::std::result::Result::Ok(Self::Age(
                    <UserAgeSecondaryKey as ::netabase_store::__private::KeyCodec>::decode_key(
                        input,
                    )?,
                )),
                _ => ::netabase_store::__private::std::result::Result::Err(
                    ::netabase_store::__private::KeyDecodeError::Invalid(
                        "unknown secondary key tag",
                    ),
                ),
            }
        }
    }

    #[automatically_derived]
    impl ::netabase_store::__private::std::convert::From<UserEmailSecondaryKey> for UserSecondaryKeys {
        fn from(key: UserEmailSecondaryKey) -> Self {
            Self::Email(key)
        }
    }
    #[automatically_derived]
    impl ::netabase_store::__private::std::convert::TryFrom<UserSecondaryKeys> for UserEmailSecondaryKey {
        type Error = ::netabase_store::__private::WrongVariant;
        #[allow(unreachable_patterns)]
        fn try_from(keys: UserSecondaryKeys) -> ::netabase_store::__private::std::result::Result<Self, Self::Error> {
            match keys {
                UserSecondaryKeys::Email(key) => ::netabase_store::__private::std::result::Result::Ok(key),
                other => ::netabase_store::__private::std::result::Result::Err(
                    ::netabase_store::__private::WrongVariant {
                        expected: "Email",
                        found: ::netabase_store::__private::DiscriminantEnum::name(
                            &::netabase_store::__private::IntoDiscriminant::discriminant(&other),
                        ),
                    },
                ),
            }
        }
    }
    // (same From/TryFrom pair for UserAgeSecondaryKey)
    #[automatically_derived]
    impl ::netabase_store::__private::std::convert::From<UserAgeSecondaryKey> for UserSecondaryKeys {
        fn from(key: UserAgeSecondaryKey) -> Self {
            Self::Age(key)
        }
    }
    #[automatically_derived]
    impl ::netabase_store::__private::std::convert::TryFrom<UserSecondaryKeys> for UserAgeSecondaryKey {
        type Error = ::netabase_store::__private::WrongVariant;
        #[allow(unreachable_patterns)]
        fn try_from(keys: UserSecondaryKeys) -> ::netabase_store::__private::std::result::Result<Self, Self::Error> {
            match keys {
                UserSecondaryKeys::Age(key) => ::netabase_store::__private::std::result::Result::Ok(key),
                other => ::netabase_store::__private::std::result::Result::Err(
                    ::netabase_store::__private::WrongVariant {
                        expected: "Age",
                        found: ::netabase_store::__private::DiscriminantEnum::name(
                            &::netabase_store::__private::IntoDiscriminant::discriminant(&other),
                        ),
                    },
                ),
            }
        }
    }

    /// A key of [`User`]: its primary key or one of its secondary keys.
    #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum UserKey {
        /// The primary key.
        Primary(UserPrimaryKey),
        /// A secondary key.
        Secondary(UserSecondaryKeys),
    }
    #[automatically_derived]
    impl ::netabase_store::__private::std::convert::From<UserPrimaryKey> for UserKey {
        fn from(key: UserPrimaryKey) -> Self {
            Self::Primary(key)
        }
    }
    #[automatically_derived]
    impl ::netabase_store::__private::std::convert::From<UserSecondaryKeys> for UserKey {
        fn from(key: UserSecondaryKeys) -> Self {
            Self::Secondary(key)
        }
    }

    /// Builds a [`UserSecondaryKeys::Email`] from anything convertible to its field type.
    pub trait AsUserEmail {
        /// The `email` secondary key holding this value.
        fn as_user_email_key(self) -> UserSecondaryKeys;
    }
    impl<T: ::netabase_store::__private::std::convert::Into<String>> AsUserEmail for T {
        fn as_user_email_key(self) -> UserSecondaryKeys {
            UserSecondaryKeys::Email(UserEmailSecondaryKey(self.into()))
        }
    }
    /// Builds a [`UserSecondaryKeys::Age`] from anything convertible to its field type.
    pub trait AsUserAge {
        /// The `age` secondary key holding this value.
        fn as_user_age_key(self) -> UserSecondaryKeys;
    }
    impl<T: ::netabase_store::__private::std::convert::Into<u32>> AsUserAge for T {
        fn as_user_age_key(self) -> UserSecondaryKeys {
            UserSecondaryKeys::Age(UserAgeSecondaryKey(self.into()))
        }
    }

    #[automatically_derived]
    impl ::netabase_store::__private::NetabaseModelTrait<BlogDefinition> for User {
        type PrimaryKey = UserPrimaryKey;
        type SecondaryKeys = UserSecondaryKeys;
        type Keys = UserKey;
        const DISCRIMINANT: BlogDefinitionDiscriminant = BlogDefinitionDiscriminant::User;
        const TREE_NAMES: ::netabase_store::__private::TreeNames =
            ::netabase_store::__private::TreeNames {
                definition: "BlogDefinition",
                model: "User",
                primary: "BlogDefinition/User",
                index: "BlogDefinition/User/index",
            };
        const SECONDARY_KEYS: &'static [::netabase_store::__private::SecondaryKeyInfo] = &[
            ::netabase_store::__private::SecondaryKeyInfo { field: "email", unique: false },
            ::netabase_store::__private::SecondaryKeyInfo { field: "age", unique: true },
        ];
        fn primary_key(&self) -> UserPrimaryKey {
            UserPrimaryKey(::netabase_store::__private::std::clone::Clone::clone(&self.id))
        }
        fn secondary_keys(
            &self,
        ) -> ::netabase_store::__private::std::collections::HashMap<
            UserSecondaryKeysDiscriminants,
            UserSecondaryKeys,
        > {
            let mut keys = ::netabase_store::__private::std::collections::HashMap::with_capacity(2);
            keys.insert(
                UserSecondaryKeysDiscriminants::Email,
                UserSecondaryKeys::Email(UserEmailSecondaryKey(
                    ::netabase_store::__private::std::clone::Clone::clone(&self.email),
                )),
            );
            keys.insert(
                UserSecondaryKeysDiscriminants::Age,
                UserSecondaryKeys::Age(UserAgeSecondaryKey(
                    ::netabase_store::__private::std::clone::Clone::clone(&self.age),
                )),
            );
            keys
        }
        fn write_index_keys(&self, writer: &mut ::netabase_store::__private::IndexKeyWriter) {
            writer.push(0u8, &self.email);
            writer.push(1u8, &self.age);
        }
    }

    #[automatically_derived]
    impl ::netabase_store::__private::NetabaseModelTraitKey<BlogDefinition> for UserKey {
        type Model = User;
        const DISCRIMINANT: BlogKeysDiscriminant = BlogKeysDiscriminant::UserKey;
        fn as_primary(&self) -> ::netabase_store::__private::std::option::Option<&UserPrimaryKey> {
            match self {
                Self::Primary(key) => ::netabase_store::__private::std::option::Option::Some(key),
                Self::Secondary(_) => ::netabase_store::__private::std::option::Option::None,
            }
        }
        fn as_secondary(&self) -> ::netabase_store::__private::std::option::Option<&UserSecondaryKeys> {
            match self {
                Self::Primary(_) => ::netabase_store::__private::std::option::Option::None,
                Self::Secondary(key) => ::netabase_store::__private::std::option::Option::Some(key),
            }
        }
    }

    // ---------------------------------------------------------------- per model: Tag
    // (no secondary keys: the enums are empty, the matches have no arms)

    /// Primary key of [`Tag`].
    #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub struct TagPrimaryKey(pub String);
    #[automatically_derived]
    impl ::netabase_store::__private::KeyCodec for TagPrimaryKey {
        fn encode_key(&self, out: &mut ::netabase_store::__private::std::vec::Vec<u8>) {
            ::netabase_store::__private::KeyCodec::encode_key(&self.0, out)
        }
        fn decode_key(
            input: &mut &[u8],
        ) -> ::netabase_store::__private::std::result::Result<
            Self,
            ::netabase_store::__private::KeyDecodeError,
        > {
            ::netabase_store::__private::std::result::Result::Ok(Self(
                <String as ::netabase_store::__private::KeyCodec>::decode_key(input)?,
            ))
        }
    }
    #[automatically_derived]
    impl ::netabase_store::__private::std::convert::From<String> for TagPrimaryKey {
        fn from(value: String) -> Self {
            Self(value)
        }
    }
    #[automatically_derived]
    impl ::netabase_store::__private::std::convert::From<TagPrimaryKey> for String {
        fn from(key: TagPrimaryKey) -> Self {
            key.0
        }
    }

    /// The secondary keys of [`Tag`].
    #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum TagSecondaryKeys {}
    /// Names the variants of [`TagSecondaryKeys`].
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum TagSecondaryKeysDiscriminants {}
    #[automatically_derived]
    impl ::netabase_store::__private::DiscriminantEnum for TagSecondaryKeysDiscriminants {
        const ALL: &'static [Self] = &[];
        fn name(&self) -> &'static str {
            match *self {}
        }
    }
    #[automatically_derived]
    impl ::netabase_store::__private::std::fmt::Display for TagSecondaryKeysDiscriminants {
        fn fmt(
            &self,
            f: &mut ::netabase_store::__private::std::fmt::Formatter<'_>,
        ) -> ::netabase_store::__private::std::fmt::Result {
            f.write_str(::netabase_store::__private::DiscriminantEnum::name(self))
        }
    }
    #[automatically_derived]
    impl ::netabase_store::__private::std::convert::AsRef<str> for TagSecondaryKeysDiscriminants {
        fn as_ref(&self) -> &str {
            ::netabase_store::__private::DiscriminantEnum::name(self)
        }
    }
    #[automatically_derived]
    impl ::netabase_store::__private::std::str::FromStr for TagSecondaryKeysDiscriminants {
        type Err = ::netabase_store::__private::UnknownDiscriminant;
        fn from_str(s: &str) -> ::netabase_store::__private::std::result::Result<Self, Self::Err> {
            ::netabase_store::__private::std::result::Result::Err(
                ::netabase_store::__private::UnknownDiscriminant {
                    enum_name: "TagSecondaryKeysDiscriminants",
                    name: ::netabase_store::__private::std::string::ToString::to_string(s),
                },
            )
        }
    }
    #[automatically_derived]
    impl ::netabase_store::__private::IntoDiscriminant for TagSecondaryKeys {
        type Discriminant = TagSecondaryKeysDiscriminants;
        fn discriminant(&self) -> TagSecondaryKeysDiscriminants {
            match *self {}
        }
    }
    #[automatically_derived]
    impl ::netabase_store::__private::SecondaryKeyEnum for TagSecondaryKeys {
        fn index_tag(&self) -> u8 {
            match *self {}
        }
        fn encode_index_key(&self, _out: &mut ::netabase_store::__private::std::vec::Vec<u8>) {
            match *self {}
        }
        fn decode_index_key(
            _tag: u8,
            _input: &mut &[u8],
        ) -> ::netabase_store::__private::std::result::Result<
            Self,
            ::netabase_store::__private::KeyDecodeError,
        > {
            ::netabase_store::__private::std::result::Result::Err(
                ::netabase_store::__private::KeyDecodeError::Invalid("unknown secondary key tag"),
            )
        }
    }

    /// A key of [`Tag`]: its primary key or one of its secondary keys.
    #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum TagKey {
        /// The primary key.
        Primary(TagPrimaryKey),
        /// A secondary key.
        Secondary(TagSecondaryKeys),
    }
    #[automatically_derived]
    impl ::netabase_store::__private::std::convert::From<TagPrimaryKey> for TagKey {
        fn from(key: TagPrimaryKey) -> Self {
            Self::Primary(key)
        }
    }
    #[automatically_derived]
    impl ::netabase_store::__private::std::convert::From<TagSecondaryKeys> for TagKey {
        fn from(key: TagSecondaryKeys) -> Self {
            Self::Secondary(key)
        }
    }

    #[automatically_derived]
    impl ::netabase_store::__private::NetabaseModelTrait<BlogDefinition> for Tag {
        type PrimaryKey = TagPrimaryKey;
        type SecondaryKeys = TagSecondaryKeys;
        type Keys = TagKey;
        const DISCRIMINANT: BlogDefinitionDiscriminant = BlogDefinitionDiscriminant::Tag;
        const TREE_NAMES: ::netabase_store::__private::TreeNames =
            ::netabase_store::__private::TreeNames {
                definition: "BlogDefinition",
                model: "Tag",
                primary: "BlogDefinition/Tag",
                index: "BlogDefinition/Tag/index",
            };
        const SECONDARY_KEYS: &'static [::netabase_store::__private::SecondaryKeyInfo] = &[];
        fn primary_key(&self) -> TagPrimaryKey {
            TagPrimaryKey(::netabase_store::__private::std::clone::Clone::clone(&self.name))
        }
        fn secondary_keys(
            &self,
        ) -> ::netabase_store::__private::std::collections::HashMap<
            TagSecondaryKeysDiscriminants,
            TagSecondaryKeys,
        > {
            ::netabase_store::__private::std::collections::HashMap::new()
        }
        fn write_index_keys(&self, _writer: &mut ::netabase_store::__private::IndexKeyWriter) {}
    }

    #[automatically_derived]
    impl ::netabase_store::__private::NetabaseModelTraitKey<BlogDefinition> for TagKey {
        type Model = Tag;
        const DISCRIMINANT: BlogKeysDiscriminant = BlogKeysDiscriminant::TagKey;
        fn as_primary(&self) -> ::netabase_store::__private::std::option::Option<&TagPrimaryKey> {
            match self {
                Self::Primary(key) => ::netabase_store::__private::std::option::Option::Some(key),
                Self::Secondary(_) => ::netabase_store::__private::std::option::Option::None,
            }
        }
        fn as_secondary(&self) -> ::netabase_store::__private::std::option::Option<&TagSecondaryKeys> {
            match self {
                Self::Primary(_) => ::netabase_store::__private::std::option::Option::None,
                Self::Secondary(key) => ::netabase_store::__private::std::option::Option::Some(key),
            }
        }
    }

    // ---------------------------------------------------------------- per definition

    /// Every model of this definition.
    #[derive(
        Debug,
        Clone,
        ::netabase_store::__private::bincode::Encode,
        ::netabase_store::__private::bincode::Decode,
    )]
    #[bincode(crate = "::netabase_store::__private::bincode")]
    pub enum BlogDefinition {
        /// A [`User`].
        User(User),
        /// A [`Tag`].
        Tag(Tag),
    }

    /// Names the models of [`BlogDefinition`].
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum BlogDefinitionDiscriminant {
        /// [`User`]
        User,
        /// [`Tag`]
        Tag,
    }
    // (DiscriminantEnum, Display, AsRef<str>, FromStr as above, names "User", "Tag")
    #[automatically_derived]
    impl ::netabase_store::__private::DiscriminantEnum for BlogDefinitionDiscriminant {
        const ALL: &'static [Self] = &[Self::User, Self::Tag];
        fn name(&self) -> &'static str {
            match self {
                Self::User => "User",
                Self::Tag => "Tag",
            }
        }
    }
    #[automatically_derived]
    impl ::netabase_store::__private::std::fmt::Display for BlogDefinitionDiscriminant {
        fn fmt(
            &self,
            f: &mut ::netabase_store::__private::std::fmt::Formatter<'_>,
        ) -> ::netabase_store::__private::std::fmt::Result {
            f.write_str(::netabase_store::__private::DiscriminantEnum::name(self))
        }
    }
    #[automatically_derived]
    impl ::netabase_store::__private::std::convert::AsRef<str> for BlogDefinitionDiscriminant {
        fn as_ref(&self) -> &str {
            ::netabase_store::__private::DiscriminantEnum::name(self)
        }
    }
    #[automatically_derived]
    impl ::netabase_store::__private::std::str::FromStr for BlogDefinitionDiscriminant {
        type Err = ::netabase_store::__private::UnknownDiscriminant;
        fn from_str(s: &str) -> ::netabase_store::__private::std::result::Result<Self, Self::Err> {
            match s {
                "User" => ::netabase_store::__private::std::result::Result::Ok(Self::User),
                "Tag" => ::netabase_store::__private::std::result::Result::Ok(Self::Tag),
                _ => ::netabase_store::__private::std::result::Result::Err(
                    ::netabase_store::__private::UnknownDiscriminant {
                        enum_name: "BlogDefinitionDiscriminant",
                        name: ::netabase_store::__private::std::string::ToString::to_string(s),
                    },
                ),
            }
        }
    }

    #[automatically_derived]
    impl ::netabase_store::__private::IntoDiscriminant for BlogDefinition {
        type Discriminant = BlogDefinitionDiscriminant;
        fn discriminant(&self) -> BlogDefinitionDiscriminant {
            match self {
                Self::User(_) => BlogDefinitionDiscriminant::User,
                Self::Tag(_) => BlogDefinitionDiscriminant::Tag,
            }
        }
    }

    #[automatically_derived]
    impl ::netabase_store::__private::NetabaseDefinitionTrait for BlogDefinition {
        type Keys = BlogKeys;
        const NAME: &'static str = "BlogDefinition";
        fn accept<V: ::netabase_store::__private::ModelVisitor<Self>>(self, visitor: V) -> V::Output {
            match self {
                Self::User(model) => visitor.visit::<User>(model),
                Self::Tag(model) => visitor.visit::<Tag>(model),
            }
        }
        fn accept_ref<V: ::netabase_store::__private::ModelRefVisitor<Self>>(
            &self,
            visitor: V,
        ) -> V::Output {
            match self {
                Self::User(model) => visitor.visit::<User>(model),
                Self::Tag(model) => visitor.visit::<Tag>(model),
            }
        }
        fn visit_model_type<V: ::netabase_store::__private::ModelTypeVisitor<Self>>(
            discriminant: BlogDefinitionDiscriminant,
            visitor: V,
        ) -> V::Output {
            match discriminant {
                BlogDefinitionDiscriminant::User => visitor.visit::<User>(),
                BlogDefinitionDiscriminant::Tag => visitor.visit::<Tag>(),
            }
        }
    }

    #[automatically_derived]
    impl ::netabase_store::__private::std::convert::From<User> for BlogDefinition {
        fn from(model: User) -> Self {
            Self::User(model)
        }
    }
    #[automatically_derived]
    impl ::netabase_store::__private::std::convert::TryFrom<BlogDefinition> for User {
        type Error = ::netabase_store::__private::WrongVariant;
        #[allow(unreachable_patterns)]
        fn try_from(
            definition: BlogDefinition,
        ) -> ::netabase_store::__private::std::result::Result<Self, Self::Error> {
            match definition {
                BlogDefinition::User(model) => ::netabase_store::__private::std::result::Result::Ok(model),
                other => ::netabase_store::__private::std::result::Result::Err(
                    ::netabase_store::__private::WrongVariant {
                        expected: "User",
                        found: ::netabase_store::__private::NetabaseDefinitionTrait::discriminant_name(&other),
                    },
                ),
            }
        }
    }
    // (same pair for Tag)
    #[automatically_derived]
    impl ::netabase_store::__private::std::convert::From<Tag> for BlogDefinition {
        fn from(model: Tag) -> Self {
            Self::Tag(model)
        }
    }
    #[automatically_derived]
    impl ::netabase_store::__private::std::convert::TryFrom<BlogDefinition> for Tag {
        type Error = ::netabase_store::__private::WrongVariant;
        #[allow(unreachable_patterns)]
        fn try_from(
            definition: BlogDefinition,
        ) -> ::netabase_store::__private::std::result::Result<Self, Self::Error> {
            match definition {
                BlogDefinition::Tag(model) => ::netabase_store::__private::std::result::Result::Ok(model),
                other => ::netabase_store::__private::std::result::Result::Err(
                    ::netabase_store::__private::WrongVariant {
                        expected: "Tag",
                        found: ::netabase_store::__private::NetabaseDefinitionTrait::discriminant_name(&other),
                    },
                ),
            }
        }
    }

    /// Every model key of this definition.
    #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum BlogKeys {
        /// A key of [`User`].
        UserKey(UserKey),
        /// A key of [`Tag`].
        TagKey(TagKey),
    }

    /// Names the variants of [`BlogKeys`].
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum BlogKeysDiscriminant {
        /// [`UserKey`]
        UserKey,
        /// [`TagKey`]
        TagKey,
    }
    // (DiscriminantEnum, Display, AsRef<str>, FromStr as above, names "UserKey", "TagKey")
    #[automatically_derived]
    impl ::netabase_store::__private::DiscriminantEnum for BlogKeysDiscriminant {
        const ALL: &'static [Self] = &[Self::UserKey, Self::TagKey];
        fn name(&self) -> &'static str {
            match self {
                Self::UserKey => "UserKey",
                Self::TagKey => "TagKey",
            }
        }
    }
    #[automatically_derived]
    impl ::netabase_store::__private::std::fmt::Display for BlogKeysDiscriminant {
        fn fmt(
            &self,
            f: &mut ::netabase_store::__private::std::fmt::Formatter<'_>,
        ) -> ::netabase_store::__private::std::fmt::Result {
            f.write_str(::netabase_store::__private::DiscriminantEnum::name(self))
        }
    }
    #[automatically_derived]
    impl ::netabase_store::__private::std::convert::AsRef<str> for BlogKeysDiscriminant {
        fn as_ref(&self) -> &str {
            ::netabase_store::__private::DiscriminantEnum::name(self)
        }
    }
    #[automatically_derived]
    impl ::netabase_store::__private::std::str::FromStr for BlogKeysDiscriminant {
        type Err = ::netabase_store::__private::UnknownDiscriminant;
        fn from_str(s: &str) -> ::netabase_store::__private::std::result::Result<Self, Self::Err> {
            match s {
                "UserKey" => ::netabase_store::__private::std::result::Result::Ok(Self::UserKey),
                "TagKey" => ::netabase_store::__private::std::result::Result::Ok(Self::TagKey),
                _ => ::netabase_store::__private::std::result::Result::Err(
                    ::netabase_store::__private::UnknownDiscriminant {
                        enum_name: "BlogKeysDiscriminant",
                        name: ::netabase_store::__private::std::string::ToString::to_string(s),
                    },
                ),
            }
        }
    }

    #[automatically_derived]
    impl ::netabase_store::__private::IntoDiscriminant for BlogKeys {
        type Discriminant = BlogKeysDiscriminant;
        fn discriminant(&self) -> BlogKeysDiscriminant {
            match self {
                Self::UserKey(_) => BlogKeysDiscriminant::UserKey,
                Self::TagKey(_) => BlogKeysDiscriminant::TagKey,
            }
        }
    }

    #[automatically_derived]
    impl ::netabase_store::__private::NetabaseDefinitionTraitKey for BlogKeys {
        type Definition = BlogDefinition;
        fn accept<V: ::netabase_store::__private::KeyVisitor<BlogDefinition>>(
            &self,
            visitor: V,
        ) -> V::Output {
            match self {
                Self::UserKey(key) => visitor.visit::<User>(key),
                Self::TagKey(key) => visitor.visit::<Tag>(key),
            }
        }
    }

    #[automatically_derived]
    impl ::netabase_store::__private::std::convert::From<UserKey> for BlogKeys {
        fn from(key: UserKey) -> Self {
            Self::UserKey(key)
        }
    }
    #[automatically_derived]
    impl ::netabase_store::__private::std::convert::TryFrom<BlogKeys> for UserKey {
        type Error = ::netabase_store::__private::WrongVariant;
        #[allow(unreachable_patterns)]
        fn try_from(keys: BlogKeys) -> ::netabase_store::__private::std::result::Result<Self, Self::Error> {
            match keys {
                BlogKeys::UserKey(key) => ::netabase_store::__private::std::result::Result::Ok(key),
                other => ::netabase_store::__private::std::result::Result::Err(
                    ::netabase_store::__private::WrongVariant {
                        expected: "UserKey",
                        found: ::netabase_store::__private::DiscriminantEnum::name(
                            &::netabase_store::__private::IntoDiscriminant::discriminant(&other),
                        ),
                    },
                ),
            }
        }
    }
    #[automatically_derived]
    impl ::netabase_store::__private::std::convert::From<TagKey> for BlogKeys {
        fn from(key: TagKey) -> Self {
            Self::TagKey(key)
        }
    }
    #[automatically_derived]
    impl ::netabase_store::__private::std::convert::TryFrom<BlogKeys> for TagKey {
        type Error = ::netabase_store::__private::WrongVariant;
        #[allow(unreachable_patterns)]
        fn try_from(keys: BlogKeys) -> ::netabase_store::__private::std::result::Result<Self, Self::Error> {
            match keys {
                BlogKeys::TagKey(key) => ::netabase_store::__private::std::result::Result::Ok(key),
                other => ::netabase_store::__private::std::result::Result::Err(
                    ::netabase_store::__private::WrongVariant {
                        expected: "TagKey",
                        found: ::netabase_store::__private::DiscriminantEnum::name(
                            &::netabase_store::__private::IntoDiscriminant::discriminant(&other),
                        ),
                    },
                ),
            }
        }
    }

    // Unprefixed aliases, for field names unique in this module. A re-export (not a type
    // alias) so that the alias also works as the tuple-struct constructor:
    // `EmailSecondaryKey("a@b".into())`. Skipped when the module already defines the name.
    #[allow(unused_imports)]
    pub use self::UserAgeSecondaryKey as AgeSecondaryKey;
    #[allow(unused_imports)]
    pub use self::UserEmailSecondaryKey as EmailSecondaryKey;
}

use blog::*;
use netabase_store::traits::model::NetabaseModelTrait;

#[test]
fn reference_expansion_satisfies_the_traits() {
    let user = User {
        id: 3,
        name: "n".into(),
        email: "e".into(),
        age: 4,
    };
    assert_eq!(user.primary_key(), UserPrimaryKey(3));
    assert_eq!(user.secondary_keys().len(), 2);
    let def: BlogDefinition = user.clone().into();
    assert!(User::try_from(def).is_ok());
    assert_eq!("x".as_user_email_key(), UserSecondaryKeys::Email(EmailSecondaryKey("x".into())));
}
