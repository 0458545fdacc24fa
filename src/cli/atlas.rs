//! `emotui atlas DIR`: every face of a tree explained once (kept in the
//! cache, so that a second run or a stopped one costs nothing again), then
//! where the model's weight falls on the face for each true class, each
//! predicted label and each confusion cell.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use clap::Args;

use emotui::atlas::facs::{GAYA_MOREY_MEAN_IOU, TOP_FRACTION};
use emotui::atlas::pair::PairGroup;
use emotui::atlas::people::{FaceSet, PEOPLE_WRONG, People};
use emotui::atlas::{
    self, AtlasRequest, CellFlips, ClassCheck, Group, GroupRegions, RegionStat, Shard,
};
use emotui::export::{Content, File};
use emotui::faces::collect_paths;
use emotui::lime::SamplingOptions;
use emotui::render;
use emotui::survey::{Survey, SurveyOptions};

use super::explain::{MAX_SUPERPIXELS, RegionMethodArg, SamplerArg};
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

    /// LIME's perturbed faces per face (for the maps; the regions' answers
    /// take 1,024 more evaluations).
    #[arg(long, value_name = "N", default_value_t = atlas::ATLAS_PERMUTATIONS,
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

    /// A survey whose rows name the faces (an `image` column with the
    /// faces' paths or file names): the faces people get wrong beside what
    /// the model looks at, and the faces people call neutral against the
    /// rest.
    #[arg(long, value_name = "CSV")]
    pub survey: Option<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = TableFormat::Table)]
    pub format: TableFormat,

    /// How the perturbations are drawn.
    #[arg(long, value_enum, default_value_t = SamplerArg::Balanced)]
    pub sampler: SamplerArg,

    /// How each face's answer per facial region is found.
    #[arg(long, value_enum, default_value_t = RegionMethodArg::Shapley)]
    pub region_method: RegionMethodArg,

    /// Write the class maps (`classes.png`), the confusion cells' maps
    /// (`cells.png`) and the region bar charts (`regions.png`) here.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Overwrite existing files in --out.
    #[arg(long)]
    pub force: bool,

    /// A second model: both atlases (each kept in the cache under its own
    /// model), then per class and per confusion cell each region's answer
    /// from `--model` (A) and from this one (B) on the same faces, their
    /// difference and its paired 95% interval.
    #[arg(long, value_name = "MODEL", conflicts_with_all = ["out", "survey"])]
    pub compare_model: Option<PathBuf>,
}

/// The pictures `--out` writes: class maps, confusion cells, region bars.
const PICTURES: [&str; 3] = ["classes.png", "cells.png", "regions.png"];
/// Side of one map in the pictures `--out` writes.
const MAP_SIDE: u32 = 96;
/// Width of one region bar chart in `--out`'s `regions.png`.
const BARS_WIDTH: u32 = 200;

