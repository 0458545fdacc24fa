//! The `emotui` binary: the command line and the terminal explorer, both thin
//! layers over the `emotui` library.

mod cli;
mod tui;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    let result = match args.command {
        Some(_) if cli::output::was_closed() => Err(anyhow::anyhow!(
            "standard output is closed: nothing would be written (redirect it to a file, or to /dev/null to discard it)"
        )),
        Some(command) => cli::run(command, &args.model)
            .and_then(|ok| cli::output::flush().map(|()| ok).map_err(Into::into)),
        None => tui::run(tui::Options {
            dir: args.dir.unwrap_or_else(|| "data/test_crop".into()),
            survey: args.survey,
            protocol: args.protocol.protocol(),
            theme: args.theme.theme(),
            model: args.model.path(),
            compare_model: args.compare_model,
            load: args.model.options(),
            face_models: args.model.face_models_dir(),
            cache: args.model.cache_path(),
        })
        .map(|()| true),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e)
            if e.downcast_ref::<cli::output::StdoutError>()
                .is_some_and(cli::output::StdoutError::is_closed_pipe) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("emotui: {e:#}");
            ExitCode::from(2)
        }
    }
}
