//! Integration tests: servers started in-process or as the real binary, driven over HTTP.
//! One test crate, one module per area, so the crate and its helpers compile once.

#[path = "util/mod.rs"]
mod util;

#[path = "integration/checks.rs"]
mod checks;
#[path = "integration/cli.rs"]
mod cli;
#[path = "integration/diff/mod.rs"]
mod diff;
#[path = "integration/docs/mod.rs"]
mod docs;
#[path = "integration/faithfulness/mod.rs"]
mod faithfulness;
#[path = "integration/fixtures.rs"]
mod fixtures;
#[path = "integration/flavours.rs"]
mod flavours;
#[path = "integration/fuzz_regressions.rs"]
mod fuzz_regressions;
#[path = "integration/har/mod.rs"]
mod har;
#[path = "integration/hostile.rs"]
mod hostile;
#[path = "integration/lifecycle.rs"]
mod lifecycle;
#[path = "integration/limits.rs"]
mod limits;
#[path = "integration/methods.rs"]
mod methods;
#[path = "integration/properties.rs"]
mod properties;
#[path = "integration/provenance.rs"]
mod provenance;
#[path = "integration/record/mod.rs"]
mod record;
#[path = "integration/record_modes.rs"]
mod record_modes;
#[path = "integration/redaction/mod.rs"]
mod redaction;
#[path = "integration/redaction_properties.rs"]
mod redaction_properties;
#[path = "integration/reload.rs"]
mod reload;
#[path = "integration/replay/mod.rs"]
mod replay;
#[path = "integration/scenarios.rs"]
mod scenarios;
#[path = "integration/then.rs"]
mod then;
#[path = "integration/tokens.rs"]
mod tokens;
#[path = "integration/ui.rs"]
mod ui;
#[path = "integration/upgrade.rs"]
mod upgrade;
#[path = "integration/verify.rs"]
mod verify;
#[path = "integration/webtools.rs"]
mod webtools;