pub fn run(args: AtlasArgs, model_args: &ModelArgs) -> anyhow::Result<bool> {
    if let Some(dir) = &args.out {
        emotui::export::check_folder(dir)?;
    }
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
    request.regions = args.region_method.method();
    request.sampling.sampler = args.sampler.sampler();
    // Read before the long part: a bad file is said at once.
    let survey = args
        .survey
        .as_deref()
        .map(|p| Survey::read(p, &SurveyOptions::default()))
        .transpose()?;
    if let Some(s) = &survey
        && s.columns.image.is_none()
    {
        eprintln!(
            "emotui: {}: no image column, so no face can be matched: `emotui survey` compares people with the model class by class",
            s.path.display()
        );
    }
    let model = model_args.load()?;
    let face_models = model_args.lazy_face_models()?;
    // A merge (--read-cache) reads the files it is given and writes only
    // where --cache says: no default cache is made behind the user's back.
    let mut store = if args.read_cache.is_empty() || model_args.cache.is_some() {
        model_args.open_cache()?
    } else {
        None
    };
    let also = args
        .read_cache
        .iter()
        .map(|p| emotui::cache::Store::open_existing(p))
        .collect::<emotui::Result<Vec<_>>>()?;
    let mut explain = |model: &emotui::model::Model| {
        explain_all(
            model,
            &args,
            &faces,
            &request,
            &face_models,
            store.as_mut(),
            &also,
        )
    };
    let (atlas, explained) = explain(&model)?;
    let ok = problems.is_empty() && explained;
    if let Some(b_path) = &args.compare_model {
        let b = model_args.load_from(b_path)?;
        let (atlas_b, explained_b) = explain(&b)?;
        let pair = atlas::pair::compare(&atlas, &atlas_b);
        match args.format {
            TableFormat::Table => out!("{}", pair_table(&pair))?,
            TableFormat::Csv => out!("{}", pair_csv(&pair)?)?,
            TableFormat::Json => outln!(
                "{}",
                serde_json::to_string_pretty(&serde_json::json!({
                    "a": model.path(),
                    "b": b.path(),
                    "groups": pair.groups,
                    "only_a": pair.only_a,
                    "only_b": pair.only_b,
                    "unmatched": pair.unmatched,
                }))?
            )?,
        }
        return Ok(ok && explained_b);
    }
    let overview = atlas.overview();
    let (summary, facs) = (&overview.summary, &overview.facs);
    let people = survey
        .as_ref()
        .filter(|s| s.columns.image.is_some())
        .map(|s| atlas.people(s));
    if let Some(p) = &people
        && !p.unmatched.is_empty()
    {
        eprintln!(
            "emotui: {} survey images match no single face of the tree (first: {})",
            p.unmatched.len(),
            p.unmatched[0]
        );
    }
    match args.format {
        TableFormat::Table => out!(
            "{}{}{}{}",
            table(summary),
            flips_table(&overview.flips),
            facs_table(facs),
            people.as_ref().map(people_table).unwrap_or_default()
        )?,
        TableFormat::Csv => out!("{}", csv_text(summary)?)?,
        TableFormat::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "groups": summary,
                "flips": overview.flips,
                "facs": facs,
                "facs_reference_iou": GAYA_MOREY_MEAN_IOU,
                "people": people,
            }))?
        )?,
    }
    if let Some(dir) = &args.out {
        let png = |name: &str, img| File {
            path: dir.join(name),
            content: Content::Png(img),
        };
        let [classes, cells, regions] = PICTURES;
        let files = [
            png(classes, render::class_grid(&overview, MAP_SIDE)),
            png(cells, render::cell_grid(&overview, MAP_SIDE)),
            png(
                regions,
                render::bars_grid(&overview.labels, summary, BARS_WIDTH),
            ),
        ];
        emotui::export::write(&files, args.force)?;
        for f in &files {
            eprintln!("emotui: wrote {}", f.path.display());
        }
    }
    Ok(ok)
}

/// Faces people get wrong, and the faces they call neutral against the
/// rest.
fn people_table(p: &People) -> String {
    let mut s = format!(
        "\nagainst people ({} faces named by the survey): faces fewer than {:.0}% of people got right\n",
        p.faces.len(),
        100.0 * PEOPLE_WRONG
    );
    let hard: Vec<_> = p.hard().collect();
    if hard.is_empty() {
        s += "  none\n";
    }
    for f in hard {
        let regions: Vec<String> = f
            .model_regions
            .iter()
            .map(|(r, v)| format!("{} {:.0}%", r.name(), 100.0 * v))
            .collect();
        s += &format!(
            "{:<40} people {:.0}% right (most said {}), model {} {:.2} looking at {}\n",
            f.path,
            100.0 * f.people_right,
            f.people_answer,
            f.model_label,
            f.model_confidence,
            regions.join(", ")
        );
    }
    let set = |name: &str, set: &Option<FaceSet>| match set {
        None => format!("{name:<26} no faces\n"),
        Some(set) => {
            format!(
                "{name:<26} n={:<4} model confidence {:.2}; its label's weight: {}\n",
                set.n,
                set.mean_confidence,
                top_regions(&set.regions)
            )
        }
    };
    s += "\nfaces people call neutral (not neutral faces) against the rest:\n";
    s += &set("people call them neutral", &p.called_neutral);
    s += &set("the rest", &p.rest);
    s
}

