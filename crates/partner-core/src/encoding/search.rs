//! Byte search eight bytes at a time, for the verifiers' one pass over a
//! query: on names and values of a few bytes each, a word-at-a-time loop
//! inlined into the scan is several times cheaper than a call to a
//! general `memchr` per segment (measured by `cargo xtask bench`).
//! Provider crates read queries with it; it is public for them, and it is
//! no more than what it says.

/// The bytes of `word` that are zero, as their high bits (the classic
/// "has zero byte" test; a flag above the first zero byte may be false,
/// the lowest flag is always exact).
///
/// ```
/// use partner_core::encoding::search::{splat, zero_bytes};
/// let word = u64::from_le_bytes(*b"ab&cd&ef");
/// assert_eq!(zero_bytes(word ^ splat(b'&')).trailing_zeros() / 8, 2);
/// assert_eq!(zero_bytes(word ^ splat(b'?')), 0);
/// ```
#[inline]
pub fn zero_bytes(word: u64) -> u64 {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    word.wrapping_sub(ONES) & !word & HIGHS
}

/// `b` in every byte of a word.
pub const fn splat(b: u8) -> u64 {
    u64::from_le_bytes([b; 8])
}

/// The index of the first `NEEDLE` in `bytes` at or after `from`, or
/// `bytes.len()` when there is none.
///
/// ```
/// use partner_core::encoding::search::find_byte;
/// assert_eq!(find_byte::<b'&'>(b"a=1&b=2", 0), 3);
/// assert_eq!(find_byte::<b'&'>(b"a=1&b=2", 4), 7);
/// ```
#[inline]
pub fn find_byte<const NEEDLE: u8>(bytes: &[u8], from: usize) -> usize {
    let mut i = from;
    while let Some(chunk) = bytes.get(i..).and_then(<[u8]>::first_chunk::<8>) {
        let found = zero_bytes(u64::from_le_bytes(*chunk) ^ splat(NEEDLE));
        if found != 0 {
            return i + (found.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while bytes.get(i).is_some_and(|&b| b != NEEDLE) {
        i += 1;
    }
    i.min(bytes.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Against `position`, for every start, on texts around the word size
    // with the needle at every place (and next to 0x80-0xff bytes, where
    // the borrow of the zero-byte test could make a false flag).
    #[test]
    fn find_byte_finds_the_first() {
        for len in 0..20 {
            for at in 0..=len {
                let mut bytes = vec![0xffu8; len];
                if at < len {
                    bytes[at] = b'&';
                }
                if at + 1 < len {
                    bytes[at + 1] = b'&';
                }
                for from in 0..=len {
                    let want =
                        bytes[from..].iter().position(|&b| b == b'&').map_or(len, |i| from + i);
                    assert_eq!(find_byte::<b'&'>(&bytes, from), want, "{len} {at} {from}");
                }
            }
        }
    }
}
