//! The schema's history: one list of timestamped names, each with a SQLite file
//! (`migrations/NAME.sql`) and a PostgreSQL one (`migrations/postgres/NAME.sql`) that
//! bring the two engines to the same tables. Landed files are never edited: both
//! runners keep each applied text and refuse a database whose text differs, or that
//! has a migration this program does not know (written by a newer version).

use meeting_sqlite::Migration;

macro_rules! migrations {
    ($($name:literal),* $(,)?) => {
        /// The SQLite schema steps.
        pub const SQLITE: &[Migration] = &[
            $(Migration { name: $name, sql: include_str!(concat!("../../migrations/", $name, ".sql")) }),*
        ];
        /// The PostgreSQL schema steps, the same names in the same order.
        pub const POSTGRES: &[Migration] = &[
            $(Migration { name: $name, sql: include_str!(concat!("../../migrations/postgres/", $name, ".sql")) }),*
        ];
    };
}

migrations!(
    "20261123_0001_init",
    "20261123_0002_annotations",
    "20261202_0003_prepare",
    "20261202_0004_opinions",
    "20261202_0005_document_order",
    "20261203_0006_device_wipe",
    "20261203_0007_document_opens",
    "20261203_0008_lease_secrets",
    "20261203_0009_watermark",
    "20261203_0010_offline_copy",
    "20261204_0011_live_room",
    "20261207_0012_secret_tallies",
    "20261207_0013_conversion_claims",
    "20261207_0014_login_failures",
    "20261208_0015_feed_kinds",
    "20261208_0016_tasks",
    "20261208_0017_minutes",
    "20261208_0018_conclusions",
);
