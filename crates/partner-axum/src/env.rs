//! Configuration from the environment: the variables every provider
//! module reads, by the same names the `partner` command line uses.

use partner_core::Secret;

/// A variable that is missing or not usable. Names the variable, never
/// its value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EnvError {
    /// The variable is not set, or empty.
    #[error("environment variable {0} is not set")]
    Missing(&'static str),
    /// The variable is set but its value cannot be used.
    #[error("environment variable {name} is not usable: {reason}")]
    Invalid {
        /// The variable.
        name: &'static str,
        /// Why, without the value.
        reason: String,
    },
}

impl EnvError {
    /// The variable at fault.
    pub fn variable(&self) -> &'static str {
        match self {
            EnvError::Missing(name) | EnvError::Invalid { name, .. } => name,
        }
    }

    pub(crate) fn invalid(name: &'static str, reason: impl std::fmt::Display) -> Self {
        EnvError::Invalid { name, reason: reason.to_string() }
    }
}

type Lookup = dyn Fn(&str) -> Option<String> + Send + Sync;

/// Where variables come from: the process environment
/// ([`Env::process`]), or a function (tests, a secrets manager).
///
/// ```
/// use partner_axum::Env;
///
/// let env = Env::from_fn(|name| (name == "BLENDR_API_KEY").then(|| "k".to_owned()));
/// assert!(env.secret("BLENDR_API_KEY").is_ok());
/// assert_eq!(env.secret("OVH_APPLICATION_SECRET").unwrap_err().to_string(),
///            "environment variable OVH_APPLICATION_SECRET is not set");
/// ```
pub struct Env {
    lookup: Box<Lookup>,
}

impl std::fmt::Debug for Env {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Env").finish_non_exhaustive()
    }
}

impl Env {
    /// The process environment.
    pub fn process() -> Self {
        Env::from_fn(|name| std::env::var(name).ok())
    }

    /// Variables looked up by `lookup`.
    pub fn from_fn(lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Self {
        Env { lookup: Box::new(lookup) }
    }

    /// A non-empty variable, if set.
    pub fn optional(&self, name: &'static str) -> Option<String> {
        (self.lookup)(name).filter(|v| !v.trim().is_empty())
    }

    /// A non-empty variable.
    ///
    /// # Errors
    ///
    /// [`EnvError::Missing`].
    pub fn required(&self, name: &'static str) -> Result<String, EnvError> {
        self.optional(name).ok_or(EnvError::Missing(name))
    }

    /// A non-empty secret (empty keys are refused everywhere).
    ///
    /// # Errors
    ///
    /// [`EnvError::Missing`].
    pub fn secret(&self, name: &'static str) -> Result<Secret, EnvError> {
        self.required(name).map(Secret::from)
    }

    /// A comma-separated list, trimmed, empty items dropped.
    pub fn list(&self, name: &'static str) -> Vec<String> {
        self.optional(name)
            .map(|v| {
                v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
            })
            .unwrap_or_default()
    }
}
