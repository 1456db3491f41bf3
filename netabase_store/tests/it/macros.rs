//! The schema macros on real schemas: every generated name exists, converts and satisfies the
//! store's traits. Two definitions live side by side in this module and are glob-imported
//! together, so any name collision between them would fail to compile.

use std::collections::HashMap;

use netabase_store::codec::{KeyCodec, KeyDecodeError, decode_key, encode_key};
use netabase_store::error::WrongVariant;
use netabase_store::traits::definition::{
    DiscriminantEnum, IntoDiscriminant, KeyVisitor, ModelRefVisitor, ModelTypeVisitor,
    ModelVisitor, NetabaseDefinitionTrait, NetabaseDefinitionTraitKey, UnknownDiscriminant,
    model_discriminants,
};
use netabase_store::traits::model::{
    NetabaseModelTrait, NetabaseModelTraitKey, SecondaryKeyEnum, SecondaryKeyInfo, TreeNames,
};

/// The reference schema (`User` with two secondary keys, `Tag` with none) plus a model in a
/// nested module.
#[netabase_store::netabase_definition_module(BlogDefinition, BlogKeys)]
pub mod blog {
    use netabase_store::{NetabaseModel, netabase};

    /// A user.
    #[derive(NetabaseModel, Clone, Debug, PartialEq, bincode::Encode, bincode::Decode)]
    #[netabase(BlogDefinition)]
    pub struct User {
        /// Primary key.
        #[primary_key]
        pub id: u64,
        /// Not a key.
        pub name: String,
        /// Secondary key.
        #[secondary_key]
        pub email: String,
        /// Unique secondary key.
        #[secondary_key(unique)]
        pub age: u32,
    }

    /// A tag: a model without secondary keys.
    #[derive(NetabaseModel, Clone, Debug, PartialEq, bincode::Encode, bincode::Decode)]
    #[netabase(BlogDefinition)]
    pub struct Tag {
        /// Primary key.
        #[primary_key]
        pub name: String,
    }

    /// Models may live in nested inline modules.
    pub mod archive {
        use netabase_store::netabase;

        /// A post, keyed by a tuple.
        #[derive(
            Clone, Debug, PartialEq, bincode::Encode, bincode::Decode, netabase_store::NetabaseModel,
        )]
        #[netabase(super::BlogDefinition)]
        pub struct Post {
            /// Primary key.
            #[primary_key]
            pub id: (u32, String),
            /// Secondary key.
            #[secondary_key]
            pub author: Option<u64>,
            /// Secondary key.
            #[secondary_key]
            pub pinned: bool,
            /// Not a key.
            pub body: String,
        }
    }
}

/// A second definition next to the first: every supported key type, `#[netabase]` written
/// before the derive, `NetabaseModel` written as a path and not first in the derive list.
#[netabase_store::netabase_definition_module(CatalogDefinition, CatalogKeys)]
pub mod catalog {
    use netabase_store::netabase;

    /// Declared here, so the module macro must not add an alias of the same name.
    pub type StatusSecondaryKey = u16;

