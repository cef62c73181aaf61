//! Helpers for the integration tests: fixture folders, servers started in-process or as the real
//! binary, a small HTTP client, and upstreams of the tests' own making.

#![allow(dead_code)]

mod client;
mod fixtures;
mod servers;
mod upstream;

pub use client::*;
pub use fixtures::*;
pub use servers::*;
pub use upstream::*;
