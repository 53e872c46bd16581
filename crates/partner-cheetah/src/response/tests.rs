//! Tests of the answer parsers and the request.

use super::*;
use partner_core::{ErrorKind, HasErrorKind};

// The answers Cheetah's SSO page documents.
#[test]
fn documented_answers() {
    let t = parse_token_response(200, br#"{"access_token":"40e4726e5263ce266058c04494d4385f36530d233ef0bc363e92b2c969ff57a9","token_type":"bearer","expires_in":7200,"refresh_token":"5d0c438a28d62466ef70154bf15a6cc185e0e884b06d76fbf176ff86a55860c5","created_at":1444027150}"#).unwrap();
    assert_eq!(t.expires_in, Some(7200));
    assert_eq!(t.created_at, Some(1444027150));
    assert_eq!(
        t.refresh_token.unwrap().expose_str(),
        Some("5d0c438a28d62466ef70154bf15a6cc185e0e884b06d76fbf176ff86a55860c5")
    );
    let s = parse_sso_response(200, br#"{"member_id":"A-000000001","integration_id":"34567893039","access_token":"5d0c","refresh_token":"40e4"}"#).unwrap();
    assert_eq!(s.refresh_token.unwrap().expose_str(), Some("40e4"));
}

#[test]
fn failures_are_typed() {
    assert_eq!(parse_token_response(200, b"{}").unwrap_err().error_kind(), ErrorKind::Malformed);
    assert_eq!(parse_token_response(200, b"[]").unwrap_err().error_kind(), ErrorKind::Malformed);
    assert_eq!(
        parse_token_response(200, b"not json").unwrap_err().error_kind(),
        ErrorKind::Malformed
    );
    assert_eq!(
        parse_token_response(200, br#"{"access_token":"x","expires_in":"soon"}"#)
            .unwrap_err()
            .error_kind(),
        ErrorKind::Malformed
    );
    assert_eq!(
        parse_token_response(200, br#"{"access_token":"x","expires_in":"60"}"#).unwrap().expires_in,
        Some(60)
    );
    assert_eq!(parse_token_response(200, br#"{"access_token":"x"}"#).unwrap().token_type, "bearer");
    let err = parse_sso_response(500, b"<html>oops</html>").unwrap_err();
    assert_eq!(err.error_kind(), ErrorKind::Rejected);
    let r = err.rejection().unwrap();
    assert_eq!((r.status, r.code.as_deref()), (500, None));
    assert_eq!(r.message.as_deref(), Some("<html>oops</html>"), "an excerpt of another shape");
    assert_eq!(
        parse_sso_response(200, br#"{"member_id":"A","integration_id":"1"}"#)
            .unwrap_err()
            .error_kind(),
        ErrorKind::Malformed
    );
    assert_eq!(
        parse_sso_response(200, br#"{"member_id":"A","integration_id":"1","access_token":""}"#)
            .unwrap_err()
            .error_kind(),
        ErrorKind::Malformed
    );
}

#[test]
fn vendor_error_bodies_fill_the_rejection() {
    let body = br#"{"error":"invalid_client","error_description":"Client authentication failed"}"#;
    let r = rejection(401, Some("b7c1-42"), body);
    assert_eq!(r.provider, "cheetah");
    assert_eq!(r.code.as_deref(), Some("invalid_client"));
    assert_eq!(r.message.as_deref(), Some("Client authentication failed"));
    assert_eq!(r.request_id.as_deref(), Some("b7c1-42"));
    let r = rejection(422, None, br#"{"message":"integration_id has already been taken"}"#);
    assert_eq!(
        (r.code, r.message.as_deref()),
        (None, Some("integration_id has already been taken"))
    );
    let r = rejection(400, None, br#"{"error":"unsupported_grant_type"}"#);
    assert_eq!((r.code.as_deref(), r.message), (Some("unsupported_grant_type"), None));
    let r = rejection(502, None, br#"{"status":"down"}"#);
    assert_eq!((r.code, r.message.as_deref()), (None, Some(r#"{"status":"down"}"#)));
    // As a parser error, the rejection is kept whole.
    let err = parse_token_response(401, body).unwrap_err();
    assert_eq!(err.rejection().and_then(|r| r.code.as_deref()), Some("invalid_client"));
}

#[test]
fn request_validation_and_names() {
    let r = MemberSsoRequest::new("42", "Susan", "Sample", "susan@example.com");
    assert_eq!(r.full_name(), "Susan Sample");
    assert!(r.validate().is_ok());
    assert!(MemberSsoRequest::new(" ", "a", "b", "c@d").validate().is_err());
    assert!(
        MemberSsoRequest::new("", "a", "b", "c@d").matched_by(MatchBy::Email).validate().is_ok()
    );
    assert!(
        MemberSsoRequest::new("1", "a", "b", "nope").matched_by(MatchBy::Both).validate().is_err()
    );
    assert_eq!(MemberSsoRequest::new("1", "", "Solo", "").full_name(), "Solo");
    assert_eq!(MatchBy::parse("both"), Some(MatchBy::Both));
    assert_eq!(MatchBy::parse("Both"), None);
}