/// Each class against its FACS prototype, and the mean overlap beside the
/// published one.
fn facs_table(checks: &[ClassCheck]) -> String {
    if checks.is_empty() {
        return String::new();
    }
    let mut s = format!(
        "\nagainst FACS prototypes (EMFACS; docs/facs.md): top {:.0}% of each class map against the regions its action units move\n",
        100.0 * TOP_FRACTION
    );
    for c in checks {
        let aus: Vec<String> = c.aus.iter().map(|a| format!("AU{a}")).collect();
        s += &format!(
            "{:<10} n={:<4} {:<22} most weight: {} {:.0}% ({}), IoU {:.2}\n",
            c.class,
            c.n,
            aus.join("+"),
            c.top_region.name(),
            100.0 * c.top_share,
            if c.top_expected {
                "expected"
            } else {
                "not expected"
            },
            c.iou
        );
    }
    let mean = checks.iter().map(|c| c.iou).sum::<f64>() / checks.len() as f64;
    s += &format!(
        "mean IoU {mean:.2} (Gaya-Morey et al. 2024, 12 FER networks: {GAYA_MOREY_MEAN_IOU:.2})\n"
    );
    s
}

/// `kind`, true class, predicted label of a group.
fn group_fields(g: &Group) -> [&str; 3] {
    match g {
        Group::True { class } => ["true", class, ""],
        Group::Predicted { label } => ["predicted", "", label],
        Group::Cell { class, label } => ["cell", class, label],
    }
}

/// The [`TABLE_REGIONS`] regions with most weight, with their intervals.
fn top_regions(regions: &[RegionStat]) -> String {
    let mut top: Vec<_> = regions.iter().collect();
    top.sort_by(|a, b| b.mean.total_cmp(&a.mean));
    top.iter()
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
        .collect::<Vec<_>>()
        .join(", ")
}

fn table(summary: &[GroupRegions]) -> String {
    let mut s = String::new();
    for g in summary {
        let name = match &g.group {
            Group::True { class } => format!("true {class}"),
            Group::Predicted { label } => format!("predicted {label}"),
            Group::Cell { class, label } => format!("true {class} → {label}"),
        };
        s += &format!(
            "{name:<28} {:<10} n={:<4} {}\n",
            format!("{}'s", g.label),
            g.n,
            top_regions(&g.regions)
        );
    }
    s
}

/// Flipping sets shown per confusion cell in the table (JSON has all).
const TABLE_FLIPS: usize = 3;

/// Per confusion cell, the most frequent smallest sets of regions whose
/// removal changes the prediction, as "angry→sad: chin → fear (1 of 1 faces)".
fn flips_table(cells: &[CellFlips]) -> String {
    if cells.is_empty() {
        return String::new();
    }
    let mut s =
        "\nsmallest removals that change the prediction (region game), per confusion cell:\n"
            .to_string();
    for c in cells {
        let sets: Vec<String> = c
            .sets
            .iter()
            .take(TABLE_FLIPS)
            .map(|f| {
                format!(
                    "{} → {} ({} of {} faces)",
                    f.removed_names(),
                    f.to,
                    f.faces,
                    c.n
                )
            })
            .collect();
        s += &format!(
            "  {}→{}: {}\n",
            c.class,
            c.label,
            if sets.is_empty() {
                "no removal changes it".to_string()
            } else {
                sets.join(", ")
            }
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
        "value",
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
                &r.value.to_string(),
            ])?;
        }
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

