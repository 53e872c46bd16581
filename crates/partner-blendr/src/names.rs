//! Which names a hash link may carry, looked up once per parameter on every
//! link built and every handoff verified.

use std::fmt;
use std::sync::{Arc, LazyLock};

use partner_core::encoding::{ShortText, form_encode_component};

/// What a parameter name is to a hash link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NameKind {
    /// `accountid`.
    AccountId,
    /// `accountname`, `userid`, `username`, `useremail`.
    Identity,
    /// `timestamp`: set by the signer.
    Timestamp,
    /// `hash`: set by the signer.
    Hash,
    /// `jwt`: the JWT handoff's, never a hash signer's.
    Jwt,
    /// Any other name the caller declared non-secret.
    Declared,
}

/// The documented names and `jwt`, with their kinds.
const SPECIAL: [(&str, NameKind); 8] = [
    ("accountid", NameKind::AccountId),
    ("accountname", NameKind::Identity),
    ("userid", NameKind::Identity),
    ("username", NameKind::Identity),
    ("useremail", NameKind::Identity),
    ("timestamp", NameKind::Timestamp),
    ("hash", NameKind::Hash),
    ("jwt", NameKind::Jwt),
];

/// The extra parameter names a signer or verifier was told are not secret,
/// and the documented ones.
///
/// An allow-list, not a guess: a name is accepted because the caller
/// declared it, never because it does not look like a credential.
///
/// A look-up does not scan: the names sit in an open-addressing table at
/// most half full, keyed by their length and first and last 8 bytes
/// (which is the whole name up to 16 bytes, so most look-ups compare three
/// words and no bytes), found by one multiply-fold hash of that key. A slot
/// holds all a signer or verifier needs (the kind, whether declared, where
/// `&name=` is, encoded once), so a look-up reads one slot. The table holds
/// only the documented and the declared (trusted) names, so how long a
/// probe runs does not depend on the received name: a crafted name cannot
/// make a look-up slower than the longest run of known names.
#[derive(Clone)]
pub(crate) struct AllowedParams {
    table: Arc<NameTable>,
}

/// The table of the documented names alone, shared by every signer and
/// verifier until it declares a name.
static DOCUMENTED_ONLY: LazyLock<Arc<NameTable>> =
    LazyLock::new(|| Arc::new(NameTable::new(Vec::new())));

impl Default for AllowedParams {
    fn default() -> Self {
        AllowedParams { table: Arc::clone(&DOCUMENTED_ONLY) }
    }
}

impl AllowedParams {
    /// Adds `names` to the declared ones.
    pub(crate) fn extend<I>(&mut self, names: I)
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        let mut declared: Vec<Box<str>> = self.table.declared.clone();
        declared.extend(names.into_iter().map(|n| n.into().into_boxed_str()));
        declared.sort_unstable();
        declared.dedup();
        self.table = Arc::new(NameTable::new(declared));
    }

    /// What `name` (decoded) is, when it is documented, `jwt` or declared:
    /// one slot read.
    #[inline(always)]
    pub(crate) fn find(&self, name: &str) -> Option<Found> {
        self.table.find(name)
    }

    /// `&name=` for a found name: the name form-encoded as a query carries
    /// it between its separators (made once, so a signer appends it in one
    /// copy).
    #[inline]
    pub(crate) fn joined(&self, found: Found) -> &str {
        self.table.text.get(found.at..found.at + found.joined_len).unwrap_or_default()
    }

    /// The name form-encoded, then `=`: [`joined`](Self::joined) for the
    /// first pair of a query.
    #[inline]
    pub(crate) fn first(&self, found: Found) -> &str {
        self.table.text.get(found.at + 1..found.at + found.joined_len).unwrap_or_default()
    }

    /// The declared names, sorted.
    pub(crate) fn declared(&self) -> impl Iterator<Item = &str> {
        self.table.declared.iter().map(|n| &**n)
    }
}

impl PartialEq for AllowedParams {
    fn eq(&self, other: &Self) -> bool {
        self.table.declared == other.table.declared
    }
}

impl Eq for AllowedParams {}

impl fmt::Debug for AllowedParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.declared()).finish()
    }
}

/// What a look-up tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Found {
    /// The kind of the name (a declared documented name keeps its kind).
    pub(crate) kind: NameKind,
    /// Whether the caller declared it with `allow_params`.
    pub(crate) declared: bool,
    /// Whether it is [`NameKind::Identity`] or [`NameKind::Declared`]: a
    /// name a link may carry with no rule of its own (a flag, so that the
    /// common case is one predictable branch, not a jump table).
    pub(crate) plain: bool,
    /// `&name=` in a window, when it holds at most 16 bytes (most names):
    /// appended with one store.
    pub(crate) joined: Option<ShortText>,
    at: usize,
    joined_len: usize,
}

