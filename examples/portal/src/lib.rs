//! Acme, the reference portal (stub: being written).

use std::error::Error;

/// A started portal and the fakes it runs on.
#[derive(Debug)]
pub struct RunningPortal {
    url: String,
}

impl RunningPortal {
    /// The portal's base URL (`http://127.0.0.1:<port>`), no trailing slash.
    pub fn url(&self) -> String {
        self.url.clone()
    }
}

/// Starts the portal on `port` (0: a free one) with every fake.
pub async fn start_on_fakes(port: u16) -> Result<RunningPortal, Box<dyn Error + Send + Sync>> {
    let _ = port;
    Ok(RunningPortal { url: String::new() })
}