/// Explains every face with `model` (from the store and the `also` stores
/// when they have it) and says what could not be; whether every face was.
#[allow(clippy::too_many_arguments)]
fn explain_all(
    model: &emotui::model::Model,
    args: &AtlasArgs,
    faces: &[emotui::faces::Face],
    request: &AtlasRequest,
    face_models: &emotui::geometry::LazyFaceModels,
    mut store: Option<&mut emotui::cache::Store>,
    also: &[emotui::cache::Store],
) -> anyhow::Result<(atlas::Atlas, bool)> {
    let key = atlas::record_key(model, request)?;
    for other in also {
        if let Some(warning) = atlas::check_merge(other, &key)? {
            eprintln!("emotui: warning: {warning}");
        }
    }
    let total = args
        .shard
        .map_or(faces.len(), |s| faces.len().div_ceil(s.n));
    let pb = progress::bar(total, "explaining");
    let atlas = atlas::AtlasRun::new(model, key, face_models, request.clone())?
        .store(store.as_deref_mut())
        .also(also)
        .shard(args.shard)
        .run(faces, &AtomicBool::new(false), progress::follow(&pb))?;
    pb.finish_and_clear();
    let mut ok = true;
    for f in &atlas.faces {
        if let Err(e) = &f.record {
            eprintln!("emotui: {e}");
            ok = false;
        }
    }
    let cached = atlas.faces.iter().filter(|f| f.cached).count();
    let read: Vec<String> = store
        .as_deref()
        .into_iter()
        .chain(also)
        .map(|s| s.path().display().to_string())
        .collect();
    if read.is_empty() {
        eprintln!("emotui: {} faces (no cache)", atlas.faces.len());
    } else {
        eprintln!(
            "emotui: {} faces, {cached} from {}",
            atlas.faces.len(),
            read.join(", ")
        );
    }
    Ok((atlas, ok))
}

/// The two atlases side by side, per group: regions by |A − B|, a `*`
/// where the paired interval leaves out 0.
fn pair_table(p: &atlas::pair::AtlasPair) -> String {
    use std::fmt::Write;
    let mut s = String::from(
        "each region's mean Shapley value for the group's label, model A and model B on the same faces, \
         A − B with its paired 95% interval (* where it leaves out 0)\n",
    );
    for g in &p.groups {
        let what = match &g.group {
            PairGroup::Class { class } => format!("{class} faces, for {class}"),
            PairGroup::Cell { class, label } => {
                format!("{class} faces A or B reads as {label}, for {label}")
            }
        };
        let faces = if g.faces == 1 { "face" } else { "faces" };
        let _ = writeln!(s, "\n{what} ({} {faces})", g.faces);
        let _ = writeln!(
            s,
            "  {:<11} {:>8} {:>8} {:>8}    95% interval",
            "region", "A", "B", "A - B"
        );
        for r in g.regions.iter().take(TABLE_REGIONS) {
            let interval = match (r.lower, r.upper) {
                (Some(lo), Some(hi)) => format!("{lo:+.4} to {hi:+.4}"),
                _ => "(one face)".into(),
            };
            let _ = writeln!(
                s,
                "  {:<11} {:>+8.4} {:>+8.4} {:>+8.4}  {} {interval}",
                r.region.name(),
                r.a,
                r.b,
                r.difference,
                if r.clear { '*' } else { ' ' }
            );
        }
    }
    for (who, labels) in [("A", &p.only_a), ("B", &p.only_b)] {
        if !labels.is_empty() {
            let _ = writeln!(
                s,
                "\nlabels only model {who} has (no group to compare): {}",
                labels.join(", ")
            );
        }
    }
    if p.unmatched > 0 {
        let _ = writeln!(
            s,
            "\n{} faces lack a record of one of the models",
            p.unmatched
        );
    }
    s
}

/// The comparison as CSV: one row per group and region.
fn pair_csv(p: &atlas::pair::AtlasPair) -> anyhow::Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "kind",
        "class",
        "label",
        "faces",
        "region",
        "a",
        "b",
        "difference",
        "lower",
        "upper",
        "clear",
    ])?;
    let opt = |v: Option<f64>| v.map_or(String::new(), |v| v.to_string());
    for g in &p.groups {
        let (kind, class, label) = match &g.group {
            PairGroup::Class { class } => ("class", class, class),
            PairGroup::Cell { class, label } => ("cell", class, label),
        };
        for r in &g.regions {
            w.write_record([
                kind.to_string(),
                class.clone(),
                label.clone(),
                g.faces.to_string(),
                r.region.name().to_string(),
                r.a.to_string(),
                r.b.to_string(),
                r.difference.to_string(),
                opt(r.lower),
                opt(r.upper),
                r.clear.to_string(),
            ])?;
        }
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}