/// A name's length and its first and last 8 bytes (fewer, overlapping, for
/// shorter names): two names of at most 16 bytes are equal exactly when
/// their keys are.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
struct Key {
    head: u64,
    tail: u64,
    /// The length, saturated (longer names are compared in full anyway).
    len: u32,
}

/// The longest name whose [`Key`] is the whole name.
const KEY_BYTES: u32 = 16;

impl Key {
    #[inline(always)]
    fn of(bytes: &[u8]) -> Key {
        let len = bytes.len();
        let (head, tail) = match (bytes.first_chunk::<8>(), bytes.last_chunk::<8>()) {
            (Some(head), Some(tail)) => (u64::from_le_bytes(*head), u64::from_le_bytes(*tail)),
            _ => match (bytes.first_chunk::<4>(), bytes.last_chunk::<4>()) {
                (Some(head), Some(tail)) => {
                    (u64::from(u32::from_le_bytes(*head)), u64::from(u32::from_le_bytes(*tail)))
                }
                // 0 to 3 bytes: first, middle and last cover them all.
                _ => match (bytes.first(), bytes.get(len / 2), bytes.last()) {
                    (Some(&a), Some(&b), Some(&c)) => {
                        (u64::from(a) | (u64::from(b) << 8) | (u64::from(c) << 16), 0)
                    }
                    _ => (0, 0),
                },
            },
        };
        Key { head, tail, len: u32::try_from(len).unwrap_or(u32::MAX) }
    }

    /// A well-mixed hash of the key: one 64x64->128 multiply, folded.
    #[inline(always)]
    fn hash(self) -> usize {
        const K0: u64 = 0x243f_6a88_85a3_08d3;
        const K1: u64 = 0x1319_8a2e_0370_7344;
        let m = u128::from(self.head ^ K0) * u128::from(self.tail ^ K1 ^ u64::from(self.len));
        ((m as u64) ^ ((m >> 64) as u64)) as usize
    }
}

/// A slot of the table: the key of a name, where its text is (and
/// `&name=` itself when short), its kind and flags; `joined_len` 0 marks a
/// free slot.
#[derive(Clone, Copy)]
struct Slot {
    key: Key,
    /// Where `&name=` then the raw name are in [`NameTable::text`].
    at: u32,
    /// The length of `&name=` (at least 2).
    joined_len: u32,
    kind: NameKind,
    declared: bool,
    plain: bool,
    joined: Option<ShortText>,
}

impl Default for Slot {
    fn default() -> Self {
        Slot {
            key: Key::default(),
            at: 0,
            joined_len: 0,
            kind: NameKind::Declared,
            declared: false,
            plain: false,
            joined: None,
        }
    }
}

#[derive(Clone)]
struct NameTable {
    /// The declared names, sorted and distinct.
    declared: Vec<Box<str>>,
    /// For each known name, `&` + its form encoding + `=`, then the name.
    text: String,
    /// A power of two at least twice the number of known names long.
    slots: Vec<Slot>,
}

impl NameTable {
    fn new(declared: Vec<Box<str>>) -> Self {
        let is_declared = |name: &str| declared.binary_search_by(|d| (**d).cmp(name)).is_ok();
        let known: Vec<(&str, NameKind, bool)> = SPECIAL
            .iter()
            .map(|&(name, kind)| (name, kind, is_declared(name)))
            .chain(
                declared
                    .iter()
                    .filter(|d| !SPECIAL.iter().any(|(s, _)| *s == &***d))
                    .map(|d| (&**d, NameKind::Declared, true)),
            )
            .collect();
        let len = (known.len() * 2).next_power_of_two();
        let mut slots = vec![Slot::default(); len];
        let mut text = String::new();
        for (name, kind, declared) in known {
            let at = text.len();
            text.push('&');
            text.push_str(&form_encode_component(name));
            text.push('=');
            let joined_len = text.len() - at;
            text.push_str(name);
            let key = Key::of(name.as_bytes());
            let mut i = key.hash() & (len - 1);
            while slots[i].joined_len != 0 {
                i = (i + 1) & (len - 1);
            }
            // Texts of 4 GiB do not fit a table of names in memory anyway.
            let (Ok(at), Ok(joined_len)) = (u32::try_from(at), u32::try_from(joined_len)) else {
                break;
            };
            let plain = matches!(kind, NameKind::Identity | NameKind::Declared);
            let joined = text.get(at as usize..(at + joined_len) as usize).and_then(ShortText::new);
            slots[i] = Slot { key, at, joined_len, kind, declared, plain, joined };
        }
        NameTable { declared, text, slots }
    }