    /// One secondary key of every scalar key type.
    #[netabase(CatalogDefinition)]
    #[derive(
        Clone, Debug, PartialEq, netabase_store::NetabaseModel, bincode::Encode, bincode::Decode,
    )]
    pub struct Scalars {
        /// Primary key.
        #[primary_key]
        pub id: i64,
        /// `u8` key.
        #[secondary_key]
        pub byte: u8,
        /// `u16` key.
        #[secondary_key]
        pub short: u16,
        /// `u32` key.
        #[secondary_key]
        pub word: u32,
        /// `u64` key.
        #[secondary_key]
        pub long: u64,
        /// `u128` key.
        #[secondary_key]
        pub huge: u128,
        /// `i8` key.
        #[secondary_key]
        pub tiny: i8,
        /// `i16` key.
        #[secondary_key]
        pub small: i16,
        /// `i32` key.
        #[secondary_key]
        pub medium: i32,
        /// `i64` key.
        #[secondary_key]
        pub large: i64,
        /// `i128` key.
        #[secondary_key]
        pub giant: i128,
        /// `usize` key.
        #[secondary_key]
        pub size: usize,
        /// `isize` key.
        #[secondary_key]
        pub offset: isize,
        /// `String` key.
        #[secondary_key]
        pub label: String,
        /// `bool` key.
        #[secondary_key(unique)]
        pub active: bool,
        /// `Vec<u8>` key.
        #[secondary_key]
        pub bytes: Vec<u8>,
        /// `[u8; 16]` key.
        #[secondary_key]
        pub digest: [u8; 16],
        /// Tuple key.
        #[secondary_key]
        pub pair: (u32, String),
        /// `Option` key.
        #[secondary_key]
        pub maybe: Option<u64>,
    }

    /// A multi-word model name: `as_http_response_status_key`.
    #[derive(
        netabase_store::NetabaseModel, Clone, Debug, PartialEq, bincode::Encode, bincode::Decode,
    )]
    #[netabase(CatalogDefinition)]
    pub struct HttpResponse {
        /// `u128` primary key.
        #[primary_key]
        pub id: u128,
        /// Secondary key whose alias name is taken by the type above.
        #[secondary_key]
        pub status: u16,
    }

    /// Primary keys of the remaining types.
    #[derive(
        netabase_store::NetabaseModel, Clone, Debug, PartialEq, bincode::Encode, bincode::Decode,
    )]
    #[netabase(CatalogDefinition)]
    pub struct Blob {
        /// `[u8; 16]` primary key.
        #[primary_key]
        pub digest: [u8; 16],
    }

    /// `Option` primary key.
    #[derive(
        netabase_store::NetabaseModel, Clone, Debug, PartialEq, bincode::Encode, bincode::Decode,
    )]
    #[netabase(CatalogDefinition)]
    pub struct Slot {
        /// `Option<u64>` primary key.
        #[primary_key]
        pub id: Option<u64>,
    }

    /// `Vec<u8>` primary key.
    #[derive(
        netabase_store::NetabaseModel, Clone, Debug, PartialEq, bincode::Encode, bincode::Decode,
    )]
    #[netabase(CatalogDefinition)]
    pub struct Chunk {
        /// `Vec<u8>` primary key.
        #[primary_key]
        pub id: Vec<u8>,
    }
}

use blog::archive::*;
use blog::*;
use catalog::*;

fn user() -> User {
    User {
        id: 7,
        name: "ann".into(),
        email: "ann@example.org".into(),
        age: 42,
    }
}

fn post() -> Post {
    Post {
        id: (3, "intro".into()),
        author: Some(7),
        pinned: true,
        body: "hello".into(),
    }
}

fn scalars() -> Scalars {
    Scalars {
        id: -5,
        byte: 1,
        short: 2,
        word: 3,
        long: 4,
        huge: 5,
        tiny: -6,
        small: -7,
        medium: -8,
        large: -9,
        giant: -10,
        size: 11,
        offset: -12,
        label: "label".into(),
        active: true,
        bytes: vec![0, 1, 0xFF],
        digest: [9; 16],
        pair: (13, "pair".into()),
        maybe: Some(14),
    }
}

#[test]
fn models_convert_to_and_from_their_definition() {
    let definition: BlogDefinition = user().into();
    assert!(matches!(&definition, BlogDefinition::User(u) if *u == user()));
    assert_eq!(User::try_from(definition.clone()), Ok(user()));
    assert_eq!(
        Tag::try_from(definition),
        Err(WrongVariant {
            expected: "Tag",
            found: "User"
        })
    );

    let nested: BlogDefinition = post().into();
    assert_eq!(nested.discriminant(), BlogDefinitionDiscriminant::Post);
    assert_eq!(Post::try_from(nested), Ok(post()));

    let catalog: CatalogDefinition = scalars().into();
    assert_eq!(catalog.discriminant_name(), "Scalars");
    assert_eq!(Scalars::try_from(catalog), Ok(scalars()));
}

