//! Fixtures for driving the real desktop app: a minimal W3C WebDriver client and
//! [`desktop::Desktop`], which starts Xvfb (when there is no display), `tauri-driver`
//! and the app on a given client profile; [`keystore::OsKeystore`], a private
//! Secret Service; and office files for uploads: [`office`] (plain DOCX/XLSX written
//! here) and [`protected`] (protected by a password, by the office programs themselves);
//! [`balancer`], a load balancer on loopback in front of several server instances.
//!
//! A library (not only test code) because `bench/`'s benchmarks drive the app the same
//! way the desktop E2E test does, and put the same balancer in front of the instances. Fixtures panic with the reason when they
//! cannot do their job: their callers are a test and a benchmark, both of which must
//! stop on the spot.
#![allow(clippy::unwrap_used)]

pub mod balancer;
pub mod desktop;
pub mod keystore;
pub mod office;
pub mod protected;
pub mod webdriver;
