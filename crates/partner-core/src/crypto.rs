//! MACs, hashes and the one block cipher the providers need.
//!
//! Signatures, hashes and tokens are compared in constant time here and
//! nowhere else: provider crates never use `==` on them.

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use crate::traits::{MessageSigner, MessageVerifier};
use crate::{Error, Secret};

type HmacSha256 = Hmac<Sha256>;

/// Length of an HMAC-SHA256 tag and of a SHA-256 digest, in bytes.
pub const SHA256_LEN: usize = 32;

/// HMAC-SHA256 of `message` under `key`.
///
/// ```
/// // RFC 4231, test case 2.
/// let tag = partner_core::crypto::hmac_sha256(b"Jefe", b"what do ya want for nothing?");
/// assert_eq!(
///     partner_core::encoding::hex_encode(tag),
///     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
/// );
/// ```
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; SHA256_LEN] {
    let mut mac = keyed(key);
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// Checks `tag` against HMAC-SHA256 of `message` in constant time.
///
/// A tag of the wrong length is a mismatch ([`Error::BadSignature`]), never
/// a panic. An empty key is [`Error::EmptyKey`]: anyone can compute a tag
/// under it, so it verifies nothing.
pub fn verify_hmac_sha256(key: &[u8], message: &[u8], tag: &[u8]) -> Result<(), Error> {
    if key.is_empty() {
        return Err(Error::EmptyKey);
    }
    let mut mac = keyed(key);
    mac.update(message);
    mac.verify_slice(tag).map_err(|_| Error::BadSignature)
}

/// Checks a hexadecimal tag (either case) against HMAC-SHA256 of `message`.
///
/// Anything that is not exactly 64 hex digits is [`Error::BadSignature`]: to
/// the caller, a tag that cannot be a tag and a wrong tag are the same thing.
/// An empty key is [`Error::EmptyKey`].
pub fn verify_hmac_sha256_hex(key: &[u8], message: &[u8], tag_hex: &str) -> Result<(), Error> {
    if key.is_empty() {
        return Err(Error::EmptyKey);
    }
    if hex_eq(&hmac_sha256(key, message), tag_hex) { Ok(()) } else { Err(Error::BadSignature) }
}

/// Whether `received_hex` (either case) is the hexadecimal of `expected`,
/// in constant time: the one comparison of a received hex tag.
///
/// Hex text is compared with hex text (the received text lower-cased, a
/// non-hex character stays non-hex and cannot match), so there is no
/// decoding step whose early exit depends on where a bad digit is. A text
/// of the wrong length is a mismatch.
///
/// ```
/// use partner_core::crypto::hex_eq;
/// assert!(hex_eq(&[0xab, 0x01], "AB01"));
/// assert!(!hex_eq(&[0xab, 0x01], "ab02"));
/// assert!(!hex_eq(&[0xab, 0x01], "ab0"));
/// ```
pub fn hex_eq(expected: &[u8], received_hex: &str) -> bool {
    let received = received_hex.as_bytes();
    if received.len() != expected.len().saturating_mul(2) {
        return false;
    }
    // A SHA-256 digest or HMAC-SHA256 tag (most calls): fixed arrays the
    // compiler does 16 lanes at a time.
    if let (Ok(expected), Ok(received)) =
        (<&[u8; SHA256_LEN]>::try_from(expected), <&[u8; 2 * SHA256_LEN]>::try_from(received))
    {
        let want = crate::encoding::hex_lower_array(expected);
        let got = received.map(|r| if r.wrapping_sub(b'A') < 26 { r | 0x20 } else { r });
        return constant_time_eq(&got, &want);
    }
    let (mut want, mut got) = ([0u8; 128], [0u8; 128]);
    let (mut want_heap, mut got_heap) = (Vec::new(), Vec::new());
    let (want, got): (&mut [u8], &mut [u8]) = if received.len() <= 128 {
        (&mut want[..received.len()], &mut got[..received.len()])
    } else {
        want_heap.resize(received.len(), 0);
        got_heap.resize(received.len(), 0);
        (&mut want_heap, &mut got_heap)
    };
    if hex::encode_to_slice(expected, want).is_err() {
        return false;
    }
    for (g, r) in got.iter_mut().zip(received) {
        *g = r.to_ascii_lowercase();
    }
    constant_time_eq(got, want)
}

fn keyed(key: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length; `new_from_slice` cannot fail for it.
    match HmacSha256::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    }
}

