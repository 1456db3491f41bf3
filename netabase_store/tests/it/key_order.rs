//! Key encoding preserves order, round-trips, and is prefix-free, for every supported key type.

use std::fmt::Debug;

use netabase_store::codec::{KeyCodec, decode_key, encode_key};
use proptest::prelude::*;

use crate::schema::UserPrimaryKey;

fn check<K: KeyCodec + Ord + Debug>(a: K, b: K) -> Result<(), TestCaseError> {
    let (ea, eb) = (encode_key(&a), encode_key(&b));
    prop_assert_eq!(ea.cmp(&eb), a.cmp(&b), "order of {:?} and {:?}", a, b);
    if a != b {
        prop_assert!(
            !eb.starts_with(&ea),
            "{:?} encodes to a prefix of {:?}",
            a,
            b
        );
        prop_assert!(
            !ea.starts_with(&eb),
            "{:?} encodes to a prefix of {:?}",
            b,
            a
        );
    }
    prop_assert_eq!(decode_key::<K>(&ea).unwrap(), a);
    prop_assert_eq!(decode_key::<K>(&eb).unwrap(), b);
    Ok(())
}

macro_rules! order_tests {
    ($($name:ident: $ty:ty),+ $(,)?) => {
        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]
            $(
                #[test]
                fn $name(a in any::<$ty>(), b in any::<$ty>()) {
                    check(a, b)?;
                }
            )+
        }
    };
}

order_tests!(
    order_u8: u8,
    order_u16: u16,
    order_u32: u32,
    order_u64: u64,
    order_u128: u128,
    order_usize: usize,
    order_i8: i8,
    order_i16: i16,
    order_i32: i32,
    order_i64: i64,
    order_i128: i128,
    order_isize: isize,
    order_bool: bool,
    order_char: char,
    order_string: String,
    order_bytes: Vec<u8>,
    order_array: [u8; 4],
    order_option: Option<u32>,
    order_option_string: Option<String>,
    order_tuple: (i32, String),
    order_tuple_string_first: (String, u8),
    order_nested: Option<(bool, i64, Vec<u8>)>,
    order_unit: (),
);

proptest! {
    /// Strings that share long prefixes and contain NUL bytes are the hard case for a
    /// self-delimiting encoding.
    #[test]
    fn order_adversarial_strings(a in "[a\\x00\\x01\\u{ff}]{0,6}", b in "[a\\x00\\x01\\u{ff}]{0,6}") {
        check(a, b)?;
    }

    #[test]
    fn order_generated_primary_key(a in any::<u64>(), b in any::<u64>()) {
        check(UserPrimaryKey(a), UserPrimaryKey(b))?;
    }
}
