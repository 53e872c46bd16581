//! [`FormWriter`]: form-encoded text built in one buffer, for the queries
//! and bodies that are signed as they are sent.

/// What each byte becomes, packed in a little-endian `u32`: up to three
/// output bytes, then how many of them count (1 or 3). The WHATWG byte
/// serializer's rules, computed at compile time.
static ENCODED: [u32; 256] = {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut table = [0u32; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        let (len, out) = match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                (1, [byte, 0, 0])
            }
            b' ' => (1, [b'+', 0, 0]),
            _ => (3, [b'%', HEX[b >> 4], HEX[b & 15]]),
        };
        table[b] = u32::from_le_bytes([out[0], out[1], out[2], len]);
        b += 1;
    }
    table
};

/// The byte each byte encodes to when it stays one byte (space is `+`);
/// 0 for the bytes that are percent-encoded.
static PLAIN: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let code = ENCODED[b];
        if code >> 24 == 1 {
            table[b] = code as u8;
        }
        b += 1;
    }
    table
};

/// Form-encoded text (a query, or an `application/x-www-form-urlencoded`
/// body) built in one buffer, after an optional prefix such as a page URL
/// and its `?`.
///
/// Values go through [`push_encoded`](Self::push_encoded), the WHATWG byte
/// serializer as [`form_encode_component`](super::form_encode_component)
/// has it. A run of 8 bytes is looked up in a table of one-byte forms and
/// stored as one word; each byte that is percent-encoded instead (a zero
/// in that word) is written over its place and the rest of the word stored
/// again after it. Shorter tails go by groups of 4 through a second table
/// (up to 3 output bytes and a length per byte), into zeroed room kept
/// ahead of the text, so no byte's class costs a branch of its own. That
/// runs at about 0.7 ns per output byte on SSO parameters
/// (`cargo xtask bench`), where a branch per byte mispredicts at every
/// space and `@` (about 1 ns per byte) and the generic serializer yields a
/// string per run (about 1.6). [`as_bytes`](Self::as_bytes) is what was
/// written so far, for signing before the signature is appended.
///
/// ```
/// use partner_core::encoding::FormWriter;
///
/// let mut query = FormWriter::new(String::from("https://hub.example/sso?"));
/// query.push_str("username=");
/// query.push_encoded("Jon Smith");
/// query.push_str("&email=");
/// query.push_encoded("jon@acme.example");
/// assert!(query.as_bytes().ends_with(b"email=jon%40acme.example"));
/// assert_eq!(query.finish(), "https://hub.example/sso?username=Jon+Smith&email=jon%40acme.example");
/// ```
#[derive(Debug, Default, Clone)]
pub struct FormWriter {
    /// The text in `buf[..end]`, then zeroed room.
    buf: Vec<u8>,
    end: usize,
}

impl FormWriter {
    /// A writer whose text starts with `prefix` (which may be empty).
    pub fn new(prefix: String) -> Self {
        let buf = prefix.into_bytes();
        FormWriter { end: buf.len(), buf }
    }

    /// [`new`](Self::new), with room for `additional` more bytes.
    pub fn with_capacity(prefix: String, additional: usize) -> Self {
        let mut writer = FormWriter::new(prefix);
        writer.room(additional);
        writer
    }

    /// Makes sure `n` bytes past the end exist (zeroed), growing at least
    /// twofold so that a run of small pushes costs amortised O(1).
    #[inline]
    fn room(&mut self, n: usize) {
        let need = self.end.saturating_add(n);
        if self.buf.len() < need {
            self.buf.resize(need.max(self.buf.len().saturating_mul(2)), 0);
        }
    }

    /// Appends `text` as it is: separators, names already encoded, digits.
    #[inline]
    pub fn push_str(&mut self, text: &str) {
        let bytes = text.as_bytes();
        // Short texts (names, separators) are copied through a fixed
        // 16-byte window: a few moves instead of a call to `memcpy`.
        self.room(bytes.len().max(16));
        if let Some(window) = self.buf.get_mut(self.end..).and_then(<[u8]>::first_chunk_mut::<16>)
            && copy_short(window, bytes)
        {
            self.end += bytes.len();
        } else if let Some(slot) = self.buf.get_mut(self.end..self.end + bytes.len()) {
            slot.copy_from_slice(bytes);
            self.end += bytes.len();
        }
    }