/// SHA-256 of `data`.
///
/// ```
/// let digest = partner_core::crypto::sha256(b"abc");
/// assert_eq!(
///     partner_core::encoding::hex_encode(digest),
///     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
/// );
/// ```
pub fn sha256(data: &[u8]) -> [u8; SHA256_LEN] {
    Sha256::digest(data).into()
}

/// SHA-1 of `data` (feature `sha1`). Only for the legacy schemes that require it (the
/// request signatures and key derivations that were specified with it);
/// never for anything new.
///
/// ```
/// let digest = partner_core::crypto::sha1(b"abc");
/// assert_eq!(partner_core::encoding::hex_encode(digest), "a9993e364706816aba3e25717850c26c9cd0d89d");
/// ```
#[cfg(feature = "sha1")]
pub fn sha1(data: &[u8]) -> [u8; 20] {
    sha1::Sha1::digest(data).into()
}

/// SHA-1 over several parts, as if concatenated, without allocating
/// (feature `sha1`).
#[cfg(feature = "sha1")]
pub fn sha1_parts(parts: &[&[u8]]) -> [u8; 20] {
    let mut hasher = sha1::Sha1::new();
    update_parts(&mut hasher, parts);
    hasher.finalize().into()
}

/// SHA-1 of messages that all begin with the same parts (feature `sha1`):
/// the prefix is absorbed once, in [`new`](Self::new), and each digest
/// starts from a copy of that state. For a signature scheme whose pre-image
/// starts with the keys (`secret+key+...`), that saves hashing the keys
/// again on every request, often a whole block.
///
/// The state holds what it absorbed of the prefix (a partial block of it
/// verbatim), so it is handled like the keys: zeroized when dropped (with
/// every per-digest copy), never shown by `Debug`.
///
/// ```
/// use partner_core::crypto::{Sha1Prefix, sha1};
/// let prefix = Sha1Prefix::new(&[b"secret", b"+"]);
/// assert_eq!(prefix.digest(&[b"GET", b"+/me"]), sha1(b"secret+GET+/me"));
/// ```
#[cfg(feature = "sha1")]
#[derive(Clone)]
pub struct Sha1Prefix {
    state: sha1::Sha1,
}

#[cfg(feature = "sha1")]
impl std::fmt::Debug for Sha1Prefix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sha1Prefix([REDACTED])")
    }
}

#[cfg(feature = "sha1")]
impl Sha1Prefix {
    /// The state after the parts of `prefix`, as if concatenated.
    pub fn new(prefix: &[&[u8]]) -> Self {
        let mut state = sha1::Sha1::new();
        update_parts(&mut state, prefix);
        Sha1Prefix { state }
    }

    /// SHA-1 of the prefix followed by the parts of `rest`.
    pub fn digest(&self, rest: &[&[u8]]) -> [u8; 20] {
        let mut state = self.state.clone();
        for part in rest {
            state.update(part);
        }
        state.finalize().into()
    }
}

/// Feeds `parts` to `hasher` as one message. Short parts (separators,
/// keys, a method, a timestamp) are gathered in a stack buffer first, so
/// that a message of many small parts costs about one `update`, not one
/// per part; the buffer is zeroized after, as it may hold key material.
fn update_parts(hasher: &mut impl Digest, parts: &[&[u8]]) {
    let mut stage = zeroize::Zeroizing::new([0u8; 256]);
    let mut len = 0;
    for part in parts {
        if let Some(slot) = stage.get_mut(len..len + part.len()) {
            slot.copy_from_slice(part);
            len += part.len();
            continue;
        }
        hasher.update(&stage[..len]);
        len = 0;
        match stage.get_mut(..part.len()) {
            Some(slot) => {
                slot.copy_from_slice(part);
                len = part.len();
            }
            None => hasher.update(part),
        }
    }
    hasher.update(&stage[..len]);
}

/// SHA-256 over several parts, as if they were concatenated, without
/// allocating the concatenation.
pub fn sha256_parts(parts: &[&[u8]]) -> [u8; SHA256_LEN] {
    let mut hasher = Sha256::new();
    update_parts(&mut hasher, parts);
    hasher.finalize().into()
}

/// Constant-time equality of two byte strings (the lengths are not hidden).
///
/// Backed by the `constant_time_eq` crate (word-wise XOR accumulation
/// behind an optimisation barrier), which is several times faster than a
/// byte-wise `subtle` comparison on the 64-byte hex tags compared here.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    constant_time_eq::constant_time_eq(a, b)
}

