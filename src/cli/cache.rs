//! `emotui cache info|clear`: what the cache holds, or empty it.

use clap::{Args, Subcommand};

use super::ModelArgs;

/// Arguments of `emotui cache`.
#[derive(Debug, Args)]
pub struct CacheArgs {
    #[command(subcommand)]
    pub action: CacheAction,
}

/// What to do with the cache.
#[derive(Debug, Clone, Copy, Subcommand)]
pub enum CacheAction {
    /// Where it is, its size, what it holds.
    Info,
    /// Delete every cached result (the file stays, empty).
    Clear,
}

pub fn run(args: CacheArgs, model_args: &ModelArgs) -> anyhow::Result<bool> {
    if model_args.no_cache {
        anyhow::bail!("--no-cache: there is no cache to look at");
    }
    let Some(path) = model_args.cache_path() else {
        anyhow::bail!(
            "no cache to look at (neither XDG_CACHE_HOME nor HOME is set; give --cache PATH)"
        );
    };
    if matches!(args.action, CacheAction::Info) && !path.exists() {
        outln!("{}: no cache yet", path.display())?;
        return Ok(true);
    }
    match args.action {
        CacheAction::Info => {
            let info = emotui::cache::Store::open(&path)?.info()?;
            outln!("cache      {}", info.path.display())?;
            outln!("size       {:.1} kB", info.bytes as f64 / 1000.0)?;
            outln!("landmarks  {} faces", info.landmarks)?;
            outln!("explained  {} faces (atlas)", info.explanations)?;
        }
        CacheAction::Clear => match emotui::cache::clear(&path)? {
            emotui::cache::Cleared::Rows(n) => {
                outln!("{}: removed {n} cached results", path.display())?
            }
            emotui::cache::Cleared::Damaged(why) => outln!(
                "{}: the cache was damaged ({why}); removed it",
                path.display()
            )?,
        },
    }
    Ok(true)
}
