//! Across every crate: a `partner-core` error converted into a provider's
//! error is wrapped, not copied: it lands in the crate's `Core` variant
//! with its kind, its message, its source and its provider refusal
//! unchanged. No catch-all arm can turn one kind into another.
#![allow(clippy::unwrap_used, missing_docs)]

use std::error::Error as _;
use std::sync::Arc;

use partner_core::{Error as Core, HasErrorKind, ProviderRejection, Unavailability};

fn every_core_error() -> Vec<Core> {
    let json = serde_json::from_str::<u8>("\"x\"").unwrap_err();
    vec![
        Core::Malformed("x"),
        Core::json("payload", serde_json::from_str::<u8>("[").unwrap_err()),
        Core::UnsafeInput("x"),
        Core::BadSignature,
        Core::Decrypt,
        Core::Expired,
        Core::NotYetValid,
        Core::Replayed,
        Core::ReplayGuardFull,
        Core::EmptyKey,
        Core::rejected(
            ProviderRejection::new("p", 403).with_code("DENIED").with_request_id("req-1"),
        ),
        Core::invalid_json("p", "token answer", json),
        Core::unavailable(
            "p",
            Unavailability::ServerError { status: 503 },
            Some(Arc::new(ProviderRejection::new("p", 503))),
        ),
        Core::unavailable("p", Unavailability::Timeout, None),
    ]
}

fn check<E>(
    crate_name: &str,
    core_of: fn(&E) -> Option<&Core>,
    rejection_of: fn(&E) -> Option<&ProviderRejection>,
) where
    E: From<Core> + HasErrorKind + std::fmt::Debug + std::fmt::Display + std::error::Error,
{
    for core in every_core_error() {
        let (kind, text) = (core.error_kind(), core.to_string());
        let source = core.source().map(ToString::to_string);
        let rejection = core.rejection().cloned();
        let ours = E::from(core.clone());
        assert_eq!(ours.error_kind(), kind, "{crate_name}: {ours:?}");
        assert_eq!(core_of(&ours), Some(&core), "{crate_name}: {ours:?} is not wrapped");
        assert_eq!(ours.to_string(), text, "{crate_name}: display changed");
        assert_eq!(ours.source().map(|s| s.to_string()), source, "{crate_name}: source lost");
        assert_eq!(rejection_of(&ours).cloned(), rejection, "{crate_name}: rejection lost");
    }
}

#[test]
fn blendr() {
    use partner_blendr::Error as E;
    check::<E>("blendr", |e| if let E::Core(c) = e { Some(c) } else { None }, E::rejection);
}

#[test]
fn ovhcloud() {
    use partner_ovhcloud::Error as E;
    check::<E>("ovhcloud", |e| if let E::Core(c) = e { Some(c) } else { None }, E::rejection);
}

#[test]
fn cloud66() {
    use partner_cloud66::Error as E;
    check::<E>("cloud66", |e| if let E::Core(c) = e { Some(c) } else { None }, E::rejection);
}

#[test]
fn teapplix() {
    use partner_teapplix::Error as E;
    check::<E>("teapplix", |e| if let E::Core(c) = e { Some(c) } else { None }, E::rejection);
}

#[test]
fn cheetah() {
    use partner_cheetah::Error as E;
    check::<E>("cheetah", |e| if let E::Core(c) = e { Some(c) } else { None }, E::rejection);
}
