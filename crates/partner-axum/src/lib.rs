#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod env;
mod nonce;
mod pages;
mod problem;
mod redirect;
mod session;

#[cfg(feature = "blendr")]
pub mod blendr;
#[cfg(feature = "cheetah")]
pub mod cheetah;
#[cfg(feature = "cloud66")]
pub mod cloud66;
#[cfg(feature = "ovhcloud")]
pub mod ovhcloud;
#[cfg(feature = "teapplix")]
pub mod teapplix;

pub use env::{Env, EnvError};
pub use nonce::{CspNonce, NoncedHtml};
pub use pages::{ProblemPages, default_page, render_problem_pages};
pub use problem::{PROBLEM_TYPE_BASE, Problem, status_for};
pub use redirect::SignedRedirect;
pub(crate) use session::login_redirect;
pub use session::{AppUser, CurrentUser};
