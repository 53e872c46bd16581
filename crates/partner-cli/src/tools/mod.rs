//! The per-provider tools: build, sign, verify, explain.

mod blendr;
mod cheetah;
mod cloud66;
mod ovhcloud;
mod teapplix;

use partner_core::HasErrorKind;
use serde_json::Value;

use crate::output::CliError;

pub use blendr::{BlendrCommand, blendr};
pub use cheetah::{CheetahCommand, cheetah};
pub use cloud66::{Cloud66Command, cloud66};
pub use ovhcloud::{OvhCommand, ovhcloud};
pub use teapplix::{TeapplixCommand, teapplix};

fn print_json(value: &Value) {
    println!("{}", serde_json::to_string_pretty(value).unwrap_or_default());
}

/// A refusal from a verifier: exit 1, with the kind and the reason.
fn refused(err: &(impl std::fmt::Display + HasErrorKind)) -> CliError {
    CliError::failed(format!("{} ({})", err, err.error_kind()))
}
