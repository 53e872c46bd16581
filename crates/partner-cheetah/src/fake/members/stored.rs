//! How one member is held: its text in one allocation, and the member
//! numbers behind one e-mail address.

use std::collections::BTreeSet;

/// One member's text in one allocation: integration id, first name, last
/// name and e-mail address, each at most 255 bytes.
#[derive(Debug)]
pub(super) struct Stored {
    pub(super) text: Box<str>,
    lens: [u8; 4],
}

impl Stored {
    pub(super) fn new(fields: [&str; 4]) -> Option<Self> {
        let mut lens = [0u8; 4];
        for (len, field) in lens.iter_mut().zip(fields) {
            *len = u8::try_from(field.len()).ok()?;
        }
        Some(Stored { text: fields.concat().into_boxed_str(), lens })
    }

    pub(super) fn field(&self, index: usize) -> &str {
        let start: usize = self.lens[..index].iter().map(|&l| usize::from(l)).sum();
        let end = start + usize::from(self.lens[index]);
        self.text.get(start..end).unwrap_or_default()
    }

    pub(super) fn integration_id(&self) -> &str {
        self.field(0)
    }

    pub(super) fn email(&self) -> &str {
        self.field(3)
    }
}

/// The member numbers holding one e-mail address (several members may
/// share one); look-ups by e-mail take the lowest.
#[derive(Debug)]
pub(super) enum Ids {
    /// One member.
    One(u32),
    // Boxed so that `Ids` (held per indexed address) is 16 bytes, not 32.
    #[allow(clippy::box_collection)]
    /// Several members.
    Many(Box<BTreeSet<u32>>),
}

impl Ids {
    pub(super) fn first(&self) -> u32 {
        match self {
            Ids::One(id) => *id,
            Ids::Many(ids) => ids.first().copied().unwrap_or_default(),
        }
    }

    pub(super) fn add(&mut self, id: u32) {
        match self {
            Ids::One(only) if *only == id => {}
            Ids::One(only) => *self = Ids::Many(Box::new(BTreeSet::from([*only, id]))),
            Ids::Many(ids) => {
                ids.insert(id);
            }
        }
    }

    /// Removes `id`; whether none is left.
    pub(super) fn remove(&mut self, id: u32) -> bool {
        match self {
            Ids::One(only) => *only == id,
            Ids::Many(ids) => {
                ids.remove(&id);
                ids.is_empty()
            }
        }
    }
}