#[test]
fn keys_convert_between_every_level() {
    // Inner value and newtype.
    assert_eq!(UserPrimaryKey::from(7), UserPrimaryKey(7));
    assert_eq!(u64::from(UserPrimaryKey(7)), 7);
    assert_eq!(
        String::from(UserEmailSecondaryKey::from("e".to_string())),
        "e"
    );
    assert_eq!(
        <(u32, String)>::from(PostPrimaryKey((1, "a".into()))),
        (1, "a".into())
    );
    assert_eq!(<[u8; 16]>::from(BlobPrimaryKey([1; 16])), [1; 16]);
    assert_eq!(Option::<u64>::from(SlotPrimaryKey(None)), None);

    // Secondary newtype and secondary enum.
    let email = UserEmailSecondaryKey("e".into());
    let secondary = UserSecondaryKeys::from(email.clone());
    assert_eq!(secondary, UserSecondaryKeys::Email(email.clone()));
    assert_eq!(
        UserEmailSecondaryKey::try_from(secondary.clone()),
        Ok(email)
    );
    assert_eq!(
        UserAgeSecondaryKey::try_from(secondary.clone()),
        Err(WrongVariant {
            expected: "Age",
            found: "Email"
        })
    );

    // Model key from primary and secondary keys.
    assert_eq!(
        UserKey::from(UserPrimaryKey(1)),
        UserKey::Primary(UserPrimaryKey(1))
    );
    assert_eq!(
        UserKey::from(secondary.clone()),
        UserKey::Secondary(secondary)
    );

    // Model key and keys enum.
    let keys = BlogKeys::from(UserKey::Primary(UserPrimaryKey(1)));
    assert_eq!(keys, BlogKeys::UserKey(UserKey::Primary(UserPrimaryKey(1))));
    assert_eq!(
        UserKey::try_from(keys.clone()),
        Ok(UserKey::Primary(UserPrimaryKey(1)))
    );
    assert_eq!(
        TagKey::try_from(keys),
        Err(WrongVariant {
            expected: "TagKey",
            found: "UserKey"
        })
    );
    let nested = BlogKeys::from(PostKey::Primary(PostPrimaryKey((1, "a".into()))));
    assert_eq!(nested.discriminant(), BlogKeysDiscriminant::PostKey);
}

#[test]
fn model_methods_return_the_fields_keys() {
    let user = user();
    assert_eq!(user.primary_key(), UserPrimaryKey(7));
    assert_eq!(user.key(), UserKey::Primary(UserPrimaryKey(7)));
    assert!(user.has_secondary());
    assert_eq!(User::discriminant_name(), "User");
    assert_eq!(
        user.secondary_keys(),
        HashMap::from([
            (
                UserSecondaryKeysDiscriminants::Email,
                UserSecondaryKeys::Email(UserEmailSecondaryKey("ann@example.org".into())),
            ),
            (
                UserSecondaryKeysDiscriminants::Age,
                UserSecondaryKeys::Age(UserAgeSecondaryKey(42)),
            ),
        ])
    );

    let tag = Tag {
        name: "rust".into(),
    };
    assert_eq!(tag.primary_key(), TagPrimaryKey("rust".into()));
    assert!(!tag.has_secondary());
    assert!(tag.secondary_keys().is_empty());
    assert_eq!(Tag::discriminant_name(), "Tag");

    let post = post();
    assert_eq!(post.primary_key(), PostPrimaryKey((3, "intro".into())));
    assert_eq!(
        post.secondary_keys()[&PostSecondaryKeysDiscriminants::Author],
        PostSecondaryKeys::Author(PostAuthorSecondaryKey(Some(7)))
    );

    let scalars = scalars();
    let keys = scalars.secondary_keys();
    assert_eq!(keys.len(), 18);
    assert_eq!(
        keys[&ScalarsSecondaryKeysDiscriminants::Digest],
        ScalarsSecondaryKeys::Digest(ScalarsDigestSecondaryKey([9; 16]))
    );
    assert_eq!(
        keys[&ScalarsSecondaryKeysDiscriminants::Pair],
        ScalarsSecondaryKeys::Pair(ScalarsPairSecondaryKey((13, "pair".into())))
    );
    assert_eq!(HttpResponse::discriminant_name(), "HttpResponse");
}

#[test]
fn constants_describe_the_model() {
    assert_eq!(
        <User as NetabaseModelTrait<BlogDefinition>>::DISCRIMINANT,
        BlogDefinitionDiscriminant::User
    );
    assert_eq!(
        <Post as NetabaseModelTrait<BlogDefinition>>::DISCRIMINANT,
        BlogDefinitionDiscriminant::Post
    );
    assert_eq!(
        <UserKey as NetabaseModelTraitKey<BlogDefinition>>::DISCRIMINANT,
        BlogKeysDiscriminant::UserKey
    );
    assert_eq!(
        User::TREE_NAMES,
        TreeNames {
            definition: "BlogDefinition",
            model: "User",
            primary: "BlogDefinition/User",
            index: "BlogDefinition/User/index",
        }
    );
    assert_eq!(Post::TREE_NAMES.primary, "BlogDefinition/Post");
    assert_eq!(
        HttpResponse::TREE_NAMES.index,
        "CatalogDefinition/HttpResponse/index"
    );
    assert_eq!(
        User::SECONDARY_KEYS,
        &[
            SecondaryKeyInfo {
                field: "email",
                unique: false
            },
            SecondaryKeyInfo {
                field: "age",
                unique: true
            },
        ]
    );
    assert_eq!(Tag::SECONDARY_KEYS, &[]);
    let fields: Vec<&str> = Scalars::SECONDARY_KEYS.iter().map(|k| k.field).collect();
    assert_eq!(
        fields,
        [
            "byte", "short", "word", "long", "huge", "tiny", "small", "medium", "large", "giant",
            "size", "offset", "label", "active", "bytes", "digest", "pair", "maybe"
        ]
    );
    let unique: Vec<&str> = Scalars::SECONDARY_KEYS
        .iter()
        .filter(|k| k.unique)
        .map(|k| k.field)
        .collect();
    assert_eq!(unique, ["active"]);
    assert_eq!(BlogDefinition::NAME, "BlogDefinition");
    assert_eq!(CatalogDefinition::NAME, "CatalogDefinition");
}

