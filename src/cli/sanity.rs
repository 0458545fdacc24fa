//! `emotui sanity FACE`: the model-randomisation sanity check (Adebayo et
//! al. 2018) for LIME and the other methods, as a table, JSON and a PNG
//! curve (the paper's Figure 2).

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use clap::Args;

use emotui::explain::Request;
use emotui::lime::FitOptions;
use emotui::methods::MethodOptions;
use emotui::methods::sanity::{self, Report};
use emotui::preprocess::load_face;

use super::explain::{MethodArg, SamplingArgs};
use super::{ModelArgs, TableFormat, progress};

/// Arguments of `emotui sanity`.
#[derive(Debug, Args)]
pub struct SanityArgs {
    /// The face to explain.
    pub face: PathBuf,

    /// Methods to check (repeatable or comma-separated; `all`).
    #[arg(long, value_enum, value_delimiter = ',',
          default_values_t = [MethodArg::Lime, MethodArg::Kernelshap])]
    pub method: Vec<MethodArg>,

    #[command(flatten)]
    pub sampling: SamplingArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t = TableFormat::Table)]
    pub format: TableFormat,

    /// Write the similarity curve (`<face>_sanity.png`) here.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Overwrite the curve in --out.
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: SanityArgs, model_args: &ModelArgs) -> anyhow::Result<bool> {
    let methods = super::explain::methods_of(&args.method);
    let out_path = args
        .out
        .as_ref()
        .map(|dir| dir.join(format!("{}_sanity.png", emotui::files::stem(&args.face))));
    if let Some(dir) = &args.out {
        emotui::export::check_folder(dir)?;
    }
    if let Some(p) = &out_path
        && !args.force
        && emotui::export::occupied(p)
    {
        anyhow::bail!(
            "{}: already exists; nothing was written (pass --force to overwrite)",
            p.display()
        );
    }
    let image = load_face(&args.face)?;
    let request = Request {
        sampling: args.sampling.options(),
        fit: FitOptions {
            n_features: FitOptions::features_for(args.sampling.superpixels),
            ..FitOptions::default()
        },
        ..Request::default()
    };
    let pb = progress::bar(1, "randomising layers");
    let model = model_args.load()?;
    let report = sanity::run(
        &model,
        &model_args.options(),
        &image,
        &request,
        &methods,
        &MethodOptions::default(),
        &AtomicBool::new(false),
        progress::follow(&pb),
    )?;
    pb.finish_and_clear();
    match args.format {
        TableFormat::Json => outln!("{}", serde_json::to_string_pretty(&report)?)?,
        TableFormat::Csv => out!("{}", csv_text(&report))?,
        TableFormat::Table => out!("{}", table_text(&args.face, &report))?,
    }
    if let Some(path) = &out_path {
        if let Some(dir) = &args.out {
            std::fs::create_dir_all(dir)
                .map_err(|e| anyhow::anyhow!("{}: cannot create the folder: {e}", dir.display()))?;
        }
        let img = emotui::render::sanity_curve(&report);
        emotui::render::save_png(&img, path, args.force)?;
        eprintln!("emotui: wrote {}", path.display());
    }
    Ok(true)
}

fn table_text(face: &std::path::Path, r: &Report) -> String {
    let mut s = format!(
        "{}: cascading randomisation of {} layers, from the output down; label {} ({:.4})\n",
        face.display(),
        r.steps.len(),
        r.label,
        r.probability
    );
    s += &format!("  {:>4}  {:<44} {:>8}", "step", "layer randomised", "prob");
    for m in &r.methods {
        s += &format!("  {:>22}", format!("{} ρ|·| ρ SSIM", m.name()));
    }
    s.push('\n');
    for (i, st) in r.steps.iter().enumerate() {
        s += &format!(
            "  {:>4}  {:<44} {:>8.4}",
            i + 1,
            st.layer.short_name(44),
            st.probability
        );
        for sim in &st.similarity {
            s += &format!(
                "  {:>6.3} {:>6.3} {:>6.3}   ",
                sim.spearman_abs, sim.spearman, sim.ssim
            );
        }
        s.push('\n');
    }
    s
}

fn csv_text(r: &Report) -> String {
    let mut s = String::from("step,layer,op,probability,method,spearman_abs,spearman,ssim\n");
    for (i, st) in r.steps.iter().enumerate() {
        for sim in &st.similarity {
            s += &format!(
                "{},{},{},{},{},{},{},{}\n",
                i + 1,
                st.layer.name,
                st.layer.op,
                st.probability,
                sim.method.name(),
                sim.spearman_abs,
                sim.spearman,
                sim.ssim
            );
        }
    }
    s
}