/// An HMAC-SHA256 key: a [`MessageSigner`] and [`MessageVerifier`] over
/// canonical bytes.
///
/// The key is not kept: the two keyed hash states HMAC starts from (the key
/// block XOR `ipad` and XOR `opad`, each run through one compression) are
/// computed once, in [`new`](Self::new), and every tag starts from a copy of
/// them. That saves the two compressions of key setup on every call, which
/// for a short message is about half the cost of the MAC. The states are
/// as good as the key to a forger, so they are treated like it: zeroized
/// when dropped (RustCrypto's `zeroize` features, which also wipe each
/// per-call copy), never shown by `Debug`.
///
/// ```
/// use partner_core::crypto::HmacSha256Key;
/// use partner_core::{MessageSigner, MessageVerifier};
///
/// let key = HmacSha256Key::new("Signature Key").unwrap();
/// let tag = key.sign(b"/h/demo2/te/lo.cgi?Action=Launch&pt=AccessToken&ts=unixtimestamp");
/// assert!(key.verify(b"/h/demo2/te/lo.cgi?Action=Launch&pt=AccessToken&ts=unixtimestamp", &tag).is_ok());
/// assert!(key.verify(b"/h/demo3/te/lo.cgi?Action=Launch&pt=AccessToken&ts=unixtimestamp", &tag).is_err());
/// assert!(HmacSha256Key::new("").is_err(), "an empty key is refused");
/// ```
#[derive(Clone)]
pub struct HmacSha256Key {
    keyed: HmacSha256,
}

impl std::fmt::Debug for HmacSha256Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HmacSha256Key([REDACTED])")
    }
}

impl HmacSha256Key {
    /// A key from secret bytes or text; [`Error::EmptyKey`] when it is empty.
    /// The secret itself is dropped (and zeroized) once the keyed states
    /// are made.
    pub fn new(key: impl Into<Secret>) -> Result<Self, Error> {
        let key = key.into().non_empty()?;
        Ok(HmacSha256Key { keyed: keyed(key.expose()) })
    }

    /// The tag of several parts, as if they were concatenated, without
    /// allocating the concatenation.
    ///
    /// ```
    /// use partner_core::MessageSigner;
    /// use partner_core::crypto::HmacSha256Key;
    /// let key = HmacSha256Key::new("k").unwrap();
    /// assert_eq!(key.sign_parts(&[b"a=1", b"&ts=2"]), key.sign(b"a=1&ts=2"));
    /// ```
    pub fn sign_parts(&self, parts: &[&[u8]]) -> [u8; SHA256_LEN] {
        let mut mac = self.keyed.clone();
        for part in parts {
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }

    /// The tag as lower-case hex, the form every provider here sends.
    pub fn sign_hex(&self, message: &[u8]) -> String {
        crate::encoding::hex_encode(self.sign(message))
    }

    /// Checks a hex tag (either case) in constant time; anything that is
    /// not exactly 64 hex digits is [`Error::BadSignature`], as in
    /// [`verify_hmac_sha256_hex`].
    pub fn verify_hex(&self, message: &[u8], tag_hex: &str) -> Result<(), Error> {
        if hex_eq(&self.sign(message), tag_hex) { Ok(()) } else { Err(Error::BadSignature) }
    }
}

impl MessageSigner for HmacSha256Key {
    type Signature = [u8; SHA256_LEN];

    fn sign(&self, message: &[u8]) -> Self::Signature {
        self.sign_parts(&[message])
    }
}

impl MessageVerifier for HmacSha256Key {
    fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), Error> {
        let mut mac = self.keyed.clone();
        mac.update(message);
        mac.verify_slice(signature).map_err(|_| Error::BadSignature)
    }
}

