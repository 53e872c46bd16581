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

/// Form-encoded text (a query, or an `application/x-www-form-urlencoded`
/// body) built in one buffer, after an optional prefix such as a page URL
/// and its `?`.
///
/// Values go through [`push_encoded`](Self::push_encoded), the WHATWG byte
/// serializer as [`form_encode_component`](super::form_encode_component)
/// has it. Each run of 16 bytes is classified with plain comparisons the
/// compiler does on 16 lanes at once, and its one-byte forms (space as
/// `+`) are stored as one 16-byte word; each byte that is percent-encoded
/// instead (a zero lane) is written over its place from a table of
/// escapes, and the rest of its half-word stored again after it. A tail
/// of under 16 bytes is loaded into registers from two overlapping loads,
/// zero-padded, and goes the same way; what the padding writes past the
/// end is scratch room. No byte costs a table read or a branch of its own
/// unless it is escaped. [`as_bytes`](Self::as_bytes) is what was
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

    /// Appends a [`ShortText`] with one 16-byte store (what it holds past
    /// its length lands in the room, as scratch).
    #[inline]
    pub fn push_short(&mut self, text: &ShortText) {
        self.room(16);
        if let Some(window) = self.buf.get_mut(self.end..).and_then(<[u8]>::first_chunk_mut::<16>) {
            *window = text.window;
            self.end += usize::from(text.len);
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

/// A text of at most 16 bytes kept in a 16-byte window, so that
/// [`FormWriter::push_short`] appends it with one store: for the pieces a
/// signer appends on every call (a parameter name encoded with its `&`
/// and `=`), made once.
///
/// ```
/// use partner_core::encoding::{FormWriter, ShortText};
///
/// let name = ShortText::new("&plan=").unwrap();
/// assert_eq!(name.as_str(), "&plan=");
/// assert!(ShortText::new("a name of over sixteen bytes").is_none());
/// let mut query = FormWriter::new(String::from("a=1"));
/// query.push_short(&name);
/// query.push_encoded("pro plus");
/// assert_eq!(query.finish(), "a=1&plan=pro+plus");
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ShortText {
    window: [u8; 16],
    len: u8,
}

impl ShortText {
    /// `text` in a window; `None` when it is longer than 16 bytes.
    pub fn new(text: &str) -> Option<ShortText> {
        let mut window = [0u8; 16];
        window.get_mut(..text.len())?.copy_from_slice(text.as_bytes());
        Some(ShortText { window, len: u8::try_from(text.len()).ok()? })
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        // Made from a `str` of `len` bytes: never the fallback.
        std::str::from_utf8(self.window.get(..usize::from(self.len)).unwrap_or_default())
            .unwrap_or_default()
    }
}

impl std::fmt::Debug for ShortText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("ShortText").field(&self.as_str()).finish()
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
    while let Some((chunk, tail)) = rest.split_first_chunk::<16>() {
        end = encode_chunk(buf, end, chunk, 16);
        rest = tail;
    }
    if !rest.is_empty() {
        // The last bytes, padded with zeros: what the padding encodes to is
        // past the new end (scratch).
        end = encode_chunk(buf, end, &load_short(rest).to_le_bytes(), rest.len());
    }
    end
}

/// The bytes of `src` (fewer than 16) zero-padded to 16, as a word made in
/// registers from two overlapping loads. (Copying them into a zeroed array
/// and reading it back as one 16-byte load stalls: the load cannot be
/// forwarded from the smaller stores, which cost as much as encoding the
/// whole chunk.)
#[inline(always)]
fn load_short(src: &[u8]) -> u128 {
    let n = src.len();
    // The first `N` bytes, and the last `N` shifted down so that they sit
    // right after the first `N`: together, `src` exactly.
    fn halves<const N: usize>(src: &[u8], n: usize) -> (u64, u64) {
        let word = |chunk: Option<&[u8; N]>| {
            let mut bytes = [0u8; 8];
            if let (Some(chunk), Some(at)) = (chunk, bytes.first_chunk_mut::<N>()) {
                *at = *chunk;
            }
            u64::from_le_bytes(bytes)
        };
        let tail = word(src.last_chunk::<N>()).checked_shr(8 * (2 * N - n) as u32).unwrap_or(0);
        (word(src.first_chunk::<N>()), tail)
    }
    match n {
        8..=15 => {
            let (head, tail) = halves::<8>(src, n);
            u128::from(head) | u128::from(tail) << 64
        }
        4..=7 => {
            let (head, tail) = halves::<4>(src, n);
            u128::from(head | tail << 32)
        }
        2..=3 => {
            let (head, tail) = halves::<2>(src, n);
            u128::from(head | tail << 16)
        }
        _ => src.first().map_or(0, |&b| u128::from(b)),
    }
}

/// The one-byte forms of 16 bytes as one little-endian word: each byte as
/// it is, space as `+`, and 0 for a byte that is percent-encoded instead.
/// Plain comparisons on a fixed array, which the compiler does on the 16
/// lanes at once (SSE2 on x86-64, NEON on aarch64): no table read and no
/// branch per byte. The form of the code matters: `||` between the marks
/// or an `else if` lets the compiler turn them into a bit test per lane.
#[inline(always)]
fn one_byte_forms(chunk: &[u8; 16]) -> u128 {
    let mut out = [0u8; 16];
    for (o, &b) in out.iter_mut().zip(chunk) {
        let alpha = (b | 0x20).wrapping_sub(b'a') < 26;
        let digit = b.wrapping_sub(b'0') < 10;
        let keep = alpha | digit | (b == b'*') | (b == b'-') | (b == b'.') | (b == b'_');
        let plain = if keep { b } else { 0 };
        *o = if b == b' ' { b'+' } else { plain };
    }
    u128::from_le_bytes(out)
}

/// The high bit of each zero byte of `word`, exactly, for words of
/// one-byte forms (each zero or in `*`..=`z`, so no borrow from a zero
/// byte makes the next one look zero).
#[inline(always)]
fn zero_lanes(word: u64) -> u64 {
    const LOW: u64 = u64::from_le_bytes([1; 8]);
    const HIGH: u64 = u64::from_le_bytes([0x80; 8]);
    word.wrapping_sub(LOW) & !word & HIGH
}

/// Writes the encoding of the first `len` bytes of `chunk` at `end`;
/// returns the new end. The one-byte forms go out as one 16-byte store;
/// when some byte is percent-encoded instead (a zero lane), each half is
/// then written again as [`encode_half`] does.
#[inline(always)]
fn encode_chunk(buf: &mut [u8], end: usize, chunk: &[u8; 16], len: usize) -> usize {
    let word = one_byte_forms(chunk);
    let (low, high) = (word as u64, (word >> 64) as u64);
    let (low_len, high_len) = (len.min(8), len.saturating_sub(8));
    let (low_escapes, high_escapes) =
        (zero_lanes(low) & lanes(low_len), zero_lanes(high) & lanes(high_len));
    let Some(window) = buf.get_mut(end..).and_then(<[u8]>::first_chunk_mut::<16>) else {
        // Not reached with the room asked for; kept correct anyway.
        return encode_checked(buf, end, chunk.get(..len).unwrap_or_default());
    };
    *window = word.to_le_bytes();
    if low_escapes | high_escapes == 0 {
        return end + len;
    }
    let (first, second) = chunk.split_at(8);
    let end = encode_half(buf, end, first, low, low_escapes, low_len);
    encode_half(buf, end, second, high, high_escapes, high_len)
}

/// The high bits of the first `n` (at most 8) lanes of a word.
#[inline(always)]
fn lanes(n: usize) -> u64 {
    u64::MAX.checked_shr(64 - 8 * n as u32).unwrap_or(0)
}

/// Writes the `n` bytes of `half` whose one-byte forms are `word` at
/// `end`, where `escapes` marks the percent-encoded ones: the word, then
/// each escaped byte written over its place and the rest of the word
/// stored again after it. Returns the new end.
#[inline(always)]
fn encode_half(
    buf: &mut [u8],
    mut end: usize,
    half: &[u8],
    word: u64,
    mut escapes: u64,
    n: usize,
) -> usize {
    let Some(window) = buf.get_mut(end..).and_then(<[u8]>::first_chunk_mut::<8>) else {
        return encode_checked(buf, end, half.get(..n).unwrap_or_default());
    };
    *window = word.to_le_bytes();
    let mut lane = 0;
    while escapes != 0 {
        let at = (escapes.trailing_zeros() / 8) as usize;
        escapes &= escapes - 1;
        // The lanes before `at` were stored with the word.
        end += at - lane;
        lane = at + 1;
        let byte = half.get(at).copied().unwrap_or_default();
        let code = ENCODED[usize::from(byte)];
        let Some(window) = buf.get_mut(end..).and_then(<[u8]>::first_chunk_mut::<12>) else {
            return encode_checked(buf, end, half.get(at..n).unwrap_or_default());
        };
        window[..4].copy_from_slice(&code.to_le_bytes());
        end += 3;
        window[3..11]
            .copy_from_slice(&word.checked_shr(8 * lane as u32).unwrap_or(0).to_le_bytes());
    }
    end + n - lane
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