    #[inline(always)]
    fn find(&self, name: &str) -> Option<Found> {
        let key = Key::of(name.as_bytes());
        let mask = self.slots.len() - 1;
        let mut i = key.hash() & mask;
        // At most half full: a free slot ends every probe.
        loop {
            let slot = self.slots.get(i)?;
            if slot.joined_len == 0 {
                return None;
            }
            let (at, joined_len) = (slot.at as usize, slot.joined_len as usize);
            if slot.key == key
                && (key.len <= KEY_BYTES
                    || self.text.get(at + joined_len..at + joined_len + name.len()) == Some(name))
            {
                let (kind, declared, plain, joined) =
                    (slot.kind, slot.declared, slot.plain, slot.joined);
                return Some(Found { kind, declared, plain, joined, at, joined_len });
            }
            i = (i + 1) & mask;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DOCUMENTED_PARAMS;

    fn permits(allowed: &AllowedParams, name: &str) -> bool {
        allowed.find(name).is_some_and(|n| n.kind != NameKind::Jwt || n.declared)
    }

    #[test]
    fn allow_list_is_documented_plus_declared_only() {
        let mut allowed = AllowedParams::default();
        for name in DOCUMENTED_PARAMS {
            assert!(permits(&allowed, name), "{name}");
            assert!(!allowed.find(name).unwrap().declared, "{name}");
        }
        for name in ["plan", "apikey", "locale", "", "jwt", "AccountId", "accountid ", "hashes"] {
            assert!(!permits(&allowed, name), "{name}");
        }
        allowed.extend(["plan", "locale", "jwt", "userid"]);
        assert!(permits(&allowed, "plan") && permits(&allowed, "locale"));
        assert!(!permits(&allowed, "Plan") && !permits(&allowed, "apikey"));
        assert_eq!(allowed.find("jwt").map(|n| (n.kind, n.declared)), Some((NameKind::Jwt, true)));
        let userid = allowed.find("userid").unwrap();
        assert_eq!((userid.kind, userid.declared), (NameKind::Identity, true));
        assert_eq!(format!("{allowed:?}"), r#"{"jwt", "locale", "plan", "userid"}"#);
        assert_eq!(AllowedParams::default(), AllowedParams::default());
        assert_ne!(allowed, AllowedParams::default());
    }

    #[test]
    fn kinds_of_the_documented_names() {
        let allowed = AllowedParams::default();
        let kind = |n: &str| allowed.find(n).map(|f| f.kind);
        assert_eq!(kind("accountid"), Some(NameKind::AccountId));
        for name in ["accountname", "userid", "username", "useremail"] {
            assert_eq!(kind(name), Some(NameKind::Identity), "{name}");
        }
        assert_eq!(kind("timestamp"), Some(NameKind::Timestamp));
        assert_eq!(kind("hash"), Some(NameKind::Hash));
        assert_eq!(kind("jwt"), Some(NameKind::Jwt));
    }

    // Names that share a length, a head and a tail but not their middle
    // (over 16 bytes), names of every short length, and many names at once:
    // each is found, and only itself.
    #[test]
    fn lookups_are_exact() {
        let mut names: Vec<String> = Vec::new();
        for len in 0..=40 {
            names.push("a".repeat(len));
            names.push(format!("{}b", "a".repeat(len)));
        }
        // Same length, head and tail for i in 10..20 (and 100..200...):
        // found by the full comparison.
        names.extend((0..600).map(|i| format!("prefix_{i}_common_suffix_shared")));
        names.extend((0..600).map(|i| format!("field_{i:02}")));
        names.push("0123456789abcdef-middle-0123456789abcdef".into());
        names.push("0123456789abcdef-MIDDLE-0123456789abcdef".into());
        names.push("é ü".into());
        let mut allowed = AllowedParams::default();
        allowed.extend(names.iter().step_by(2).cloned());
        for (i, name) in names.iter().enumerate() {
            let found = allowed.find(name).map(|f| &allowed.joined(f)[1..]);
            if i % 2 == 0 {
                assert_eq!(
                    found,
                    Some(format!("{}=", form_encode_component(name)).as_str()),
                    "{name}"
                );
            } else {
                assert_eq!(found, None, "{name}");
            }
        }
        assert_eq!(allowed.find("field_1"), None);
    }

    #[test]
    fn declared_names_are_form_encoded_once() {
        let mut allowed = AllowedParams::default();
        allowed.extend(["a b", "x&y", "é", "plain_name"]);
        let enc = |n: &str| {
            allowed.find(n).map(|f| (allowed.first(f).to_owned(), allowed.joined(f).to_owned()))
        };
        let both = |e: &str| Some((format!("{e}="), format!("&{e}=")));
        assert_eq!(enc("a b"), both("a+b"));
        assert_eq!(enc("x&y"), both("x%26y"));
        assert_eq!(enc("é"), both("%C3%A9"));
        assert_eq!(enc("plain_name"), both("plain_name"));
        assert_eq!(enc("accountid"), both("accountid"));
    }
}