#[test]
fn discriminants_list_display_and_parse_their_variants() {
    assert_eq!(
        model_discriminants::<BlogDefinition>(),
        &[
            BlogDefinitionDiscriminant::User,
            BlogDefinitionDiscriminant::Tag,
            BlogDefinitionDiscriminant::Post
        ]
    );
    assert_eq!(BlogDefinitionDiscriminant::User.to_string(), "User");
    assert_eq!(BlogDefinitionDiscriminant::Post.as_ref(), "Post");
    assert_eq!("Tag".parse(), Ok(BlogDefinitionDiscriminant::Tag));
    assert_eq!(
        "Nope".parse::<BlogDefinitionDiscriminant>(),
        Err(UnknownDiscriminant {
            enum_name: "BlogDefinitionDiscriminant",
            name: "Nope".into()
        })
    );

    assert_eq!(
        BlogKeysDiscriminant::ALL,
        &[
            BlogKeysDiscriminant::UserKey,
            BlogKeysDiscriminant::TagKey,
            BlogKeysDiscriminant::PostKey
        ]
    );
    assert_eq!(BlogKeysDiscriminant::TagKey.name(), "TagKey");
    assert_eq!("PostKey".parse(), Ok(BlogKeysDiscriminant::PostKey));

    assert_eq!(
        UserSecondaryKeysDiscriminants::ALL,
        &[
            UserSecondaryKeysDiscriminants::Email,
            UserSecondaryKeysDiscriminants::Age
        ]
    );
    assert_eq!(UserSecondaryKeysDiscriminants::Age.to_string(), "Age");
    assert_eq!("Email".parse(), Ok(UserSecondaryKeysDiscriminants::Email));
    assert_eq!(
        UserSecondaryKeys::Age(UserAgeSecondaryKey(1)).discriminant(),
        UserSecondaryKeysDiscriminants::Age
    );

    // A model without secondary keys has empty enums.
    assert!(TagSecondaryKeysDiscriminants::ALL.is_empty());
    assert_eq!(
        "Anything".parse::<TagSecondaryKeysDiscriminants>(),
        Err(UnknownDiscriminant {
            enum_name: "TagSecondaryKeysDiscriminants",
            name: "Anything".into()
        })
    );
    assert_eq!(ScalarsSecondaryKeysDiscriminants::ALL.len(), 18);
    for discriminant in ScalarsSecondaryKeysDiscriminants::ALL {
        assert_eq!(discriminant.to_string().parse(), Ok(*discriminant));
    }
    for discriminant in CatalogDefinitionDiscriminant::ALL {
        assert_eq!(discriminant.as_ref().parse(), Ok(*discriminant));
    }
}

/// Names a model and encodes its primary key, whichever model it is.
struct Describe;

