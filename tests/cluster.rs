//! emotui on a lab cluster: workers that follow the job's allocation,
//! shards merged from the files given and nothing else, mixed shards
//! refused, the README's SLURM array and merge on a real scheduler, and an
//! installed binary run far from the source tree.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_emotui")
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// The bundled faces copied into `dir/tree`, and, with `broken`, a face
/// cut in half (unreadable) among them.
fn tree(dir: &Path, broken: bool) -> PathBuf {
    let tree = dir.join("tree");
    for class in std::fs::read_dir(root().join("data/test_crop")).unwrap() {
        let class = class.unwrap().path();
        let into = tree.join(class.file_name().unwrap());
        std::fs::create_dir_all(&into).unwrap();
        for face in std::fs::read_dir(&class).unwrap() {
            let face = face.unwrap().path();
            std::fs::copy(&face, into.join(face.file_name().unwrap())).unwrap();
        }
    }
    if broken {
        let good = std::fs::read(root().join("data/test_crop/JOY/obama.png")).unwrap();
        std::fs::write(tree.join("JOY/broken.png"), &good[..good.len() / 2]).unwrap();
    }
    tree
}

/// The CPUs online, as the allocation reads them.
fn online() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

#[test]
fn workers_follow_the_allocation() {
    let face = root().join("data/test_crop/JOY/obama.png");
    let run = |setup: &mut Command| {
        let o = setup
            .args(["predict", "--backend", "tract"])
            .arg(&face)
            .output()
            .unwrap();
        let (out, err) = text(&o);
        assert!(o.status.success(), "{err}");
        assert!(out.contains("happy"), "{out}");
        err
    };
    let err = run(Command::new(bin()).env("SLURM_CPUS_PER_TASK", "1"));
    assert!(
        err.contains("emotui: 1 worker (SLURM_CPUS_PER_TASK=1"),
        "{err}"
    );
    // --threads is the user's own choice: nothing to explain.
    let err = run(Command::new(bin())
        .env("SLURM_CPUS_PER_TASK", "1")
        .args(["--threads", "2"]));
    assert!(!err.contains("worker"), "{err}");
    if online() > 1 && Command::new("taskset").arg("-V").output().is_ok() {
        let err = run(Command::new("taskset").args(["-c", "0", bin()]));
        assert!(err.contains("1 worker (CPU affinity mask of 1"), "{err}");
    }
}

/// A merge reads the shards it is given and writes nothing else: no
/// default cache appears, and the files read are the ones named.
#[test]
fn a_merge_reads_what_it_is_given_and_refuses_mixed_shards() {
    let dir = tempfile::tempdir().unwrap();
    let tree = tree(dir.path(), false);
    let home = dir.path().join("home");
    let atlas = |args: &[&str]| {
        Command::new(bin())
            .args(["atlas", "--backend", "tract", "--format", "csv"])
            .args(["--permutations", "100"])
            .arg(&tree)
            .args(args)
            .current_dir(dir.path())
            .env("HOME", &home)
            .env_remove("XDG_CACHE_HOME")
            .output()
            .unwrap()
    };
    for k in 1..=2 {
        let o = atlas(&[
            "--shard",
            &format!("{k}/2"),
            "--cache",
            &format!("atlas-{k}.sqlite"),
        ]);
        assert!(o.status.success(), "{}", text(&o).1);
    }
    let merged = atlas(&[
        "--read-cache",
        "atlas-1.sqlite",
        "--read-cache",
        "atlas-2.sqlite",
    ]);
    let (out, err) = text(&merged);
    assert!(merged.status.success(), "{err}");
    assert!(
        err.contains("5 faces, 5 from atlas-1.sqlite, atlas-2.sqlite"),
        "{err}"
    );
    assert!(
        !home.join(".cache/emotui/emotui.sqlite").exists(),
        "the merge made a default cache"
    );
    let whole = atlas(&["--no-cache"]);
    assert_eq!(
        out,
        text(&whole).0,
        "the merged atlas is not the unsharded one"
    );

    // Shards made with other options: refused, saying what differs.
    let other = atlas(&[
        "--seed",
        "7",
        "--read-cache",
        "atlas-1.sqlite",
        "--read-cache",
        "atlas-2.sqlite",
    ]);
    let (_, err) = text(&other);
    assert_eq!(other.status.code(), Some(2), "{err}");
    assert!(
        err.contains("atlas-1.sqlite") && err.contains("other atlas options"),
        "{err}"
    );
}