/// Unauthenticated block cipher modes. **Hazardous material.**
///
/// AES-128-CBC provides confidentiality only. Anyone can flip bits of a CBC
/// ciphertext and change the plaintext predictably, and an error that tells
/// "bad padding" apart from "bad data" is a padding oracle that decrypts
/// everything. Callers must check a signature or MAC over the ciphertext
/// *before* calling [`aes128_cbc_decrypt`](hazmat::aes128_cbc_decrypt), and must report every failure
/// after that with one error. Only for legacy handoffs that require it.
/// Feature `aes-cbc`.
#[cfg(feature = "aes-cbc")]
pub mod hazmat {
    use aes::Aes128;
    use cbc::cipher::block_padding::Pkcs7;
    use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};

    use crate::Error;

    /// AES block size in bytes.
    pub const BLOCK_LEN: usize = 16;

    /// AES-128-CBC with PKCS#7 padding. The output is a whole number of blocks.
    ///
    /// ```
    /// use partner_core::crypto::hazmat::{aes128_cbc_decrypt, aes128_cbc_encrypt};
    ///
    /// let key = *b"0123456789abcdef";
    /// let iv = [0u8; 16];
    /// let ct = aes128_cbc_encrypt(&key, &iv, b"hello");
    /// assert_eq!(ct.len(), 16);
    /// assert_eq!(aes128_cbc_decrypt(&key, &iv, &ct).unwrap(), b"hello");
    /// ```
    pub fn aes128_cbc_encrypt(
        key: &[u8; BLOCK_LEN],
        iv: &[u8; BLOCK_LEN],
        plaintext: &[u8],
    ) -> Vec<u8> {
        cbc::Encryptor::<Aes128>::new(key.into(), iv.into())
            .encrypt_padded_vec_mut::<Pkcs7>(plaintext)
    }

    /// Decrypts AES-128-CBC and removes PKCS#7 padding.
    ///
    /// Every failure (length not a multiple of the block size, empty input,
    /// bad padding) is the same [`Error::Decrypt`].
    pub fn aes128_cbc_decrypt(
        key: &[u8; BLOCK_LEN],
        iv: &[u8; BLOCK_LEN],
        ciphertext: &[u8],
    ) -> Result<Vec<u8>, Error> {
        if ciphertext.is_empty() || ciphertext.len() % BLOCK_LEN != 0 {
            return Err(Error::Decrypt);
        }
        cbc::Decryptor::<Aes128>::new(key.into(), iv.into())
            .decrypt_padded_vec_mut::<Pkcs7>(ciphertext)
            .map_err(|_| Error::Decrypt)
    }
}

#[cfg(test)]
mod tests {
    #[cfg(feature = "aes-cbc")]
    use super::hazmat::*;
    use super::*;
    use crate::encoding::{hex_decode, hex_encode};

