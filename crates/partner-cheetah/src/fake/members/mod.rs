//! The fake's members: a list in creation order with two indexes, so that a
//! look-up costs the same however many members are held.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher, RandomState};

use axum::http::StatusCode;

use self::stored::{Ids, Stored};
use super::{FakeMember, MAX_FIELD_BYTES, MAX_MEMBER_TEXT_BYTES, MAX_MEMBERS};
use crate::response::MatchBy;

mod stored;

/// What an SSO call says about the member.
#[derive(Debug, Default)]
pub(super) struct MemberInput<'a> {
    pub(super) integration_id: &'a str,
    pub(super) first_name: &'a str,
    pub(super) last_name: &'a str,
    pub(super) email: &'a str,
    pub(super) match_by: Option<&'a str>,
}

/// Why an SSO call cannot create or update its member.
pub(super) type Refusal = (StatusCode, &'static str);

/// The members in creation order, indexed by integration id (unique among
/// members that have one) and by e-mail address in any ASCII case.
///
/// The indexes hold a 64-bit keyed hash of the key and the member number,
/// not a copy of the text: every hit is checked against the member's text,
/// and a new key whose hash is already held for another key (about one
/// chance in 10^9 at 100,000 members) is refused rather than indexed, so a
/// look-up never answers for the wrong member.
#[derive(Debug, Default)]
pub(super) struct Members<S = RandomState> {
    list: Vec<Stored>,
    hasher: S,
    by_integration_id: HashMap<u64, u32>,
    by_email: HashMap<u64, Ids>,
    text_bytes: usize,
}

/// Where a key may go in an index.
enum Slot {
    /// Free, or already this member's.
    Free,
    /// Another member's, with the same key.
    Taken,
    /// Another member's key with the same hash.
    Collision,
}

impl<S: BuildHasher> Members<S> {
    /// Every member, in creation order.
    pub(super) fn snapshot(&self) -> Vec<FakeMember> {
        (0..self.list.len()).filter_map(|i| self.member(u32::try_from(i).ok()?)).collect()
    }

    /// The member numbered `id` (its index in creation order).
    pub(super) fn member(&self, id: u32) -> Option<FakeMember> {
        let m = self.get(id)?;
        Some(FakeMember {
            member_id: format!("A-{:09}", u64::from(id) + 1),
            integration_id: m.field(0).to_owned(),
            first_name: m.field(1).to_owned(),
            last_name: m.field(2).to_owned(),
            email: m.field(3).to_owned(),
        })
    }

    fn get(&self, id: u32) -> Option<&Stored> {
        self.list.get(usize::try_from(id).ok()?)
    }

    fn id_hash(&self, integration_id: &str) -> u64 {
        self.hasher.hash_one(integration_id)
    }

    fn email_hash(&self, email: &str) -> u64 {
        let mut hasher = self.hasher.build_hasher();
        for b in email.bytes() {
            hasher.write_u8(b.to_ascii_lowercase());
        }
        hasher.finish()
    }

    fn find_by_id(&self, integration_id: &str) -> Option<u32> {
        let id = *self.by_integration_id.get(&self.id_hash(integration_id))?;
        self.get(id).is_some_and(|m| m.integration_id() == integration_id).then_some(id)
    }

    fn find_by_email(&self, email: &str) -> Option<u32> {
        let id = self.by_email.get(&self.email_hash(email))?.first();
        self.get(id).is_some_and(|m| m.email().eq_ignore_ascii_case(email)).then_some(id)
    }

    fn id_slot(&self, integration_id: &str, member: Option<u32>) -> Slot {
        match self.by_integration_id.get(&self.id_hash(integration_id)) {
            None => Slot::Free,
            Some(&held) if Some(held) == member => Slot::Free,
            Some(&held) if self.get(held).is_some_and(|m| m.integration_id() == integration_id) => {
                Slot::Taken
            }
            Some(_) => Slot::Collision,
        }
    }

    fn email_slot(&self, email: &str) -> Slot {
        match self.by_email.get(&self.email_hash(email)) {
            Some(ids)
                if !self
                    .get(ids.first())
                    .is_some_and(|m| m.email().eq_ignore_ascii_case(email)) =>
            {
                Slot::Collision
            }
            _ => Slot::Free,
        }
    }

    /// Finds the member `input` matches and updates it, or creates it; its
    /// number.
    pub(super) fn upsert(&mut self, input: &MemberInput<'_>) -> Result<u32, Refusal> {
        let match_by = match input.match_by {
            None => MatchBy::IntegrationId,
            Some(m) => MatchBy::parse(m).ok_or((
                StatusCode::UNPROCESSABLE_ENTITY,
                "match_by must be integration_id, email or both",
            ))?,
        };
        let (integration_id, email) = (input.integration_id.trim(), input.email.trim());
        let (first_name, last_name) = (input.first_name.trim(), input.last_name.trim());
        for value in [integration_id, email, first_name, last_name] {
            if value.len() > MAX_FIELD_BYTES {
                return Err((
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "integration_id, first_name, last_name and email are at most 255 bytes each",
                ));
            }
        }
        if matches!(match_by, MatchBy::IntegrationId | MatchBy::Both) && integration_id.is_empty() {
            return Err((StatusCode::UNPROCESSABLE_ENTITY, "integration_id is required"));
        }
        if matches!(match_by, MatchBy::Email | MatchBy::Both) && email.is_empty() {
            return Err((StatusCode::UNPROCESSABLE_ENTITY, "email is required"));
        }
        let found = match match_by {
            MatchBy::Email => self.find_by_email(email),
            MatchBy::Both => self
                .find_by_id(integration_id)
                .filter(|&id| self.get(id).is_some_and(|m| m.email().eq_ignore_ascii_case(email))),
            _ => self.find_by_id(integration_id),
        };
        let current = found.and_then(|id| self.get(id));
        let new_id = match current {
            Some(m) if integration_id.is_empty() => m.integration_id(),
            _ => integration_id,
        };
        let new_email = match current {
            Some(m) if email.is_empty() => m.email(),
            _ => email,
        };
        if !integration_id.is_empty() {
            match self.id_slot(integration_id, found) {
                Slot::Free => {}
                Slot::Taken => {
                    return Err((
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "integration_id has already been taken",
                    ));
                }
                Slot::Collision => return Err(collision()),
            }
        }
        if !new_email.is_empty()
            && !current.is_some_and(|m| m.email().eq_ignore_ascii_case(new_email))
        {
            if let Slot::Collision = self.email_slot(new_email) {
                return Err(collision());
            }
        }
        let Some(stored) = Stored::new([new_id, first_name, last_name, new_email]) else {
            return Err((StatusCode::UNPROCESSABLE_ENTITY, "a field is too long"));
        };
        match found {
            Some(id) => self.replace(id, stored),
            None => self.push(stored),
        }
    }

    fn replace(&mut self, id: u32, stored: Stored) -> Result<u32, Refusal> {
        let Some(old) = self.get(id) else {
            return Err((StatusCode::INTERNAL_SERVER_ERROR, "member index out of step"));
        };
        let total =
            self.text_bytes.saturating_sub(old.text.len()).saturating_add(stored.text.len());
        if total > MAX_MEMBER_TEXT_BYTES {
            return Err(full());
        }
        let (old_id_hash, new_id_hash) =
            (self.id_hash(old.integration_id()), self.id_hash(stored.integration_id()));
        let (old_email_hash, new_email_hash) =
            (self.email_hash(old.email()), self.email_hash(stored.email()));
        let (had_id, had_email) = (!old.integration_id().is_empty(), !old.email().is_empty());
        if had_id && old_id_hash != new_id_hash {
            self.by_integration_id.remove(&old_id_hash);
        }
        if had_email && old_email_hash != new_email_hash {
            self.unindex_email(old_email_hash, id);
        }
        self.index(&stored, new_id_hash, new_email_hash, id);
        self.text_bytes = total;
        if let Some(slot) = self.list.get_mut(id as usize) {
            *slot = stored;
        }
        Ok(id)
    }

    fn push(&mut self, stored: Stored) -> Result<u32, Refusal> {
        let total = self.text_bytes.saturating_add(stored.text.len());
        if self.list.len() >= MAX_MEMBERS || total > MAX_MEMBER_TEXT_BYTES {
            return Err(full());
        }
        let id = u32::try_from(self.list.len()).map_err(|_| full())?;
        let (id_hash, email_hash) =
            (self.id_hash(stored.integration_id()), self.email_hash(stored.email()));
        self.index(&stored, id_hash, email_hash, id);
        self.text_bytes = total;
        self.list.push(stored);
        Ok(id)
    }

    fn index(&mut self, stored: &Stored, id_hash: u64, email_hash: u64, id: u32) {
        if !stored.integration_id().is_empty() {
            self.by_integration_id.insert(id_hash, id);
        }
        if !stored.email().is_empty() {
            self.by_email.entry(email_hash).and_modify(|ids| ids.add(id)).or_insert(Ids::One(id));
        }
    }

    fn unindex_email(&mut self, hash: u64, id: u32) {
        if self.by_email.get_mut(&hash).is_some_and(|ids| ids.remove(id)) {
            self.by_email.remove(&hash);
        }
    }
}

fn collision() -> Refusal {
    (StatusCode::SERVICE_UNAVAILABLE, "member index collision in the fake; try another value")
}

fn full() -> Refusal {
    (StatusCode::SERVICE_UNAVAILABLE, "member limit of the fake reached")
}

#[cfg(test)]
mod tests;
