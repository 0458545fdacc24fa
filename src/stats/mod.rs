//! Agreement statistics exactly as R's `caret::confusionMatrix` computes and
//! prints them.

pub mod compare;
pub mod confusion;
pub(crate) mod distributions;
pub mod paired;
pub mod report;
pub mod rformat;

pub use confusion::{CaretStatistics, ClassStatistics, ConfusionMatrix, Overall, Stat};
