//! End-to-end tests of the Paperless Meeting Room: real `meeting-server` processes on
//! 127.0.0.1 (port 0), real client profiles with real SQLite files and blob caches,
//! faults injected by killing processes or cutting connections through a proxy.
//!
//! One test binary; fixtures live in `util/`.

// A fixture that cannot do its job must fail the test on the spot, with the value shown.
#![allow(clippy::unwrap_used)]

mod util;
mod watermark;

mod access;
mod annotations;
mod annotations_export;
mod annotations_sync;
mod at_rest;
mod bad_input;
mod balanced;
mod blob_sweep;
mod conclusions;
mod concurrency;
mod convert;
mod db_outage;
mod desktop;
mod desktop_demo;
mod desktop_marks;
mod desktop_prepare;
mod desktop_room;
mod document_order;
mod edits;
mod hotfolder;
mod instances;
mod keys;
mod keystore;
mod lease;
mod live;
mod login;
mod migrate;
mod minutes;
mod offline;
mod online_only;
mod opens;
mod opinions;
mod prepare;
mod prepare_cli;
mod protected;
mod readme;
mod readme_usage;
mod resume;
mod room;
mod search;
mod sync;
mod tasks;
mod wipe;
