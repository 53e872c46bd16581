//! The `stellar_member_state` page variable, emitted so that no value can
//! end the `<script>` element, open an HTML comment or break the JS string.

use std::fmt;
use std::io;

use serde::{Deserialize, Serialize};

use crate::Error;

/// What comes before the JSON in the emitted script.
pub const SCRIPT_PREFIX: &str = "var stellar_member_state = ";

/// What the Cheetah JS SDK reads from the page: the member's tokens, or a
/// non-empty `sso_error`, and the names to greet them with.
///
/// Build it with [`MemberState::signed_in`] or [`MemberState::failed`] so it
/// is never half filled, then emit it with [`to_script`](Self::to_script) or
/// [`to_script_element`](Self::to_script_element).
///
/// ```
/// use partner_cheetah::MemberState;
///
/// let state = MemberState::signed_in("0fad7f", "884efd", "Susan", "</script><b>Sample</b>");
/// let script = state.to_script();
/// assert_eq!(
///     script,
///     r#"var stellar_member_state = {"access_token":"0fad7f","refresh_token":"884efd","sso_error":"","short_name":"Susan","full_name":"\u003c/script\u003e\u003cb\u003eSample\u003c/b\u003e"};"#
/// );
/// assert_eq!(MemberState::from_script(&script).unwrap(), state);
/// ```
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct MemberState {
    /// The member access token from the SSO call ("" in an error state).
    pub access_token: String,
    /// The member refresh token ("" when none was given).
    pub refresh_token: String,
    /// Empty on success; any non-empty text tells the SDK the SSO failed.
    pub sso_error: String,
    /// The name to greet the member with.
    pub short_name: String,
    /// The member's full name.
    pub full_name: String,
    /// Deep-link parameters to preserve through sign-in, passed through as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stl_params_hash: Option<String>,
}

impl fmt::Debug for MemberState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redact = |t: &str| if t.is_empty() { "" } else { "[REDACTED]" };
        f.debug_struct("MemberState")
            .field("access_token", &redact(&self.access_token))
            .field("refresh_token", &redact(&self.refresh_token))
            .field("sso_error", &self.sso_error)
            .field("short_name", &self.short_name)
            .field("full_name", &self.full_name)
            .field("stl_params_hash", &self.stl_params_hash)
            .finish()
    }
}

impl MemberState {
    /// The state of a member signed in through SSO.
    pub fn signed_in(
        access_token: impl Into<String>,
        refresh_token: impl Into<String>,
        short_name: impl Into<String>,
        full_name: impl Into<String>,
    ) -> Self {
        MemberState {
            access_token: access_token.into(),
            refresh_token: refresh_token.into(),
            sso_error: String::new(),
            short_name: short_name.into(),
            full_name: full_name.into(),
            stl_params_hash: None,
        }
    }

    /// The state after a failed SSO: no tokens, no names, and a non-empty
    /// `sso_error` (`"sso_failed"` if `reason` is empty).
    pub fn failed(reason: impl Into<String>) -> Self {
        let mut sso_error = reason.into();
        if sso_error.is_empty() {
            sso_error.push_str("sso_failed");
        }
        MemberState {
            access_token: String::new(),
            refresh_token: String::new(),
            sso_error,
            short_name: String::new(),
            full_name: String::new(),
            stl_params_hash: None,
        }
    }

    /// Adds the `stl_params_hash` that keeps deep-link parameters.
    pub fn with_params_hash(mut self, hash: impl Into<String>) -> Self {
        self.stl_params_hash = Some(hash.into());
        self
    }

    /// Whether this is an error state.
    pub fn is_error(&self) -> bool {
        !self.sso_error.is_empty()
    }

    /// `var stellar_member_state = {...};` with `<`, `>`, `&`, `'`, U+2028 and
    /// U+2029 written as `\uXXXX` escapes, so the text is safe inside a
    /// `<script>` element and an HTML attribute alike, and still parses to the
    /// same values in JavaScript.
    pub fn to_script(&self) -> String {
        let mut out = Vec::with_capacity(SCRIPT_PREFIX.len() + 160 + self.payload_len());
        out.extend_from_slice(SCRIPT_PREFIX.as_bytes());
        let mut ser = serde_json::Serializer::with_formatter(&mut out, ScriptSafe);
        // Serialising strings into a Vec cannot fail.
        if self.serialize(&mut ser).is_err() {
            unreachable!("a MemberState always serialises");
        }
        out.push(b';');
        match String::from_utf8(out) {
            Ok(text) => text,
            Err(_) => unreachable!("serde_json writes UTF-8 and the escapes are ASCII"),
        }
    }