    // RFC 4231 section 4.2 (test case 1) and 4.7 (test case 6, key longer than a block).
    #[test]
    fn hmac_matches_rfc4231() {
        let tag = hmac_sha256(&[0x0b; 20], b"Hi There");
        assert_eq!(
            hex_encode(tag),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
        let tag =
            hmac_sha256(&[0xaa; 131], b"Test Using Larger Than Block-Size Key - Hash Key First");
        assert_eq!(
            hex_encode(tag),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    // RFC 4231 section 4.3 (test case 2).
    #[test]
    fn verify_accepts_either_hex_case_and_rejects_wrong_length() {
        let key = b"Jefe";
        let uri = b"what do ya want for nothing?";
        let lower = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
        assert_eq!(hex_encode(hmac_sha256(key, uri)), lower);
        assert_eq!(verify_hmac_sha256_hex(key, uri, lower), Ok(()));
        assert_eq!(verify_hmac_sha256_hex(key, uri, &lower.to_uppercase()), Ok(()));
        assert_eq!(verify_hmac_sha256_hex(key, uri, &lower[..62]), Err(Error::BadSignature));
        assert_eq!(verify_hmac_sha256_hex(key, uri, ""), Err(Error::BadSignature));
        let full = hex_decode(lower).unwrap();
        assert_eq!(verify_hmac_sha256(key, uri, &full[..31]), Err(Error::BadSignature));
        // Only letters are lower-cased: a control byte that `| 0x20` would
        // turn into the digit `5` is a mismatch, in the 32-byte fast path
        // and in the general one.
        let control = format!("\u{15}{}", &lower[1..]);
        assert_eq!(verify_hmac_sha256_hex(key, uri, &control), Err(Error::BadSignature));
        assert!(!hex_eq(&full[..2], "\u{15}bdc") && hex_eq(&full[..2], "5BDC"));
    }

    // FIPS 180-2 appendix B.2 (two-block message).
    #[test]
    fn sha256_parts_equals_whole() {
        let msg = b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
        let expect = "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1";
        assert_eq!(hex_encode(sha256(msg)), expect);
        assert_eq!(hex_encode(sha256_parts(&[&msg[..5], &msg[5..], b""])), expect);
        #[cfg(feature = "sha1")]
        {
            // FIPS 180-2 appendix A.2 (SHA-1 of the same two-block message),
            // with the prefix cut inside, at and after the first block.
            let want = "84983e441c3bd26ebaae4aa1f95129e5e54670f1";
            for cut in [3, 20, 55, msg.len()] {
                let prefix = Sha1Prefix::new(&[&msg[..1], &msg[1..cut]]);
                assert_eq!(hex_encode(prefix.digest(&[&msg[cut..]])), want, "{cut}");
                assert_eq!(hex_encode(prefix.digest(&[&msg[cut..], b""])), want, "{cut}");
            }
            assert_eq!(format!("{:?}", Sha1Prefix::new(&[b"k"])), "Sha1Prefix([REDACTED])");
        }
        // Parts that fill the staging buffer, then overflow it, then one
        // longer than it: the same digest as the whole.
        let long: Vec<u8> = (0..1000u32).map(|i| (i % 251) as u8).collect();
        for cuts in [[1, 255, 256], [200, 300, 900], [0, 256, 257], [10, 20, 999]] {
            let (a, rest) = long.split_at(cuts[0]);
            let (b, rest) = rest.split_at(cuts[1] - cuts[0]);
            let (c, d) = rest.split_at(cuts[2] - cuts[1]);
            assert_eq!(sha256_parts(&[a, b, c, d]), sha256(&long), "{cuts:?}");
        }
    }

    // NIST SP 800-38A F.2.1 (CBC-AES128.Encrypt), first block; the PKCS#7 pad
    // of a whole block adds a 17th..32nd byte that we then check decrypts away.
    #[cfg(feature = "aes-cbc")]
    #[test]
    fn aes_cbc_matches_sp800_38a() {
        let key: [u8; 16] =
            hex_decode("2b7e151628aed2a6abf7158809cf4f3c").unwrap().try_into().unwrap();
        let iv: [u8; 16] =
            hex_decode("000102030405060708090a0b0c0d0e0f").unwrap().try_into().unwrap();
        let pt = hex_decode("6bc1bee22e409f96e93d7e117393172a").unwrap();
        let ct = aes128_cbc_encrypt(&key, &iv, &pt);
        assert_eq!(ct.len(), 32);
        assert_eq!(hex_encode(&ct[..16]), "7649abac8119b246cee98e9b12e9197d");
        assert_eq!(aes128_cbc_decrypt(&key, &iv, &ct).unwrap(), pt);
    }

    #[cfg(feature = "aes-cbc")]
    #[test]
    fn aes_cbc_failures_are_one_error() {
        let key = [7u8; 16];
        let iv = [0u8; 16];
        assert_eq!(aes128_cbc_decrypt(&key, &iv, &[]), Err(Error::Decrypt));
        assert_eq!(aes128_cbc_decrypt(&key, &iv, &[0u8; 15]), Err(Error::Decrypt));
        let mut ct = aes128_cbc_encrypt(&key, &iv, b"sixteen bytes!!!");
        let last = ct.len() - 1;
        ct[last] ^= 0x01; // corrupts the padding block
        assert_eq!(aes128_cbc_decrypt(&key, &iv, &ct), Err(Error::Decrypt));
    }

    #[test]
    fn empty_keys_verify_nothing() {
        let tag = hmac_sha256(b"", b"m");
        assert_eq!(verify_hmac_sha256(b"", b"m", &tag), Err(Error::EmptyKey));
        let hex = hex_encode(tag);
        assert_eq!(verify_hmac_sha256_hex(b"", b"m", &hex), Err(Error::EmptyKey));
        assert_eq!(HmacSha256Key::new(Vec::new()).unwrap_err(), Error::EmptyKey);
        assert!(HmacSha256Key::new("k").is_ok());
    }

    // The keyed states give the same tags as keying per call, for keys
    // shorter than, equal to and longer than a block (RFC 4231 case 6 key).
    #[test]
    fn a_key_made_once_tags_as_keying_each_time() {
        for key in [&b"Jefe"[..], &[0x0b; 64][..], &[0xaa; 131][..]] {
            let made = HmacSha256Key::new(key).unwrap();
            for message in [&b""[..], b"Hi There", &[7u8; 200][..]] {
                let tag = hmac_sha256(key, message);
                assert_eq!(made.sign(message), tag);
                assert_eq!(
                    made.sign_parts(&[
                        &message[..message.len() / 3],
                        &message[message.len() / 3..]
                    ]),
                    tag
                );
                assert_eq!(made.verify(message, &tag), Ok(()));
                assert_eq!(made.verify_hex(message, &hex_encode(tag).to_uppercase()), Ok(()));
                assert_eq!(made.verify(message, &tag[..31]), Err(Error::BadSignature));
                assert_eq!(made.verify_hex(b"other", &hex_encode(tag)), Err(Error::BadSignature));
            }
        }
        assert_eq!(
            format!("{:?}", HmacSha256Key::new("Jefe").unwrap()),
            "HmacSha256Key([REDACTED])"
        );
    }

    #[test]
    fn constant_time_eq_compares_content_and_length() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
