//! `partner cheetah`: the Cheetah tools.
use std::path::PathBuf;

use clap::Subcommand;

use super::read_text;
use crate::output::CliError;

/// Cheetah tools.
#[derive(Subcommand)]
pub enum CheetahCommand {
    /// Read a member state as JSON (a file or stdin) and print the script.
    #[command(
        after_help = "Example:\n  echo '{\"access_token\":\"t\",\"refresh_token\":\"r\",\"sso_error\":\"\",\"short_name\":\"Susan\",\"full_name\":\"Susan Sample\"}' \\\n    | partner cheetah member-state --element --nonce abc123"
    )]
    MemberState {
        /// Read the state from this file (default stdin).
        #[arg(long, allow_hyphen_values = true)]
        file: Option<PathBuf>,
        /// Wrap the script in a `<script>` element.
        #[arg(long)]
        element: bool,
        /// The CSP nonce of the `<script>` element.
        #[arg(long, requires = "element", allow_hyphen_values = true)]
        nonce: Option<String>,
    },
}

/// Runs a Cheetah tool.
pub fn cheetah(cmd: CheetahCommand) -> Result<(), CliError> {
    let CheetahCommand::MemberState { file, element, nonce } = cmd;
    let text = read_text(file.as_deref().unwrap_or(std::path::Path::new("-")))?;
    let state: partner_cheetah::MemberState = serde_json::from_str(&text)
        .map_err(|_| CliError::usage("the state must be a JSON object with access_token, refresh_token, sso_error, short_name, full_name (and optionally stl_params_hash)"))?;
    if element {
        println!(
            "{}",
            state
                .to_script_element(nonce.as_deref())
                .map_err(|e| CliError::usage(e.to_string()))?
        );
    } else {
        println!("{}", state.to_script());
    }
    Ok(())
}
