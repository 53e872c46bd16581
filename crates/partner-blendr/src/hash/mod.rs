//! Hash handoffs: the signer (GET link or POST form), the HTML form, and
//! the hub's verifier.

mod form;
mod signer;
mod verify;

pub(crate) use form::render_post_form;
pub(crate) use signer::link_with_query;
pub use signer::{HashLinkSigner, SsoLink};
pub use verify::{HashVerifier, VerifiedHash};