    /// Appends one byte of ASCII as it is (a `&` or `=`); any other
    /// character is appended as UTF-8.
    #[inline]
    pub fn push(&mut self, c: char) {
        if c.is_ascii() {
            self.room(1);
            if let Some(slot) = self.buf.get_mut(self.end) {
                // ASCII: the char is one byte, its code.
                *slot = c as u8;
                self.end += 1;
            }
            return;
        }
        self.push_str(c.encode_utf8(&mut [0; 4]));
    }

    /// Appends `value` form-encoded.
    #[inline]
    pub fn push_encoded(&mut self, value: &str) {
        // A group of 4 (or the padded last one) is written into a 16-byte
        // window, at most 3 bytes per input byte before it: 3 per byte plus
        // 16 is room enough.
        self.room(value.len().saturating_mul(3).saturating_add(16));
        self.end = encode_at(self.buf.as_mut_slice(), self.end, value.as_bytes());
    }

    /// The text written so far.
    pub fn as_bytes(&self) -> &[u8] {
        self.buf.get(..self.end).unwrap_or_default()
    }

    /// Its length in bytes.
    pub fn len(&self) -> usize {
        self.end
    }

    /// Whether nothing was written (not even a prefix).
    pub fn is_empty(&self) -> bool {
        self.end == 0
    }

    /// The text. It is valid UTF-8 by construction (whole `str`s and ASCII
    /// escapes); the check this costs runs at tens of bytes per nanosecond.
    pub fn finish(mut self) -> String {
        self.buf.truncate(self.end);
        String::from_utf8(self.buf)
            .unwrap_or_else(|err| String::from_utf8_lossy(err.as_bytes()).into_owned())
    }
}

/// Copies `src` to the start of `window` when it holds at most 16 bytes,
/// with two fixed-size (overlapping) moves; `false` when it is longer.
#[inline(always)]
fn copy_short(window: &mut [u8; 16], src: &[u8]) -> bool {
    fn both<const N: usize>(window: &mut [u8; 16], src: &[u8]) {
        let n = src.len();
        if let (Some(head), Some(tail)) = (src.first_chunk::<N>(), src.last_chunk::<N>()) {
            if let Some(at) = window.first_chunk_mut::<N>() {
                *at = *head;
            }
            if let Some(at) = window.get_mut(n - N..n).and_then(<[u8]>::first_chunk_mut::<N>) {
                *at = *tail;
            }
        }
    }
    match src.len() {
        8..=16 => both::<8>(window, src),
        4..=7 => both::<4>(window, src),
        2..=3 => both::<2>(window, src),
        1 => window[0] = src[0],
        0 => {}
        _ => return false,
    }
    true
}

/// Writes the form encoding of `bytes` into `buf` at `end` (which must
/// have room for 3 bytes a byte plus 16, zeroed or not: bytes past the
/// returned end are scratch); returns the new end. With less room it stays
/// correct, byte by byte.
#[inline]
pub(super) fn encode_at(buf: &mut [u8], mut end: usize, bytes: &[u8]) -> usize {
    let mut rest = bytes;
    // Runs of 8 bytes: their one-byte forms go out as one word, then each
    // escaped byte (a zero lane) is written over its place and the rest of
    // the word stored again after it.
    while let Some((run, tail)) = rest.split_first_chunk::<8>() {
        let word =
            run.iter().rev().fold(0u64, |word, &b| word << 8 | u64::from(PLAIN[usize::from(b)]));
        end = encode_run(buf, end, run, word);
        rest = tail;
    }
    encode_groups(buf, end, rest)
}

/// Writes the run of 8 bytes whose [`PLAIN`] forms are `word` at `end`;
/// returns the new end.
#[inline(always)]
fn encode_run(buf: &mut [u8], mut end: usize, run: &[u8; 8], word: u64) -> usize {
    let mut escapes = zero_lanes(word);
    let mut lane = 0;
    let Some(window) = buf.get_mut(end..).and_then(<[u8]>::first_chunk_mut::<8>) else {
        // Not reached with the room asked for; kept correct anyway.
        return encode_checked(buf, end, run);
    };
    *window = word.to_le_bytes();
    while escapes != 0 {
        let at = (escapes.trailing_zeros() / 8) as usize;
        escapes &= escapes - 1;
        // The lanes before `at` were stored with the word.
        end += at - lane;
        lane = at + 1;
        let code = ENCODED[usize::from(run[at & 7])];
        let Some(window) = buf.get_mut(end..).and_then(<[u8]>::first_chunk_mut::<12>) else {
            return encode_checked(buf, end, run.get(at..).unwrap_or_default());
        };
        window[..4].copy_from_slice(&code.to_le_bytes());
        end += 3;
        window[3..11]
            .copy_from_slice(&word.checked_shr(8 * lane as u32).unwrap_or(0).to_le_bytes());
    }
    end + 8 - lane
}

