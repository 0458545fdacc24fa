//! The `emotui` binary: the command line and the terminal explorer, both thin
//! layers over the `emotui` library.

mod cli;
mod tui;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    let result = match args.command {
        Some(command) => cli::run(command, &args.model),
        None => tui::run(tui::Options {
            dir: args.dir.unwrap_or_else(|| "data/test_crop".into()),
            survey: args.survey,
            protocol: args.protocol.protocol(),
            model: args.model.path(),
            load: args.model.options(),
            face_models: args.model.face_models_dir(),
            cache: args.model.cache_path(),
        })
        .map(|()| true),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("emotui: {e:#}");
            ExitCode::from(2)
        }
    }
}
