//! Helpers for the integration tests: fixture folders, servers started in-process or as the real
//! binary, a small HTTP client, upstreams of the tests' own making, and the search for canaries.

#![allow(dead_code)]

mod canaries;
mod client;
mod fixtures;
mod servers;
mod upstream;

pub use canaries::*;
pub use client::*;
pub use fixtures::*;
pub use servers::*;
pub use upstream::*;
