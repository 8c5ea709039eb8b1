//! What a run recorded, and the ways it is shown: `report.json`, `junit.xml`, `report.md` and
//! `report.html`, one file a format, each fed the records as they come. Reporters read records;
//! they never run or check anything.

pub mod coverage;
pub mod coverage_file;
pub mod coverage_text;
pub mod decision;
pub mod document;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod merge;
pub mod record;
pub mod recording;
pub mod render;
pub mod spool;
pub mod stream;
pub mod summary;
pub mod tally;
pub mod write;
