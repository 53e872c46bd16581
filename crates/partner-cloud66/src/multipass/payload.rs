//! The decrypted payload, read in one pass without building a map.
//!
//! [`Fields::read`] accepts exactly the texts `serde_json` reads as a
//! `Map<String, Value>` (the same tokenizer, number and string rules, lone
//! surrogates refused, the same depth limit) and picks `email`, `name` and
//! `expires` on the way, borrowing them from the text when they have no
//! escapes. The map itself is built only if the caller asks for it
//! ([`VerifiedMultipass::payload`](super::VerifiedMultipass::payload)).
//!
//! The reading is `serde_json`'s own tokenizer driven by small visitors:
//! nothing is hand-parsed, and nothing is built for the members the
//! verifier does not need.
//!
//! One exception is detected rather than mirrored: `serde_json`'s `Value`
//! reads a nested object whose first key is one of its private tokens
//! (`$serde_json::private::RawValue`, and `…::Number` with
//! `arbitrary_precision`) as something else. When a nested key starts with
//! that prefix the caller parses the whole map instead, as before, so the
//! two readings never disagree.

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer as _, MapAccess, SeqAccess, Visitor};
use serde_json::{Number, Value};

/// The prefix of the keys `serde_json`'s `Value` treats specially.
const PRIVATE_KEY_PREFIX: &str = "$serde_json::private::";

/// A top-level value of the payload, as far as the identity fields need it.
#[derive(Debug, PartialEq)]
pub(super) enum Scalar<'a> {
    /// A string, borrowed from the text unless it had escapes.
    Str(Cow<'a, str>),
    /// A number, `true`/`false` or `null`, as `Value` reads it.
    Value(Value),
    /// An array or an object (checked, not kept).
    Nested,
}

/// What the verifier reads from a payload.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Fields<'a> {
    /// The last `email` (as `Map::insert` keeps the last), when a string.
    pub(super) email: Option<Cow<'a, str>>,
    /// The last `name`, when a string.
    pub(super) name: Option<Cow<'a, str>>,
    /// The last `expires`, when present.
    pub(super) expires: Option<Scalar<'a>>,
    /// A nested key starts with [`PRIVATE_KEY_PREFIX`]: the scan may accept
    /// what `Value` refuses (or read it otherwise), so parse the map.
    pub(super) needs_map: bool,
}

impl<'a> Fields<'a> {
    /// Reads `json` as a JSON object, without building it.
    pub(super) fn read(json: &'a str) -> Result<Self, serde_json::Error> {
        let special = Cell::new(false);
        let mut de = serde_json::Deserializer::from_str(json);
        let mut fields = (&mut de).deserialize_map(Top { special: &special })?;
        de.end()?;
        fields.needs_map = special.get();
        Ok(fields)
    }
}

enum Key {
    Email,
    Name,
    Expires,
    Other,
}

struct Top<'s> {
    special: &'s Cell<bool>,
}

impl<'de> Visitor<'de> for Top<'_> {
    type Value = Fields<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields<'de>, A::Error> {
        let mut fields = Fields::default();
        while let Some(key) = map.next_key_seed(TopKey)? {
            let special = self.special;
            match key {
                Key::Email => fields.email = map.next_value_seed(ScalarSeed { special })?.string(),
                Key::Name => fields.name = map.next_value_seed(ScalarSeed { special })?.string(),
                Key::Expires => fields.expires = Some(map.next_value_seed(ScalarSeed { special })?),
                Key::Other => map.next_value_seed(Skip { special })?,
            }
        }
        Ok(fields)
    }
}

impl<'a> Scalar<'a> {
    fn string(self) -> Option<Cow<'a, str>> {
        match self {
            Scalar::Str(s) => Some(s),
            Scalar::Value(_) | Scalar::Nested => None,
        }
    }
}

/// A top-level key: read as `Map<String, Value>` reads it (a string, escapes decoded).
struct TopKey;

impl<'de> DeserializeSeed<'de> for TopKey {
    type Value = Key;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for TopKey {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
        Ok(match key {
            "email" => Key::Email,
            "name" => Key::Name,
            "expires" => Key::Expires,
            _ => Key::Other,
        })
    }
}

/// A top-level value of interest: read as `Value` reads it (`deserialize_any`).
struct ScalarSeed<'s> {
    special: &'s Cell<bool>,
}

impl<'de> DeserializeSeed<'de> for ScalarSeed<'_> {
    type Value = Scalar<'de>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Scalar<'de>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ScalarSeed<'_> {
    type Value = Scalar<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Value(Value::Bool(v)))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Value(Value::Number(v.into())))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Value(Value::Number(v.into())))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar<'de>, E> {
        // As `Value` does: a float that is no `Number` is `null`.
        Ok(Scalar::Value(Number::from_f64(v).map_or(Value::Null, Value::Number)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Str(Cow::Owned(v.to_owned())))
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Str(Cow::Borrowed(v)))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Str(Cow::Owned(v)))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Value(Value::Null))
    }

    fn visit_none<E: de::Error>(self) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Value(Value::Null))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Scalar<'de>, A::Error> {
        Skip { special: self.special }.visit_seq(seq)?;
        Ok(Scalar::Nested)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Scalar<'de>, A::Error> {
        Skip { special: self.special }.visit_map(map)?;
        Ok(Scalar::Nested)
    }
}

/// Any other value: checked as `Value` reads it, nothing kept or copied.
#[derive(Clone, Copy)]
struct Skip<'s> {
    special: &'s Cell<bool>,
}

impl<'de> DeserializeSeed<'de> for Skip<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Skip<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(self)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_key_seed(NestedKey { special: self.special })?.is_some() {
            map.next_value_seed(self)?;
        }
        Ok(())
    }
}

/// A key of a nested object: a string, as `Value`'s key classifier reads it.
struct NestedKey<'s> {
    special: &'s Cell<bool>,
}

impl<'de> DeserializeSeed<'de> for NestedKey<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for NestedKey<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<(), E> {
        if key.starts_with(PRIVATE_KEY_PREFIX) {
            self.special.set(true);
        }
        Ok(())
    }
}
