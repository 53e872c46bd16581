//! [`MultipassKeys`]: the keys of one multipass scheme, the signature over
//! a token, and the gem's base64.

use std::fmt;

use partner_core::crypto::hazmat::aes128_cbc_encrypt;
use partner_core::crypto::{constant_time_eq, hex_eq, hmac_sha256, sha1_parts, sha256_parts};
use partner_core::encoding::{base64_decode_tolerant, base64_encode, hex_encode};
use partner_core::{Error as CoreError, Secret};

use super::ZERO_IV;
use crate::Error;

/// How the signature of a Cloud 66 multipass is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SignatureMode {
    /// Hex SHA-256(signature key + multipass): the chosen reading.
    #[default]
    Sha256KeyThenToken,
    /// Hex SHA-256(multipass + signature key).
    Sha256TokenThenKey,
    /// Hex HMAC-SHA256(key = signature key, message = multipass).
    HmacSha256Hex,
    /// Base64 HMAC-SHA256(key = signature key, message = multipass).
    HmacSha256Base64,
}

/// The keys of one multipass scheme. `Debug` shows the scheme only.
#[derive(Clone)]
pub struct MultipassKeys {
    aes_key: Secret,
    signature: Option<(Secret, SignatureMode)>,
    scheme: &'static str,
}

impl fmt::Debug for MultipassKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MultipassKeys")
            .field("scheme", &self.scheme)
            .field("signature_mode", &self.signature.as_ref().map(|(_, m)| m))
            .finish_non_exhaustive()
    }
}

fn uid_halves(uid: &str) -> Result<(&str, &str), Error> {
    if uid.len() != 32 || !uid.is_ascii() {
        return Err(CoreError::Malformed("provider uid must be 32 ascii characters").into());
    }
    Ok(uid.split_at(16))
}

fn sha1_key(parts: &[&[u8]]) -> Secret {
    Secret::from(&sha1_parts(parts)[..16])
}

impl MultipassKeys {
    /// The chosen Cloud 66 reading for a 32-character provider UID.
    pub fn cloud66(provider_uid: &str) -> Result<Self, Error> {
        let (first, second) = uid_halves(provider_uid)?;
        Ok(MultipassKeys {
            aes_key: Secret::from(first),
            signature: Some((Secret::from(second), SignatureMode::default())),
            scheme: "cloud66",
        })
    }

    /// The Cloud 66 UID with the gem's key derivation: AES key = first 16
    /// bytes of SHA-1(`uid[0..16]` + `site_key`), signature key `uid[16..32]`.
    /// An empty `site_key` is refused (`malformed`, core's `EmptyKey`).
    pub fn cloud66_gem_key(provider_uid: &str, site_key: &str) -> Result<Self, Error> {
        let (first, second) = uid_halves(provider_uid)?;
        if site_key.is_empty() {
            return Err(CoreError::EmptyKey.into());
        }
        Ok(MultipassKeys {
            aes_key: sha1_key(&[first.as_bytes(), site_key.as_bytes()]),
            signature: Some((Secret::from(second), SignatureMode::default())),
            scheme: "cloud66-gem-key",
        })
    }

    /// The Ruby `multipass` gem's own scheme: AES key = first 16 bytes of
    /// SHA-1(`api_key` + `site_key`), no signature.
    ///
    /// An empty `api_key` or `site_key` is refused (`malformed`, core's
    /// `EmptyKey`): with an empty API key the AES key would follow from the
    /// site key alone, which is not a secret.
    pub fn entp(site_key: &str, api_key: &Secret) -> Result<Self, Error> {
        if api_key.is_empty() || site_key.is_empty() {
            return Err(CoreError::EmptyKey.into());
        }
        Ok(MultipassKeys {
            aes_key: sha1_key(&[api_key.expose(), site_key.as_bytes()]),
            signature: None,
            scheme: "entp",
        })
    }

    /// Uses another signature computation (signed schemes only).
    pub fn with_signature_mode(mut self, mode: SignatureMode) -> Self {
        if let Some((_, m)) = self.signature.as_mut() {
            *m = mode;
        }
        self
    }

    /// Whether tokens of this scheme carry a signature.
    pub fn is_signed(&self) -> bool {
        self.signature.is_some()
    }

    pub(super) fn aes_key(&self) -> [u8; 16] {
        let mut key = [0u8; 16];
        key.copy_from_slice(&self.aes_key.expose()[..16]);
        key
    }

    /// The signature of `multipass` as sent, for signed schemes.
    pub(super) fn signature_of(&self, multipass: &str) -> Option<String> {
        let (key, mode) = self.signature.as_ref()?;
        let key = key.expose();
        let token = multipass.as_bytes();
        Some(match mode {
            SignatureMode::Sha256KeyThenToken => hex_encode(sha256_parts(&[key, token])),
            SignatureMode::Sha256TokenThenKey => hex_encode(sha256_parts(&[token, key])),
            SignatureMode::HmacSha256Hex => hex_encode(hmac_sha256(key, token)),
            SignatureMode::HmacSha256Base64 => base64_encode(hmac_sha256(key, token)),
        })
    }

    /// Checks `signature` over `multipass` as sent, in constant time.
    pub(super) fn verify_signature(
        &self,
        multipass: &str,
        signature: Option<&str>,
    ) -> Result<(), Error> {
        let Some((key, mode)) = self.signature.as_ref() else { return Ok(()) };
        let received = signature.ok_or(CoreError::BadSignature)?.trim();
        let key = key.expose();
        let token = multipass.as_bytes();
        let ok = match mode {
            SignatureMode::Sha256KeyThenToken => hex_eq(&sha256_parts(&[key, token]), received),
            SignatureMode::Sha256TokenThenKey => hex_eq(&sha256_parts(&[token, key]), received),
            SignatureMode::HmacSha256Hex => hex_eq(&hmac_sha256(key, token), received),
            SignatureMode::HmacSha256Base64 => base64_decode_tolerant(received)
                .is_ok_and(|tag| constant_time_eq(&tag, &hmac_sha256(key, token))),
        };
        if ok { Ok(()) } else { Err(CoreError::BadSignature.into()) }
    }

    /// Encrypts `payload_json` into the gem's text.
    pub(super) fn encrypt(&self, payload_json: &[u8]) -> String {
        gem_base64(&aes128_cbc_encrypt(&self.aes_key(), &ZERO_IV, payload_json))
    }
}

/// The gem's base64: standard, `+/` as `-_`, one trailing `=` removed.
pub(super) fn gem_base64(bytes: &[u8]) -> String {
    let mut text: String = base64_encode(bytes)
        .chars()
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            c => c,
        })
        .collect();
    if text.ends_with('=') {
        text.pop();
    }
    text
}