/// Reads the ```sh block of the README whose second line is `# <name>`.
fn readme_script(name: &str) -> String {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    readme
        .split("```sh\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap())
        .find(|b| b.lines().nth(1) == Some(&format!("# {name}")))
        .unwrap_or_else(|| panic!("README has no script {name}"))
        .to_string()
}

/// The README's scripts for this test: two tasks of one CPU each, the test's
/// tree, this build of emotui.
fn adapt(script: &str, tree: &Path) -> String {
    script
        .replace("--array=1-10", "--array=1-2")
        .replace("--cpus-per-task=4", "--cpus-per-task=1")
        .replace("N=10", "N=2")
        .replace("TREE=data/test_crop", &format!("TREE={}", tree.display()))
        .replace("emotui atlas", &format!("{} atlas", bin()))
}

fn squeue_empty(job: &str) -> bool {
    let o = Command::new("squeue")
        .args(["-h", "-j", job])
        .output()
        .unwrap();
    o.status.success() && o.stdout.is_empty()
}

/// The README's cluster section on a real SLURM: the array over a tree
/// with one unreadable face, then the merge as a dependent job.
#[test]
#[ignore = "needs SLURM: .ci/run starts one with tools/slurm_single_node.sh"]
fn the_readme_array_and_merge_on_slurm() {
    let dir = tempfile::tempdir().unwrap();
    let tree = tree(dir.path(), true);
    let work = dir.path().join("job");
    std::fs::create_dir_all(&work).unwrap();
    for name in ["atlas-array.sh", "atlas-merge.sh"] {
        std::fs::write(work.join(name), adapt(&readme_script(name), &tree)).unwrap();
    }
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let submit = readme
        .split("```sh\n")
        .map(|b| b.split("```").next().unwrap())
        .find(|b| b.starts_with("array=$(sbatch"))
        .expect("the README's submission");
    let start = Instant::now();
    let o = Command::new("bash")
        .arg("-c")
        .arg(format!("set -e\n{submit}echo $array"))
        .current_dir(&work)
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert!(o.status.success(), "sbatch: {err}");
    let array = out.lines().last().unwrap().trim().to_string();
    let merge = out
        .lines()
        .find_map(|l| l.strip_prefix("Submitted batch job "))
        .map(str::to_string)
        .expect("the merge's job id");
    while !(squeue_empty(&array) && squeue_empty(&merge)) {
        assert!(
            start.elapsed() < Duration::from_secs(600),
            "the jobs did not finish in 10 minutes"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    eprintln!(
        "array and merge done in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    let log = |name: String| std::fs::read_to_string(work.join(&name)).unwrap_or_default();
    for k in 1..=2 {
        let task = log(format!("slurm-{array}_{k}.out"));
        assert!(
            task.contains("emotui: 1 worker (SLURM_CPUS_PER_TASK=1"),
            "task {k}: {task}"
        );
    }
    let merged = std::fs::read_to_string(work.join("atlas.csv")).expect("the merge never ran");
    assert!(!merged.is_empty());
    let merge_log = log(format!("slurm-{merge}.out"));
    assert!(merge_log.contains("broken.png"), "{merge_log}");
    assert!(
        merge_log.contains("from atlas-1.sqlite, atlas-2.sqlite"),
        "{merge_log}"
    );
    let whole = Command::new(bin())
        .args(["atlas", "--no-cache", "--format", "csv"])
        .arg(&tree)
        .output()
        .unwrap();
    assert_eq!(
        merged,
        text(&whole).0,
        "the merged atlas is not the unsharded one"
    );
}

/// `cargo install` gives a binary that predicts and finds landmarks from a
/// folder far from the source tree, with its own empty home.
#[test]
#[ignore = "needs cargo install (a second link of emotui, offline from the local registry)"]
fn an_installed_binary_runs_anywhere() {
    let dir = tempfile::tempdir().unwrap();
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root().join("target"), PathBuf::from);
    let o = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["install", "--offline", "--locked", "--quiet", "--path"])
        .arg(root())
        .arg("--root")
        .arg(dir.path().join("install"))
        .arg("--target-dir")
        .arg(target)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o).1);
    let away = dir.path().join("away");
    std::fs::create_dir_all(&away).unwrap();
    std::fs::copy(
        root().join("data/test_crop/JOY/obama.png"),
        away.join("face.png"),
    )
    .unwrap();
    let installed = dir.path().join("install/bin/emotui");
    for (command, want) in [("predict", "happy"), ("landmarks", "face.png")] {
        let o = Command::new(&installed)
            .args([command, "--backend", "tract", "face.png"])
            .current_dir(&away)
            .env("HOME", away.join("home"))
            .env_remove("XDG_CACHE_HOME")
            .output()
            .unwrap();
        let (out, err) = text(&o);
        assert!(o.status.success(), "{command}: {err}");
        assert!(out.contains(want), "{command}: {out}");
    }
}
