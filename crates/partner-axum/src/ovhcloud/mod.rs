//! OVHcloud (feature `ovhcloud`): [`OvhConnect`], the consumer-key
//! delegation as a router: ask for a key, send the customer to validate
//! it, confirm and keep it.

mod connect;

pub use connect::OvhConnect;
