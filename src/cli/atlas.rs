//! `emotui atlas DIR`: every face of a tree explained once (kept in the
//! cache, so that a second run or a stopped one costs nothing again), then
//! where the model's weight falls on the face for each true class, each
//! predicted label and each confusion cell.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use clap::Args;

use emotui::atlas::{self, AtlasRequest, Group, GroupRegions, Shard};
use emotui::faces::collect_paths;
use emotui::lime::SamplingOptions;

use super::explain::MAX_SUPERPIXELS;
use super::{ModelArgs, TableFormat, count, progress};

/// Regions shown per group in the table (CSV and JSON have all).
const TABLE_REGIONS: usize = 4;

/// Arguments of `emotui atlas`.
#[derive(Debug, Args)]
pub struct AtlasArgs {
    /// The faces tree (`<DIR>/<CLASS>/<face>`).
    pub dir: PathBuf,

    /// Requested number of superpixels per face (more than `explain`'s: the
    /// atlas fits regions, which finer superpixels separate better).
    #[arg(long, value_name = "N", default_value_t = atlas::ATLAS_SUPERPIXELS,
          value_parser = count::<2, MAX_SUPERPIXELS>)]
    pub superpixels: usize,

    /// Perturbed faces per face.
    #[arg(long, value_name = "N", default_value_t = SamplingOptions::default().n_permutations,
          value_parser = count::<2, { emotui::lime::MAX_PERMUTATIONS }>)]
    pub permutations: usize,

    /// Random seed (perturbations and bootstrap intervals).
    #[arg(long, default_value_t = SamplingOptions::default().seed)]
    pub seed: u64,

    /// Only every N-th face from the K-th (1-based), for one job of a batch
    /// scheduler's array (SLURM: `--shard $SLURM_ARRAY_TASK_ID/N`).
    #[arg(long, value_name = "K/N", value_parser = Shard::parse)]
    pub shard: Option<Shard>,

    /// Also read faces already explained from these cache files (the
    /// shards' own, after a batch job): with every shard's file, the whole
    /// tree's atlas without explaining anything again (repeatable).
    #[arg(long, value_name = "PATH")]
    pub read_cache: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = TableFormat::Table)]
    pub format: TableFormat,
}

pub fn run(args: AtlasArgs, model_args: &ModelArgs) -> anyhow::Result<bool> {
    let (faces, problems) = collect_paths(std::slice::from_ref(&args.dir))?;
    for p in &problems {
        eprintln!("emotui: {}: {}", p.path.display(), p.problem);
    }
    if faces.is_empty() {
        anyhow::bail!("{}: no face images in it", args.dir.display());
    }
    let mut request = AtlasRequest::default();
    request.sampling.n_superpixels = args.superpixels;
    request.sampling.n_permutations = args.permutations;
    request.sampling.seed = args.seed;
    let model = model_args.load()?;
    let face_models = model_args.lazy_face_models()?;
    let mut store = model_args.open_cache()?;
    let also = args
        .read_cache
        .iter()
        .map(|p| emotui::store::Store::open_existing(p))
        .collect::<emotui::Result<Vec<_>>>()?;
    let total = args
        .shard
        .map_or(faces.len(), |s| faces.len().div_ceil(s.n));
    let pb = progress::bar(total, "explaining");
    let key = atlas::record_key(&model, &request)?;
    let atlas = atlas::run(
        &model,
        &key,
        &face_models,
        store.as_mut(),
        &also,
        &faces,
        &request,
        args.shard,
        &AtomicBool::new(false),
        |done, total| {
            pb.set_length(total as u64);
            pb.set_position(done as u64);
        },
    )?;
    pb.finish_and_clear();
    let mut ok = problems.is_empty();
    for f in &atlas.faces {
        if let Err(e) = &f.record {
            eprintln!("emotui: {e}");
            ok = false;
        }
    }
    let cached = atlas.faces.iter().filter(|f| f.cached).count();
    eprintln!(
        "emotui: {} faces, {cached} from the cache{}",
        atlas.faces.len(),
        store
            .as_ref()
            .map_or(String::new(), |s| format!(" ({})", s.path().display()))
    );
    let summary = atlas.summary(args.seed);
    match args.format {
        TableFormat::Table => print!("{}", table(&summary)),
        TableFormat::Csv => print!("{}", csv_text(&summary)?),
        TableFormat::Json => println!("{}", serde_json::to_string_pretty(&summary)?),
    }
    Ok(ok)
}

/// `kind`, true class, predicted label of a group.
fn group_fields(g: &Group) -> [&str; 3] {
    match g {
        Group::True { class } => ["true", class, ""],
        Group::Predicted { label } => ["predicted", "", label],
        Group::Cell { class, label } => ["cell", class, label],
    }
}

fn table(summary: &[GroupRegions]) -> String {
    let mut s = String::new();
    for g in summary {
        let name = match &g.group {
            Group::True { class } => format!("true {class}"),
            Group::Predicted { label } => format!("predicted {label}"),
            Group::Cell { class, label } => format!("true {class} → {label}"),
        };
        let mut top: Vec<_> = g.regions.iter().collect();
        top.sort_by(|a, b| b.mean.total_cmp(&a.mean));
        let regions: Vec<String> = top
            .iter()
            .take(TABLE_REGIONS)
            .map(|r| {
                format!(
                    "{} {:.0}% [{:.0}–{:.0}]",
                    r.region.name(),
                    100.0 * r.mean,
                    100.0 * r.lower,
                    100.0 * r.upper
                )
            })
            .collect();
        s += &format!(
            "{name:<28} {:<10} n={:<4} {}\n",
            format!("{}'s", g.label),
            g.n,
            regions.join(", ")
        );
    }
    s
}

fn csv_text(summary: &[GroupRegions]) -> anyhow::Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "group",
        "class",
        "predicted",
        "label",
        "n",
        "region",
        "mean",
        "lower",
        "upper",
    ])?;
    for g in summary {
        let [kind, class, predicted] = group_fields(&g.group);
        for r in &g.regions {
            w.write_record([
                kind,
                class,
                predicted,
                &g.label,
                &g.n.to_string(),
                r.region.name(),
                &r.mean.to_string(),
                &r.lower.to_string(),
                &r.upper.to_string(),
            ])?;
        }
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}
