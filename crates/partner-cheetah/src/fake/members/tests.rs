//! The member indexes against a linear search, and under hash collisions.

use proptest::prelude::*;

use super::{MemberInput, Members};

fn input<'a>(id: &'a str, email: &'a str, by: &'a str) -> MemberInput<'a> {
    MemberInput { integration_id: id, email, match_by: Some(by), ..MemberInput::default() }
}

/// The linear search the indexes replace, over the fake's snapshot.
fn model(members: &Members, id: &str, email: &str, by: &str) -> Option<u32> {
    let list = members.snapshot();
    let position = list.iter().position(|m| match by {
        "email" => m.email.eq_ignore_ascii_case(email),
        "both" => m.integration_id == id && m.email.eq_ignore_ascii_case(email),
        _ => m.integration_id == id,
    });
    position.map(|p| p as u32)
}

/// Every key hashes alike: each hit must be checked against the text.
#[derive(Debug, Default)]
struct Degenerate;

impl std::hash::BuildHasher for Degenerate {
    type Hasher = Constant;
    fn build_hasher(&self) -> Constant {
        Constant
    }
}

struct Constant;

impl std::hash::Hasher for Constant {
    fn finish(&self) -> u64 {
        7
    }
    fn write(&mut self, _: &[u8]) {}
}

#[test]
fn a_hash_collision_is_refused_never_a_wrong_match() {
    let mut members: Members<Degenerate> = Members::default();
    assert_eq!(members.upsert(&input("u1", "a@x.co", "integration_id")), Ok(0));
    let refused = members.upsert(&input("u2", "b@x.co", "integration_id")).unwrap_err();
    assert_eq!(refused.0.as_u16(), 503);
    assert_eq!(members.upsert(&input("", "b@x.co", "email")).unwrap_err().0.as_u16(), 503);
    // Keys that collide with u1's are not u1's.
    assert_eq!(members.find_by_id("u2"), None);
    assert_eq!(members.find_by_email("b@x.co"), None);
    assert_eq!(members.find_by_email("A@X.CO"), Some(0));
    assert_eq!(members.snapshot().len(), 1);
}

proptest! {
    /// Any sequence of upserts: each finds the member a linear search
    /// would, and integration ids stay unique.
    #[test]
    fn indexes_agree_with_a_linear_search(ops in proptest::collection::vec((0u8..4, 0u8..4, 0u8..3), 0..60)) {
        let ids = ["", "u1", "u2", "u3"];
        let emails = ["", "a@x.co", "A@X.CO", "b@x.co"];
        let bys = ["integration_id", "email", "both"];
        let mut members = Members::default();
        for (i, e, b) in ops {
            let (id, email, by) = (ids[i as usize], emails[e as usize], bys[b as usize]);
            let expected = model(&members, id, email, by);
            let before = members.snapshot();
            let holder = before.iter().position(|m| !id.is_empty() && m.integration_id == id).map(|p| p as u32);
            let needs_id = by != "email" && id.is_empty();
            let needs_email = by != "integration_id" && email.is_empty();
            let conflict = holder.is_some() && holder != expected;
            match members.upsert(&input(id, email, by)) {
                Ok(got) => {
                    prop_assert!(!needs_id && !needs_email && !conflict);
                    match expected {
                        Some(found) => prop_assert_eq!(got, found),
                        None => prop_assert_eq!(got as usize, before.len(), "created"),
                    }
                }
                Err((status, _)) => {
                    prop_assert_eq!(status.as_u16(), 422);
                    prop_assert!(needs_id || needs_email || conflict);
                }
            }
            let list = members.snapshot();
            let mut seen = std::collections::HashSet::new();
            for m in list.iter().filter(|m| !m.integration_id.is_empty()) {
                prop_assert!(seen.insert(m.integration_id.clone()), "duplicate {}", m.integration_id);
            }
            let total: usize = list.iter().map(|m| m.integration_id.len() + m.first_name.len() + m.last_name.len() + m.email.len()).sum();
            prop_assert_eq!(total, members.text_bytes);
        }
    }
}
