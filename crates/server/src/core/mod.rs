//! The server's core: every change to the office's state, between the callers (HTTP
//! handlers, the converter, the demo seeding, a future live-room WebSocket) and SQL.
//!
//! Each function takes the acting user and a write transaction, does its checks, and
//! writes the change, its feed records and its audit entry together: a caller cannot
//! forget the audit trail or tell the wrong people, because it never writes rows itself.
//! The transaction is the storage seam: a [`crate::store::Tx`] on SQLite or PostgreSQL.

pub mod annotations;
pub mod audit;
pub mod ballot_box;
pub mod conclusions;
pub mod conversions;
pub mod devices;
pub mod documents;
pub mod leases;
pub mod meetings;
pub mod minutes;
pub mod opens;
pub mod opinions;
pub mod room;
pub mod speakers;
pub mod tasks;
pub mod visibility;
pub mod votes;
