//! JWT SSO: HS256 tokens signed with the partner API key.
//!
//! Tokens are made and checked by the `jsonwebtoken` crate (RustCrypto
//! backend), with HS256 as the only algorithm, so there is no algorithm to
//! confuse (`none`, RS256 with the key as a public key, ...).

mod claims;
mod common;
mod signer;
mod verify;

pub use claims::{AccountId, JwtClaims};
pub use signer::JwtSigner;
pub(crate) use signer::{encode_hs256, hs256_encoding_key};
pub use verify::{JwtVerifier, VerifiedJwt};
