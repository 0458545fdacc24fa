//! Standard output that reports its errors. `println!` panics when stdout
//! is a pipe that closed early (`emotui predict TREE | head`) or a full
//! disk; [`outln!`] and [`out!`] return the error instead, and `main` ends
//! quietly on a closed pipe, as other Unix tools do, and names the output
//! on any other failure.

use std::fmt;
use std::io::Write;

/// A write to standard output failed.
#[derive(Debug, thiserror::Error)]
#[error("cannot write to standard output: {0}")]
pub struct StdoutError(pub std::io::Error);

impl From<std::io::Error> for StdoutError {
    fn from(e: std::io::Error) -> Self {
        StdoutError(e)
    }
}

impl StdoutError {
    /// The reader went away (a closed pipe): nothing more to say.
    pub fn is_closed_pipe(&self) -> bool {
        self.0.kind() == std::io::ErrorKind::BrokenPipe
    }
}

/// Writes formatted text to standard output.
pub fn write(args: fmt::Arguments) -> Result<(), StdoutError> {
    Ok(std::io::stdout().lock().write_fmt(args)?)
}

/// Flushes standard output, so that a full disk is found before exit.
pub fn flush() -> Result<(), StdoutError> {
    Ok(std::io::stdout().lock().flush()?)
}

/// Whether standard output was closed when emotui started (`>&-`). The
/// Rust runtime then opens /dev/null in its place, read-write, and every
/// write would vanish without an error; a shell's `> /dev/null` opens it
/// write-only.
pub fn was_closed() -> bool {
    // SAFETY: fcntl and fstat on a descriptor number only read its state.
    unsafe {
        let flags = libc::fcntl(1, libc::F_GETFL);
        if flags < 0 || flags & libc::O_ACCMODE != libc::O_RDWR {
            return false;
        }
        let mut st: libc::stat = std::mem::zeroed();
        if libc::fstat(1, &mut st) != 0 {
            return false;
        }
        let mut null: libc::stat = std::mem::zeroed();
        let path = c"/dev/null";
        libc::stat(path.as_ptr(), &mut null) == 0
            && st.st_mode & libc::S_IFMT == libc::S_IFCHR
            && st.st_rdev == null.st_rdev
    }
}

/// `print!` that returns [`StdoutError`] instead of panicking.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::output::write(format_args!($($arg)*))
    };
}

/// `println!` that returns [`StdoutError`] instead of panicking.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cli::output::write(format_args!("{}\n", format_args!($($arg)*)))
    };
}