    /// The script wrapped in a `<script>` element, with a CSP `nonce`
    /// attribute when one is given (base64 characters only, else an error).
    ///
    /// ```
    /// use partner_cheetah::MemberState;
    /// let html = MemberState::failed("sso_rejected").to_script_element(Some("rAnd0m+/=")).unwrap();
    /// assert!(html.starts_with(r#"<script nonce="rAnd0m+/=">var stellar_member_state = "#));
    /// assert!(html.ends_with(";</script>"));
    /// assert!(MemberState::failed("x").to_script_element(Some("\"><img")).is_err());
    /// ```
    pub fn to_script_element(&self, nonce: Option<&str>) -> Result<String, Error> {
        let script = self.to_script();
        let mut html = String::with_capacity(script.len() + 48);
        match nonce {
            None => html.push_str("<script>"),
            Some(nonce) => {
                let ok = !nonce.is_empty()
                    && nonce.bytes().all(|b| {
                        b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_')
                    });
                if !ok {
                    return Err(partner_core::Error::UnsafeInput(
                        "csp nonce must be base64 characters",
                    )
                    .into());
                }
                html.push_str("<script nonce=\"");
                html.push_str(nonce);
                html.push_str("\">");
            }
        }
        html.push_str(&script);
        html.push_str("</script>");
        Ok(html)
    }

    /// Reads back a script written by [`to_script`](Self::to_script) (or any
    /// `var stellar_member_state = <JSON>;` whose JSON has this shape).
    pub fn from_script(script: &str) -> Result<Self, Error> {
        let json = script_json(script)?;
        serde_json::from_str(json)
            .map_err(|err| partner_core::Error::json("member state script", err).into())
    }

    fn payload_len(&self) -> usize {
        self.access_token.len()
            + self.refresh_token.len()
            + self.sso_error.len()
            + self.short_name.len()
            + self.full_name.len()
            + self.stl_params_hash.as_ref().map_or(0, String::len)
    }
}

/// The JSON text of a `var stellar_member_state = <JSON>;` script.
pub fn script_json(script: &str) -> Result<&str, Error> {
    script.trim().strip_prefix(SCRIPT_PREFIX).and_then(|rest| rest.strip_suffix(';')).ok_or(
        partner_core::Error::Malformed("not a `var stellar_member_state = ...;` script").into(),
    )
}

/// JSON that is also safe in HTML: the compact formatter, with the bytes that
/// HTML or a JavaScript parser would treat specially escaped inside strings.
/// Outside strings JSON never contains any of them.
struct ScriptSafe;

impl serde_json::ser::Formatter for ScriptSafe {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let bytes = fragment.as_bytes();
        let mut start = 0;
        let mut i = 0;
        while i < bytes.len() {
            let escape: Option<(&[u8], usize)> = match bytes[i] {
                b'<' => Some((b"\\u003c", 1)),
                b'>' => Some((b"\\u003e", 1)),
                b'&' => Some((b"\\u0026", 1)),
                b'\'' => Some((b"\\u0027", 1)),
                // U+2028 and U+2029 are E2 80 A8 / E2 80 A9 in UTF-8.
                0xE2 if bytes.get(i + 1) == Some(&0x80) && bytes.get(i + 2) == Some(&0xA8) => {
                    Some((b"\\u2028", 3))
                }
                0xE2 if bytes.get(i + 1) == Some(&0x80) && bytes.get(i + 2) == Some(&0xA9) => {
                    Some((b"\\u2029", 3))
                }
                _ => None,
            };
            match escape {
                Some((text, len)) => {
                    writer.write_all(&bytes[start..i])?;
                    writer.write_all(text)?;
                    i += len;
                    start = i;
                }
                None => i += 1,
            }
        }
        writer.write_all(&bytes[start..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_are_escaped_and_round_trip() {
        let name = "</script><!-- '\"\\ & \u{2028}\u{2029} 😀 \u{0} \n";
        let state = MemberState::signed_in("a", "b", name, name).with_params_hash("h<>");
        let script = state.to_script();
        for bad in ['<', '>', '&', '\'', '\u{2028}', '\u{2029}'] {
            assert!(!script.contains(bad), "{bad:?} in {script}");
        }
        assert!(script.contains("\\u003c/script\\u003e\\u003c!--"));
        assert!(script.contains("\\u2028\\u2029"));
        assert!(script.contains("😀"), "other non-ASCII stays as is");
        assert!(script.contains("\"stl_params_hash\":\"h\\u003c\\u003e\""));
        assert_eq!(MemberState::from_script(&script).unwrap(), state);
    }

    #[test]
    fn failed_state_is_never_half_filled() {
        let s = MemberState::failed("");
        assert_eq!(s.sso_error, "sso_failed");
        assert!(s.is_error() && s.access_token.is_empty() && s.refresh_token.is_empty());
        assert_eq!(
            s.to_script(),
            r#"var stellar_member_state = {"access_token":"","refresh_token":"","sso_error":"sso_failed","short_name":"","full_name":""};"#
        );
    }

    #[test]
    fn debug_hides_tokens() {
        let s = MemberState::signed_in("tok-secret", "ref-secret", "S", "S S");
        let dbg = format!("{s:?}");
        assert!(!dbg.contains("secret"), "{dbg}");
    }

    #[test]
    fn from_script_refuses_other_text() {
        assert!(MemberState::from_script("var x = {};").is_err());
        assert!(
            MemberState::from_script("var stellar_member_state = {\"access_token\":1};").is_err()
        );
        assert!(MemberState::from_script(
            "var stellar_member_state = {\"access_token\":\"\",\"refresh_token\":\"\",\"sso_error\":\"\",\"short_name\":\"\",\"full_name\":\"\",\"extra\":1};"
        )
        .is_err());
    }
}
