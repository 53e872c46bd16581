//! The per-provider tools: build, sign, verify, explain.

mod blendr;
mod cheetah;
mod cloud66;
mod ovhcloud;
mod teapplix;

use std::io::Read;

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

/// The text of `path`, or of stdin for `-`.
fn read_text(path: &std::path::Path) -> Result<String, CliError> {
    if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| CliError::usage(format!("cannot read stdin: {e}")))?;
        return Ok(s);
    }
    std::fs::read_to_string(path)
        .map_err(|e| CliError::usage(format!("cannot read {}: {e}", path.display())))
}
