//! Across every crate: a `partner-core` error converted into a provider's
//! error keeps its kind (no catch-all arm that turns, say, a full replay
//! guard into a signature mismatch), and an empty key is the provider's own
//! `EmptyKey`.
#![allow(clippy::unwrap_used, missing_docs)]

use partner_core::{Error as Core, HasErrorKind};

fn every_core_error() -> [Core; 9] {
    [
        Core::Malformed("x"),
        Core::UnsafeInput("x"),
        Core::BadSignature,
        Core::Decrypt,
        Core::Expired,
        Core::NotYetValid,
        Core::Replayed,
        Core::ReplayGuardFull,
        Core::EmptyKey,
    ]
}

/// `names` lists the core errors the crate has a variant of its own for;
/// the others must land in its `Core` variant, kind unchanged.
fn check<E>(crate_name: &str, is_core: fn(&E) -> bool, is_empty_key: fn(&E) -> bool, names: &[Core])
where
    E: From<Core> + HasErrorKind + std::fmt::Debug + std::fmt::Display,
{
    for core in every_core_error() {
        let kind = core.error_kind();
        let named = names.contains(&core);
        let ours = E::from(core);
        assert_eq!(ours.error_kind(), kind, "{crate_name}: {ours:?}");
        assert_eq!(is_core(&ours), !named, "{crate_name}: {ours:?}");
    }
    let empty = E::from(Core::EmptyKey);
    assert!(is_empty_key(&empty), "{crate_name}: {empty:?}");
    assert_eq!(empty.to_string(), "key is empty", "{crate_name}");
}

#[test]
fn blendr() {
    use partner_blendr::Error as E;
    check::<E>(
        "blendr",
        |e| matches!(e, E::Core(_)),
        |e| matches!(e, E::EmptyKey),
        &every_core_error(),
    );
}

#[test]
fn ovhcloud() {
    use partner_ovhcloud::Error as E;
    let named = [
        Core::Malformed("x"),
        Core::UnsafeInput("x"),
        Core::BadSignature,
        Core::Expired,
        Core::NotYetValid,
        Core::EmptyKey,
    ];
    check::<E>("ovhcloud", |e| matches!(e, E::Core(_)), |e| matches!(e, E::EmptyKey), &named);
}

#[test]
fn cloud66() {
    use partner_cloud66::Error as E;
    let named = [
        Core::Malformed("x"),
        Core::UnsafeInput("x"),
        Core::BadSignature,
        Core::Decrypt,
        Core::Expired,
        Core::Replayed,
        Core::ReplayGuardFull,
        Core::EmptyKey,
    ];
    check::<E>("cloud66", |e| matches!(e, E::Core(_)), |e| matches!(e, E::EmptyKey), &named);
}

#[test]
fn teapplix() {
    use partner_teapplix::Error as E;
    check::<E>(
        "teapplix",
        |e| matches!(e, E::Core(_)),
        |e| matches!(e, E::EmptyKey),
        &every_core_error(),
    );
}

#[test]
fn cheetah() {
    use partner_cheetah::Error as E;
    let named = [Core::Malformed("x"), Core::UnsafeInput("x"), Core::EmptyKey];
    check::<E>("cheetah", |e| matches!(e, E::Core(_)), |e| matches!(e, E::EmptyKey), &named);
}
