//! Blendr (feature `blendr`): opening the hub logged in ([`BlendrHub`]:
//! hash link, JWT link or POST form) and the OAuth2 silent flow as an
//! authorization server ([`SilentFlowServer`]).

mod hub;
mod silent;

pub use hub::{BlendrHub, HubAccount, HubHandoff};
pub use silent::SilentFlowServer;
