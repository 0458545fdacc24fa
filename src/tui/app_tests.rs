//! The explorer's state machine, driven by keys, the mouse and messages.

use super::*;
use crate::tui::workers::{ExplainEvent, Which};
use crossterm::event::{MouseButton, MouseEvent};
use emotui::faces::FaceClass;
use emotui::predict::Prediction;

fn tree() -> FaceTree {
    let face = |c: &str, n: &str| Face {
        path: PathBuf::from(format!("/t/{c}/{n}")),
        class: Some(c.into()),
    };
    FaceTree {
        root: "/t".into(),
        classes: vec![
            FaceClass {
                name: "ANGER".into(),
                faces: vec![face("ANGER", "a1.png"), face("ANGER", "a2.png")],
            },
            FaceClass {
                name: "JOY".into(),
                faces: vec![face("JOY", "j1.png"), face("JOY", "smile.png")],
            },
        ],
        unlabelled: vec![],
        problems: vec![],
    }
}

fn key(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

fn app() -> App {
    let mut a = App::new(&tree(), "halfblocks".into(), None);
    a.model_ready(vec!["angry".into(), "happy".into()], "model".into());
    a.layout(Rect::new(0, 0, 100, 30));
    a
}

fn job(commands: &[Command]) -> Option<u64> {
    commands.iter().find_map(|c| match c {
        Command::Explain(j) => Some(j.id),
        _ => None,
    })
}

#[test]
fn navigation_and_folding() {
    let mut a = app();
    assert_eq!(a.selected_face(), Some(0));
    a.on_key(key(KeyCode::Char('j')));
    assert_eq!(a.selected_face(), Some(1));
    a.on_key(key(KeyCode::Char('j')));
    assert_eq!(a.selected_face(), None);
    a.on_key(key(KeyCode::Enter));
    assert_eq!(a.tree.rows().len(), 4);
    a.on_key(key(KeyCode::Up));
    a.on_key(key(KeyCode::Left));
    assert_eq!(a.tree.rows().len(), 2);
}

#[test]
fn filter_shows_matching_faces_only() {
    let mut a = app();
    a.on_key(key(KeyCode::Char('/')));
    for c in "smi".chars() {
        a.on_key(key(KeyCode::Char(c)));
    }
    a.on_key(key(KeyCode::Enter));
    assert_eq!(a.tree.rows().len(), 2);
    assert_eq!(a.selected_face(), Some(3));
    a.on_key(key(KeyCode::Esc));
    assert_eq!(a.tree.rows().len(), 6);
}

#[test]
fn n_jumps_to_misclassified_faces() {
    let mut a = app();
    for (i, v) in [[0.9, 0.1], [0.2, 0.8], [0.1, 0.9], [0.7, 0.3]]
        .iter()
        .enumerate()
    {
        a.on_message(Message::Predicted {
            face: i,
            result: Ok(Prediction::from_probabilities(v.to_vec())),
        });
    }
    a.on_key(key(KeyCode::Char('n')));
    assert_eq!(a.selected_face(), Some(1));
    a.on_key(key(KeyCode::Char('n')));
    assert_eq!(a.selected_face(), Some(3));
    a.on_key(key(KeyCode::Char('N')));
    assert_eq!(a.selected_face(), Some(1));
}

#[test]
fn moving_cancels_the_stale_job_and_ignores_its_reports() {
    let mut a = app();
    let first = job(&a.on_key(key(KeyCode::Char('2')))).expect("a job for face 0");
    let second = job(&a.on_key(key(KeyCode::Char('j')))).expect("a job for face 1");
    assert!(second > first);
    // The first job's cancellation, progress and failure change nothing.
    a.on_message(Message::Explain {
        id: first,
        event: ExplainEvent::Progress {
            done: 500,
            total: 1000,
        },
    });
    a.on_message(Message::Explain {
        id: first,
        event: ExplainEvent::Done(Err(emotui::Error::Cancelled)),
    });
    assert!(matches!(
        a.explain.job(),
        crate::tui::explain::Job::Running { id, done: 0, .. } if *id == second
    ));
    // Its own cancellation shows as such, and is typed, not text.
    a.on_message(Message::Explain {
        id: second,
        event: ExplainEvent::Done(Err(emotui::Error::Cancelled)),
    });
    assert_eq!(*a.explain.job(), crate::tui::explain::Job::Cancelled);
    assert!(a.status.error.is_none());
    // `c` asks again.
    assert!(job(&a.on_key(key(KeyCode::Char('c')))).is_some());
}

#[test]
fn the_mouse_selects_through_the_same_path_as_keys() {
    let mut a = app();
    a.on_key(key(KeyCode::Char('2')));
    let click = |column, row| MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column,
        row,
        modifiers: KeyModifiers::NONE,
    };
    // Line 2 of the tree (row 2 + 2) is the face a2.png.
    let commands = a.on_mouse(click(5, 4));
    assert_eq!(a.selected_face(), Some(1));
    assert!(job(&commands).is_some(), "a click on a face explains it");
    // A click on the survey tab's title.
    a.on_mouse(click(25, 0));
    assert_eq!(a.tab, Tab::Survey);
}

#[test]
fn quit_keys() {
    let mut a = app();
    a.on_key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert!(a.quit());
}

/// With two models, each model's work goes to its own predictions whichever
/// is shown, and M swaps what browse and explain show.
#[test]
fn two_models_keep_their_work_apart() {
    let mut a = app();
    a.compare_models();
    a.parked_ready(vec!["ANGER".into(), "JOY".into()], "model B".into());
    let predicted = |face, p: [f32; 2]| Message::Predicted {
        face,
        result: Ok(Prediction::from_probabilities(p.to_vec())),
    };
    a.on_message(Message::Of(Which::A, Box::new(predicted(0, [0.9, 0.1]))));
    a.on_message(Message::Of(Which::B, Box::new(predicted(0, [0.2, 0.8]))));
    let top = |a: &App| a.predictions.results[0].clone().unwrap().unwrap().predicted;
    assert_eq!(top(&a), 0, "A is shown");
    assert!(
        a.on_key(key(KeyCode::Char('M')))
            .iter()
            .any(|c| matches!(c, Command::SwapModels))
    );
    assert_eq!(a.shown, Which::B);
    assert_eq!(top(&a), 1, "B is shown");
    // A's work still goes to A while B is shown.
    a.on_message(Message::Of(Which::A, Box::new(predicted(1, [0.7, 0.3]))));
    assert!(a.predictions.results[1].is_none());
    a.on_key(key(KeyCode::Char('M')));
    assert_eq!(a.shown, Which::A);
    assert!(a.predictions.results[1].is_some());
    assert_eq!(a.model_names(), ["model", "model B"]);
    // M is the app's in the tabs that take every other key.
    for tab in ['4', '5'] {
        a.on_key(key(KeyCode::Char(tab)));
        let before = a.shown;
        a.on_key(key(KeyCode::Char('M')));
        assert_ne!(a.shown, before, "M in tab {tab}");
    }
}

#[test]
fn m_with_one_model_says_how_to_get_two() {
    let mut a = app();
    let commands = a.on_key(key(KeyCode::Char('M')));
    assert!(!commands.iter().any(|c| matches!(c, Command::SwapModels)));
    assert!(
        a.status
            .message
            .as_deref()
            .unwrap()
            .contains("--compare-model")
    );
}
