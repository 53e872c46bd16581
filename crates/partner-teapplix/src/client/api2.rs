//! [`Api2Call`]: a call to any API2 method of a paired account.

/// A call to any API2 method for a paired account: `GET` (or `POST` with a
/// JSON body) `<api>/api2/<Method>?PSClientID=..&...` with the `APIToken` header.
///
/// ```
/// use partner_teapplix::Api2Call;
/// let call = Api2Call::get("OrderNotification").param("Status", "unshipped");
/// assert_eq!(call.method(), "OrderNotification");
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct Api2Call {
    pub(super) method: String,
    pub(super) params: Vec<(String, String)>,
    pub(super) body: Option<serde_json::Value>,
}

impl Api2Call {
    /// A `GET` of this API2 method.
    pub fn get(method: impl Into<String>) -> Self {
        Api2Call { method: method.into(), params: Vec::new(), body: None }
    }

    /// A `POST` of this API2 method with a JSON body.
    pub fn post(method: impl Into<String>, body: serde_json::Value) -> Self {
        Api2Call { method: method.into(), params: Vec::new(), body: Some(body) }
    }

    /// Adds a query parameter (form-encoded when sent).
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.push((name.into(), value.into()));
        self
    }

    /// The method name.
    pub fn method(&self) -> &str {
        &self.method
    }
}