/// The high bit of each zero byte of `word`, exactly, for words of
/// [`PLAIN`] bytes (each zero or in `*`..=`z`, so no borrow from a zero
/// byte makes the next one look zero).
#[inline(always)]
fn zero_lanes(word: u64) -> u64 {
    const LOW: u64 = u64::from_le_bytes([1; 8]);
    const HIGH: u64 = u64::from_le_bytes([0x80; 8]);
    word.wrapping_sub(LOW) & !word & HIGH
}

/// Encodes `bytes` at `end` by groups of 4, each written into a 16-byte
/// window, the last one padded; returns the new end.
#[inline(always)]
fn encode_groups(buf: &mut [u8], mut end: usize, bytes: &[u8]) -> usize {
    let mut groups = bytes.chunks_exact(4);
    for group in &mut groups {
        end = encode_group(buf, end, [group[0], group[1], group[2], group[3]], 4);
    }
    match *groups.remainder() {
        [] => end,
        [a] => encode_group(buf, end, [a, 0, 0, 0], 1),
        [a, b] => encode_group(buf, end, [a, b, 0, 0], 2),
        [a, b, c, ..] => encode_group(buf, end, [a, b, c, 0], 3),
    }
}

/// Encodes the first `count` of `group` at `end` through a 16-byte window
/// (what the padding writes past the new end is scratch); returns the new
/// end. Every store's offset in the window is a sum of at most three
/// lengths masked to 2 bits (so at most 9), which the compiler can bound,
/// so a group costs one bounds check, not four. Without a whole window, it
/// goes byte by byte.
#[inline(always)]
fn encode_group(buf: &mut [u8], end: usize, group: [u8; 4], count: usize) -> usize {
    let [c0, c1, c2, c3] = group.map(|byte| ENCODED[usize::from(byte)]);
    let Some(window) = buf.get_mut(end..).and_then(<[u8]>::first_chunk_mut::<16>) else {
        // Not reached with the room asked for; kept correct anyway.
        return encode_checked(buf, end, group.get(..count).unwrap_or_default());
    };
    let o1 = (c0 >> 24 & 3) as usize;
    let o2 = o1 + (c1 >> 24 & 3) as usize;
    let o3 = o2 + (c2 >> 24 & 3) as usize;
    let o4 = o3 + (c3 >> 24 & 3) as usize;
    window[..4].copy_from_slice(&c0.to_le_bytes());
    window[o1..o1 + 4].copy_from_slice(&c1.to_le_bytes());
    window[o2..o2 + 4].copy_from_slice(&c2.to_le_bytes());
    window[o3..o3 + 4].copy_from_slice(&c3.to_le_bytes());
    end + [0, o1, o2, o3, o4].get(count).copied().unwrap_or(o4)
}

/// Encodes `bytes` at `end` one checked store at a time (where the room
/// for a whole window is not known); returns the new end.
fn encode_checked(buf: &mut [u8], mut end: usize, bytes: &[u8]) -> usize {
    for &byte in bytes {
        let code = ENCODED[usize::from(byte)];
        if let Some(slot) = buf.get_mut(end..end + 4) {
            slot.copy_from_slice(&code.to_le_bytes());
        }
        end += (code >> 24) as usize;
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    // Against the `form_urlencoded` crate, an independent implementation
    // of the same rules, across growth of the buffer.
    #[test]
    fn values_encode_as_the_url_crate_does_while_the_buffer_grows() {
        let mut w = FormWriter::default();
        let mut want = String::new();
        for (i, text) in
            ["", "a", " ", "é~ +&=", "Jon Smith", "\u{1F600}%", "x_-.*9"].iter().enumerate()
        {
            let value = text.repeat(i * 7 + 1);
            w.push_str(if i > 0 { "&k=" } else { "k=" });
            w.push_encoded(&value);
            want.push_str(if i > 0 { "&k=" } else { "k=" });
            want.extend(form_urlencoded::byte_serialize(value.as_bytes()));
            assert_eq!(w.as_bytes(), want.as_bytes());
        }
        w.push('é');
        want.push('é');
        assert_eq!((w.len(), w.finish()), (want.len(), want));
    }
}