impl<D: NetabaseDefinitionTrait> ModelVisitor<D> for Describe {
    type Output = (&'static str, Vec<u8>);
    fn visit<M: NetabaseModelTrait<D>>(self, model: M) -> Self::Output {
        (M::TREE_NAMES.model, encode_key(&model.primary_key()))
    }
}

impl<D: NetabaseDefinitionTrait> ModelRefVisitor<D> for Describe {
    type Output = (&'static str, Vec<u8>);
    fn visit<M: NetabaseModelTrait<D>>(self, model: &M) -> Self::Output {
        (M::TREE_NAMES.model, encode_key(&model.primary_key()))
    }
}

impl<D: NetabaseDefinitionTrait> ModelTypeVisitor<D> for Describe {
    type Output = TreeNames;
    fn visit<M: NetabaseModelTrait<D>>(self) -> Self::Output {
        M::TREE_NAMES
    }
}

impl<D: NetabaseDefinitionTrait> KeyVisitor<D> for Describe {
    type Output = (&'static str, bool);
    fn visit<M: NetabaseModelTrait<D>>(self, key: &M::Keys) -> Self::Output {
        (M::TREE_NAMES.model, key.as_primary().is_some())
    }
}

#[test]
fn visitors_receive_the_model_type() {
    let definition = BlogDefinition::from(user());
    assert_eq!(definition.accept_ref(Describe), ("User", encode_key(&7u64)));
    assert_eq!(definition.accept(Describe), ("User", encode_key(&7u64)));
    let nested = BlogDefinition::from(post());
    assert_eq!(
        nested.accept(Describe),
        ("Post", encode_key(&(3u32, "intro".to_string())))
    );
    let catalog = CatalogDefinition::from(Slot { id: None });
    assert_eq!(
        catalog.accept_ref(Describe),
        ("Slot", encode_key(&None::<u64>))
    );

    for discriminant in BlogDefinitionDiscriminant::ALL {
        let names = BlogDefinition::visit_model_type(*discriminant, Describe);
        assert_eq!(names.model, discriminant.name());
        assert_eq!(names.definition, "BlogDefinition");
    }
    assert_eq!(
        CatalogDefinition::visit_model_type(CatalogDefinitionDiscriminant::Chunk, Describe).primary,
        "CatalogDefinition/Chunk"
    );

    let primary = BlogKeys::from(UserKey::Primary(UserPrimaryKey(1)));
    assert_eq!(primary.accept(Describe), ("User", true));
    let secondary = BlogKeys::from(PostKey::Secondary(PostSecondaryKeys::Pinned(
        PostPinnedSecondaryKey(true),
    )));
    assert_eq!(secondary.accept(Describe), ("Post", false));
    assert_eq!(
        PostKey::Secondary(PostSecondaryKeys::Pinned(PostPinnedSecondaryKey(true))).as_secondary(),
        Some(&PostSecondaryKeys::Pinned(PostPinnedSecondaryKey(true)))
    );
    assert_eq!(
        UserKey::Primary(UserPrimaryKey(1)).as_primary(),
        Some(&UserPrimaryKey(1))
    );
    assert_eq!(UserKey::Primary(UserPrimaryKey(1)).as_secondary(), None);
}

/// Encodes with `encode_index_key` and decodes with `decode_index_key`.
fn index_round_trip<K: SecondaryKeyEnum + PartialEq + std::fmt::Debug>(key: &K) {
    let mut bytes = Vec::new();
    key.encode_index_key(&mut bytes);
    let mut input = bytes.as_slice();
    assert_eq!(
        K::decode_index_key(key.index_tag(), &mut input).as_ref(),
        Ok(key)
    );
    assert!(input.is_empty(), "{key:?} left bytes behind");
}

#[test]
fn secondary_keys_round_trip_through_the_index_encoding() {
    let scalars = scalars();
    let keys = scalars.secondary_keys();
    for (position, info) in Scalars::SECONDARY_KEYS.iter().enumerate() {
        let discriminant: ScalarsSecondaryKeysDiscriminants = info
            .field
            .chars()
            .next()
            .map(|c| c.to_ascii_uppercase().to_string() + &info.field[1..])
            .and_then(|name| name.parse().ok())
            .expect("every field names a variant");
        let key = &keys[&discriminant];
        assert_eq!(usize::from(key.index_tag()), position);
        index_round_trip(key);
    }
    // The index encoding of a secondary key is the `KeyCodec` encoding of its field.
    let mut bytes = Vec::new();
    ScalarsSecondaryKeys::Label(ScalarsLabelSecondaryKey("label".into()))
        .encode_index_key(&mut bytes);
    assert_eq!(bytes, encode_key(&"label".to_string()));

    index_round_trip(&PostSecondaryKeys::Author(PostAuthorSecondaryKey(None)));
    index_round_trip(&UserSecondaryKeys::Age(UserAgeSecondaryKey(u32::MAX)));
    assert_eq!(
        UserSecondaryKeys::decode_index_key(2, &mut &[0u8; 4][..]),
        Err(KeyDecodeError::Invalid("unknown secondary key tag"))
    );
    assert_eq!(
        TagSecondaryKeys::decode_index_key(0, &mut &[][..]),
        Err(KeyDecodeError::Invalid("unknown secondary key tag"))
    );
}

#[test]
fn key_newtypes_encode_like_their_field() {
    assert_eq!(encode_key(&UserPrimaryKey(7)), encode_key(&7u64));
    assert_eq!(decode_key(&encode_key(&7u64)), Ok(UserPrimaryKey(7)));
    assert_eq!(
        decode_key(&encode_key(&ChunkPrimaryKey(vec![0, 1]))),
        Ok(ChunkPrimaryKey(vec![0, 1]))
    );
    assert_eq!(
        decode_key(&encode_key(&ScalarsPrimaryKey(-5))),
        Ok(ScalarsPrimaryKey(-5))
    );
    assert_eq!(
        decode_key(&encode_key(&HttpResponsePrimaryKey(u128::MAX))),
        Ok(HttpResponsePrimaryKey(u128::MAX))
    );
    let mut out = Vec::new();
    SlotPrimaryKey(Some(1)).encode_key(&mut out);
    assert_eq!(out, encode_key(&Some(1u64)));
    // Ordering follows the field's.
    assert!(UserPrimaryKey(1) < UserPrimaryKey(2));
    assert!(encode_key(&ScalarsPrimaryKey(-1)) < encode_key(&ScalarsPrimaryKey(1)));
}

#[test]
fn as_traits_and_unprefixed_aliases_build_secondary_keys() {
    assert_eq!(
        "x".as_user_email_key(),
        UserSecondaryKeys::Email(UserEmailSecondaryKey("x".into()))
    );
    assert_eq!(
        30u8.as_user_age_key(),
        UserSecondaryKeys::Age(UserAgeSecondaryKey(30))
    );
    assert_eq!(
        404u16.as_http_response_status_key(),
        HttpResponseSecondaryKeys::Status(HttpResponseStatusSecondaryKey(404))
    );
    assert_eq!(
        Some(7u64).as_post_author_key(),
        PostSecondaryKeys::Author(PostAuthorSecondaryKey(Some(7)))
    );
    assert_eq!(
        [1u8; 16].as_scalars_digest_key(),
        ScalarsSecondaryKeys::Digest(ScalarsDigestSecondaryKey([1; 16]))
    );

    // The alias is a re-export of the newtype, so it is also its constructor.
    let alias: UserEmailSecondaryKey = EmailSecondaryKey("a".into());
    assert_eq!(alias, UserEmailSecondaryKey("a".into()));
    assert_eq!(AgeSecondaryKey(1), UserAgeSecondaryKey(1));
    assert_eq!(AuthorSecondaryKey(None), PostAuthorSecondaryKey(None));
    assert_eq!(MaybeSecondaryKey(None), ScalarsMaybeSecondaryKey(None));
    // `StatusSecondaryKey` was declared by the module, so no alias replaced it.
    let status: StatusSecondaryKey = 200u16;
    assert_eq!(status, 200);
}

/// Every model name of a definition, through its discriminants.
fn model_names<D: NetabaseDefinitionTrait>() -> Vec<&'static str> {
    model_discriminants::<D>()
        .iter()
        .map(|d| d.name())
        .collect()
}

#[test]
fn two_definitions_work_side_by_side() {
    assert_eq!(model_names::<BlogDefinition>(), ["User", "Tag", "Post"]);
    assert_eq!(
        model_names::<CatalogDefinition>(),
        ["Scalars", "HttpResponse", "Blob", "Slot", "Chunk"]
    );
    let blog = BlogKeys::from(TagKey::Primary(TagPrimaryKey("t".into())));
    let catalog = CatalogKeys::from(BlobKey::Primary(BlobPrimaryKey([0; 16])));
    assert_eq!(blog.accept(Describe), ("Tag", true));
    assert_eq!(catalog.accept(Describe), ("Blob", true));
    assert_eq!(
        <BlogKeys as NetabaseDefinitionTraitKey>::Definition::NAME,
        "BlogDefinition"
    );
}

#[test]
fn the_definition_enum_round_trips_through_bincode() {
    let config = bincode::config::standard();
    for model in [BlogDefinition::from(user()), BlogDefinition::from(post())] {
        let bytes = bincode::encode_to_vec(&model, config).expect("encodes");
        let (decoded, _): (BlogDefinition, usize) =
            bincode::decode_from_slice(&bytes, config).expect("decodes");
        assert_eq!(decoded.discriminant(), model.discriminant());
        assert_eq!(format!("{decoded:?}"), format!("{model:?}"));
    }
}
